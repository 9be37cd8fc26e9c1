#include "mqtt/uplink/outbox.hpp"

#include <sqlite3.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "common/sqlite_statement.hpp"
#include "common/varint.hpp"

namespace kirchhoff::mqtt::uplink {

using common::ErrorKind;
using common::make_error;

namespace {

constexpr std::int64_t kApplicationId = 0x4B49554C;  // "KIUL"
constexpr std::int64_t kVersion = 1;
// A frame holds one cycle: a few hundred series at most. The decoder refuses
// more so that a damaged count cannot make it allocate without bound.
constexpr std::int64_t kMaxFramePoints = 1'000'000;

constexpr const char* kSchema = R"(
CREATE TABLE series (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
CREATE TABLE frames (seq INTEGER PRIMARY KEY AUTOINCREMENT, t_ms INTEGER NOT NULL,
                     count INTEGER NOT NULL, skip INTEGER NOT NULL, data BLOB NOT NULL);
)";

using Stmt = common::SqliteStatement;
using common::get_varint;
using common::put_varint;
using common::unzigzag;
using common::zigzag;

// Scales tried in order; a value is packed as an integer only when the
// division reproduces the very same double (docs/uplink-format.md).
constexpr double kScales[] = {1.0, 10.0, 1000.0};
constexpr std::uint64_t kRawCode = 3;
// Integers up to 2^53 are exact in a double; larger ones are kept raw.
constexpr double kMaxExact = 9007199254740992.0;

std::int64_t file_size(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::int64_t>(size);
}

}  // namespace

void encode_point(int series_id, double value, std::string& out) {
  put_varint(out, static_cast<std::uint64_t>(series_id));
  for (std::uint64_t code = 0; code < kRawCode; ++code) {
    const double scaled = value * kScales[code];
    if (!(std::fabs(scaled) < kMaxExact / 4)) {
      break;
    }
    const auto q = static_cast<std::int64_t>(std::llround(scaled));
    // -0.0 is not an integer 0: keep its sign by storing it raw.
    if (static_cast<double>(q) / kScales[code] == value && !(q == 0 && std::signbit(value))) {
      put_varint(out, zigzag(q) << 2 | code);
      return;
    }
  }
  put_varint(out, kRawCode);
  const auto bits = std::bit_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>((bits >> (8 * i)) & 0xFF));
  }
}

common::Result<std::vector<std::pair<int, double>>> decode_frame(std::string_view data,
                                                                 std::int64_t count) {
  if (count < 0 || count > kMaxFramePoints || static_cast<std::uint64_t>(count) * 2 > data.size()) {
    return make_error(ErrorKind::kCorruption, "frame: " + std::to_string(count) +
                                                  " points cannot fit in " +
                                                  std::to_string(data.size()) + " bytes");
  }
  std::vector<std::pair<int, double>> points;
  points.reserve(static_cast<std::size_t>(count));
  std::size_t pos = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    std::uint64_t id = 0;
    std::uint64_t h = 0;
    if (!get_varint(data, pos, id) || id > 0x7FFFFFFF || !get_varint(data, pos, h)) {
      return make_error(ErrorKind::kCorruption,
                        "frame: point " + std::to_string(i) + " is cut short or malformed");
    }
    const std::uint64_t code = h & 3;
    double value = 0.0;
    if (code == kRawCode) {
      if (h != kRawCode || data.size() - pos < 8) {
        return make_error(ErrorKind::kCorruption,
                          "frame: point " + std::to_string(i) + " has a malformed raw value");
      }
      std::uint64_t bits = 0;
      for (int b = 0; b < 8; ++b) {
        bits |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(data[pos + b])) << (8 * b);
      }
      pos += 8;
      value = std::bit_cast<double>(bits);
    } else {
      value = static_cast<double>(unzigzag(h >> 2)) / kScales[code];
    }
    points.emplace_back(static_cast<int>(id), value);
  }
  if (pos != data.size()) {
    return make_error(ErrorKind::kCorruption, "frame: " + std::to_string(data.size() - pos) +
                                                  " bytes left over after its points");
  }
  return points;
}

double round_to_decimals(double value, int decimals) {
  constexpr double kPowers[] = {1.0, 10.0, 100.0, 1000.0};
  if (decimals < 0 || decimals > 3) {
    return value;
  }
  const double scaled = value * kPowers[decimals];
  if (!(std::fabs(scaled) < kMaxExact)) {
    return value;
  }
  // Dividing the integer gives the double nearest the decimal, which is
  // what the packing recognises (multiplying by 0.1 would not).
  return std::round(scaled) / kPowers[decimals];
}

std::string history_key_to_series(std::string_view history_key) {
  constexpr std::string_view kLoadPrefix = "load/";
  if (history_key.substr(0, kLoadPrefix.size()) == kLoadPrefix) {
    history_key.remove_prefix(kLoadPrefix.size());
  }
  return std::string(history_key);
}

Outbox::Outbox(std::string path, OutboxOptions options)
    : path_(std::move(path)), options_(options) {}

Outbox::~Outbox() {
  if (db_ != nullptr) {
    sqlite3_close(db_);
  }
}

common::Error Outbox::sql_error(const std::string& what) const {
  return make_error(ErrorKind::kIoError,
                    path_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "no database"));
}

common::Status Outbox::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "error";
    sqlite3_free(message);
    return make_error(ErrorKind::kIoError, path_ + ": " + text);
  }
  return common::Status::success();
}

common::Result<std::unique_ptr<Outbox>> Outbox::open(const std::string& path,
                                                     OutboxOptions options) {
  if (options.max_age_ms <= 0) {
    return make_error(ErrorKind::kInvalidArgument,
                      path + ": the outbox's bound must be positive, not " +
                          std::to_string(options.max_age_ms) + " ms");
  }
  std::unique_ptr<Outbox> outbox(new Outbox(path, options));
  if (sqlite3_open_v2(path.c_str(), &outbox->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return outbox->sql_error("cannot open the uplink outbox");
  }
  sqlite3_busy_timeout(outbox->db_, 5000);
  if (auto status = outbox->init(); !status) {
    return status.error();
  }
  return outbox;
}

common::Status Outbox::init() {
  auto corrupt = [&](const std::string& why) {
    return make_error(ErrorKind::kCorruption,
                      path_ + ": not a usable uplink outbox (" + why +
                          "); move it aside (Outbox::move_aside) and start a new one");
  };
  std::int64_t app_id = 0;
  std::int64_t version = 0;
  std::int64_t tables = 0;
  {
    Stmt id(db_, "PRAGMA application_id");
    if (!id.ok() || id.step() != SQLITE_ROW) {
      return corrupt(sqlite3_errmsg(db_));
    }
    app_id = id.i64(0);
    Stmt v(db_, "PRAGMA user_version");
    if (!v.ok() || v.step() != SQLITE_ROW) {
      return corrupt(sqlite3_errmsg(db_));
    }
    version = v.i64(0);
    Stmt t(db_, "SELECT count(*) FROM sqlite_master");
    if (!t.ok() || t.step() != SQLITE_ROW) {
      return corrupt(sqlite3_errmsg(db_));
    }
    tables = t.i64(0);
  }
  const bool fresh = app_id == 0 && version == 0 && tables == 0;
  if (!fresh && app_id != kApplicationId) {
    return corrupt("another application's SQLite file");
  }
  if (!fresh && version != kVersion) {
    return corrupt("version " + std::to_string(version) + ", this program reads version " +
                   std::to_string(kVersion));
  }
  // WAL + NORMAL: a commit survives a killed process without an fsync per
  // cycle (docs/uplink-format.md, power-loss trade-off).
  if (auto s = exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                    "PRAGMA journal_size_limit=4194304;");
      !s) {
    return s;
  }
  if (fresh) {
    const std::string create = std::string("BEGIN;") + kSchema +
                               "PRAGMA application_id=" + std::to_string(kApplicationId) +
                               "; PRAGMA user_version=" + std::to_string(kVersion) + "; COMMIT;";
    if (auto s = exec(create.c_str()); !s) {
      return s;
    }
  }
  {
    Stmt names(db_, "SELECT id, name FROM series");
    if (!names.ok()) {
      return corrupt(sqlite3_errmsg(db_));
    }
    int rc = 0;
    while ((rc = names.step()) == SQLITE_ROW) {
      const int id = static_cast<int>(names.i64(0));
      ids_[names.text(1)] = id;
      names_[id] = names.text(1);
    }
    if (rc != SQLITE_DONE) {
      return corrupt(sqlite3_errmsg(db_));
    }
  }
  if (auto s = refresh_counts(); !s) {
    return corrupt(s.error().message);
  }
  Stmt newest(db_, "SELECT max(t_ms) FROM frames");
  if (newest.ok() && newest.step() == SQLITE_ROW) {
    stats_.newest_ms = newest.i64(0);
  }
  return common::Status::success();
}

// Points, frames and the oldest time from the table (after open and after
// removals; appends keep them up to date themselves).
common::Status Outbox::refresh_counts() {
  Stmt sums(db_, "SELECT count(*), coalesce(sum(count - skip), 0) FROM frames");
  if (!sums.ok() || sums.step() != SQLITE_ROW) {
    return sql_error("cannot count the outbox");
  }
  stats_.frames = sums.i64(0);
  stats_.points = sums.i64(1);
  Stmt oldest(db_, "SELECT t_ms FROM frames ORDER BY seq LIMIT 1");
  if (!oldest.ok()) {
    return sql_error("cannot read the oldest frame");
  }
  stats_.oldest_ms = oldest.step() == SQLITE_ROW ? oldest.i64(0) : 0;
  return common::Status::success();
}

common::Result<std::string> Outbox::move_aside(const std::string& path, std::int64_t unix_ms) {
  const std::string target = path + ".damaged-" + std::to_string(unix_ms);
  std::error_code ec;
  std::filesystem::rename(path, target, ec);
  if (ec) {
    return make_error(ErrorKind::kIoError,
                      path + ": cannot move the damaged outbox aside: " + ec.message());
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    if (std::filesystem::exists(path + suffix, ec)) {
      std::filesystem::rename(path + suffix, target + suffix, ec);
      if (ec) {
        return make_error(ErrorKind::kIoError,
                          path + suffix + ": cannot move it aside: " + ec.message());
      }
    }
  }
  return target;
}

common::Result<int> Outbox::series_id(const std::string& name) {
  if (auto it = ids_.find(name); it != ids_.end()) {
    return it->second;
  }
  Stmt insert(db_, "INSERT INTO series (name) VALUES (?)");
  if (!insert.ok() || insert.bind(1, name).step() != SQLITE_DONE) {
    return sql_error("cannot add the series '" + name + "'");
  }
  const int id = static_cast<int>(sqlite3_last_insert_rowid(db_));
  ids_[name] = id;
  names_[id] = name;
  return id;
}

common::Status Outbox::drop_older_than(std::int64_t cutoff_ms, std::int64_t now_ms) {
  // Frames are in time order; walk from the oldest to the first one kept.
  std::int64_t last_seq = -1;
  std::int64_t points = 0;
  std::int64_t frames = 0;
  {
    Stmt old(db_, "SELECT seq, t_ms, count - skip FROM frames ORDER BY seq");
    if (!old.ok()) {
      return sql_error("cannot read old frames");
    }
    int rc = 0;
    while ((rc = old.step()) == SQLITE_ROW && old.i64(1) < cutoff_ms) {
      last_seq = old.i64(0);
      points += old.i64(2);
      ++frames;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      return sql_error("cannot read old frames");
    }
  }
  if (last_seq < 0) {
    return common::Status::success();
  }
  Stmt drop(db_, "DELETE FROM frames WHERE seq <= ?");
  if (!drop.ok() || drop.bind(1, last_seq).step() != SQLITE_DONE) {
    return sql_error("cannot drop old frames");
  }
  stats_.points -= points;
  stats_.frames -= frames;
  if (stats_.dropped_points == 0) {
    stats_.dropped_since_ms = now_ms;
  }
  stats_.dropped_points += points;
  return common::Status::success();
}

common::Status Outbox::append(std::int64_t t_ms,
                              const std::vector<std::pair<std::string, double>>& points) {
  std::lock_guard lock(mutex_);
  if (auto s = exec("BEGIN IMMEDIATE"); !s) {
    return s;
  }
  // On any failure the transaction is rolled back, and so must be the
  // dictionary entries it added: reload them from what was committed.
  const OutboxStats before = stats_;
  auto fail = [&](common::Error error) -> common::Status {
    (void)exec("ROLLBACK");
    stats_ = before;
    ids_.clear();
    names_.clear();
    Stmt names(db_, "SELECT id, name FROM series");
    while (names.ok() && names.step() == SQLITE_ROW) {
      ids_[names.text(1)] = static_cast<int>(names.i64(0));
      names_[static_cast<int>(names.i64(0))] = names.text(1);
    }
    return error;
  };
  std::string data;
  data.reserve(points.size() * 5);
  std::int64_t count = 0;
  for (const auto& [name, value] : points) {
    if (!std::isfinite(value)) {
      continue;
    }
    auto id = series_id(name);
    if (!id) {
      return fail(id.error());
    }
    encode_point(*id, value, data);
    ++count;
  }
  if (count > 0) {
    Stmt insert(db_, "INSERT INTO frames (t_ms, count, skip, data) VALUES (?, ?, 0, ?)");
    if (!insert.ok() || insert.bind(1, t_ms).bind(2, count).blob(3, data).step() != SQLITE_DONE) {
      return fail(sql_error("cannot append a frame"));
    }
    if (stats_.frames == 0) {
      stats_.oldest_ms = t_ms;
    }
    stats_.points += count;
    stats_.frames += 1;
    stats_.newest_ms = std::max(stats_.newest_ms, t_ms);
  }
  const std::int64_t cutoff = stats_.newest_ms - options_.max_age_ms;
  if (stats_.frames > 0 && stats_.oldest_ms < cutoff) {
    if (auto s = drop_older_than(cutoff, t_ms); !s) {
      return fail(s.error());
    }
    Stmt oldest(db_, "SELECT t_ms FROM frames ORDER BY seq LIMIT 1");
    stats_.oldest_ms = oldest.ok() && oldest.step() == SQLITE_ROW ? oldest.i64(0) : 0;
  }
  if (auto s = exec("COMMIT"); !s) {
    return fail(s.error());
  }
  return common::Status::success();
}

common::Result<std::optional<Batch>> Outbox::peek(std::size_t max_points) {
  std::lock_guard lock(mutex_);
  if (max_points == 0) {
    return make_error(ErrorKind::kInvalidArgument, "peek: a batch holds at least one point");
  }
  Batch batch;
  for (;;) {
    std::vector<std::int64_t> damaged;
    {
      // Each frame holds at least one point: max_points frames are enough.
      Stmt frames(db_, "SELECT seq, t_ms, count, skip, data FROM frames ORDER BY seq LIMIT ?");
      if (!frames.ok()) {
        return sql_error("cannot read the outbox");
      }
      frames.bind(1, static_cast<std::int64_t>(max_points));
      int rc = 0;
      while (batch.points.size() < max_points && (rc = frames.step()) == SQLITE_ROW) {
        const std::int64_t seq = frames.i64(0);
        const std::int64_t t_ms = frames.i64(1);
        const std::int64_t count = frames.i64(2);
        const std::int64_t skip = frames.i64(3);
        auto decoded = decode_frame(frames.data(4), count);
        bool known = decoded.ok() && skip >= 0 && skip < count;
        for (std::size_t i = 0; known && i < decoded->size(); ++i) {
          known = names_.count((*decoded)[i].first) > 0;
        }
        if (!known) {
          damaged.push_back(seq);
          continue;
        }
        auto index = static_cast<std::size_t>(skip);
        for (; index < decoded->size() && batch.points.size() < max_points; ++index) {
          const auto& [id, value] = (*decoded)[index];
          batch.points.push_back(OutboxPoint{names_[id], t_ms, value});
        }
        batch.end = Position{seq, static_cast<std::uint32_t>(index)};
      }
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        return sql_error("cannot read the outbox");
      }
    }
    if (damaged.empty()) {
      break;
    }
    // A damaged row must not stall the uplink: it is deleted and counted.
    for (std::int64_t seq : damaged) {
      Stmt drop(db_, "DELETE FROM frames WHERE seq = ?");
      if (!drop.ok() || drop.bind(1, seq).step() != SQLITE_DONE) {
        return sql_error("cannot delete a damaged frame");
      }
    }
    stats_.damaged_frames += static_cast<std::int64_t>(damaged.size());
    if (auto s = refresh_counts(); !s) {
      return s.error();
    }
    // The batch read so far stands; read on past the deleted frames.
    if (!batch.points.empty()) {
      break;
    }
  }
  if (batch.points.empty()) {
    return std::optional<Batch>();
  }
  return std::optional<Batch>(std::move(batch));
}

common::Status Outbox::remove_through(Position end) {
  std::lock_guard lock(mutex_);
  if (auto s = exec("BEGIN IMMEDIATE"); !s) {
    return s;
  }
  auto fail = [&](common::Error error) -> common::Status {
    (void)exec("ROLLBACK");
    return error;
  };
  // Counted over the removed rows only (a rowid range), so that an
  // acknowledgement costs the same with a day or a month in the outbox.
  std::int64_t frames = 0;
  std::int64_t points = 0;
  {
    Stmt sums(db_, "SELECT count(*), coalesce(sum(count - skip), 0) FROM frames WHERE seq < ?");
    if (!sums.ok() || sums.bind(1, end.frame_seq).step() != SQLITE_ROW) {
      return fail(sql_error("cannot count sent frames"));
    }
    frames = sums.i64(0);
    points = sums.i64(1);
  }
  Stmt before(db_, "DELETE FROM frames WHERE seq < ?");
  if (!before.ok() || before.bind(1, end.frame_seq).step() != SQLITE_DONE) {
    return fail(sql_error("cannot remove sent frames"));
  }
  std::optional<std::pair<std::int64_t, std::int64_t>> frame;  // (count, skip)
  {
    Stmt last(db_, "SELECT count, skip FROM frames WHERE seq = ?");
    if (!last.ok()) {
      return fail(sql_error("cannot read a sent frame"));
    }
    if (last.bind(1, end.frame_seq).step() == SQLITE_ROW) {
      frame.emplace(last.i64(0), last.i64(1));
    }
  }
  if (frame) {
    const auto [count, skip] = *frame;
    const auto next = static_cast<std::int64_t>(end.next_index);
    if (next >= count) {
      Stmt drop(db_, "DELETE FROM frames WHERE seq = ?");
      if (!drop.ok() || drop.bind(1, end.frame_seq).step() != SQLITE_DONE) {
        return fail(sql_error("cannot remove a sent frame"));
      }
      frames += 1;
      points += count - skip;
    } else if (next > skip) {
      Stmt update(db_, "UPDATE frames SET skip = ? WHERE seq = ?");
      if (!update.ok() || update.bind(1, next).bind(2, end.frame_seq).step() != SQLITE_DONE) {
        return fail(sql_error("cannot mark sent points"));
      }
      points += next - skip;
    }
  }
  std::int64_t oldest_ms = 0;
  {
    Stmt oldest(db_, "SELECT t_ms FROM frames ORDER BY seq LIMIT 1");
    if (!oldest.ok()) {
      return fail(sql_error("cannot read the oldest frame"));
    }
    oldest_ms = oldest.step() == SQLITE_ROW ? oldest.i64(0) : 0;
  }
  if (auto s = exec("COMMIT"); !s) {
    return fail(s.error());
  }
  stats_.frames -= frames;
  stats_.points -= points;
  stats_.oldest_ms = oldest_ms;
  return common::Status::success();
}

OutboxStats Outbox::stats() const {
  std::lock_guard lock(mutex_);
  OutboxStats stats = stats_;
  stats.file_bytes = file_size(path_) + file_size(path_ + "-wal");
  return stats;
}

}  // namespace kirchhoff::mqtt::uplink
