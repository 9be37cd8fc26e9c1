#include "store/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "common/sqlite_statement.hpp"

namespace kirchhoff::store {

using common::ErrorKind;
using common::make_error;

namespace {

constexpr int kApplicationId = 0x4B495243;  // "KIRC"
constexpr int kSchemaVersion = 1;
constexpr std::size_t kSealPoints = 3600;
using Stmt = common::SqliteStatement;

constexpr std::int64_t kSealSpanMs = 3'600'000;

std::int64_t floor_to(std::int64_t t, std::int64_t step) {
  const std::int64_t q = t / step;
  return (t % step != 0 && t < 0 ? q - 1 : q) * step;
}

constexpr const char* kSchema = R"(
CREATE TABLE series (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,
                     resolution REAL NOT NULL);
CREATE TABLE chunks (series_id INTEGER NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
                     count INTEGER NOT NULL, data BLOB NOT NULL,
                     PRIMARY KEY (series_id, start_ms)) WITHOUT ROWID;
CREATE INDEX chunks_end ON chunks (end_ms);
CREATE TABLE tails (series_id INTEGER NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL,
                    PRIMARY KEY (series_id, seq)) WITHOUT ROWID;
CREATE TABLE rollups (series_id INTEGER NOT NULL, level INTEGER NOT NULL, start_ms INTEGER NOT NULL,
                      count INTEGER NOT NULL, min REAL, max REAL, sum REAL, first REAL, last REAL,
                      PRIMARY KEY (series_id, level, start_ms)) WITHOUT ROWID;
CREATE TABLE events (id INTEGER PRIMARY KEY, t_ms INTEGER NOT NULL, kind TEXT NOT NULL,
                     user TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX events_t ON events (t_ms);
)";

}  // namespace

std::optional<std::int64_t> parse_rollup_step(std::string_view step) {
  if (step == "1m") return kLevel1m;
  if (step == "15m") return kLevel15m;
  if (step == "1h") return kLevel1h;
  if (step == "1d") return kLevel1d;
  return std::nullopt;
}

struct Store::Series {
  int id = 0;
  std::string key;
  SeriesKind kind = SeriesKind::kGauge;
  double resolution = 1.0;
  std::vector<RawPoint> open;  // the open chunk: flushed (in tails) then pending
  std::size_t flushed = 0;
  std::int64_t tail_seq = 0;
  std::int64_t last_t = std::numeric_limits<std::int64_t>::min();
  Rollup current[4];
  bool dirty[4] = {false, false, false, false};
  std::vector<std::pair<int, Rollup>> closed;  // finished buckets not yet written
};

common::Error Store::sql_error(const std::string& what) const {
  return make_error(ErrorKind::kIoError,
                    path_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "no database"));
}

common::Status Store::exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string text = message ? message : "error";
    sqlite3_free(message);
    return make_error(ErrorKind::kIoError, path_ + ": " + text);
  }
  return common::Status::success();
}

common::Result<std::unique_ptr<Store>> Store::open(const std::string& path, StoreOptions options) {
  std::unique_ptr<Store> store(new Store(path, options));
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  const bool empty = exists && std::filesystem::file_size(path, ec) == 0;
  if (options.read_only && !exists) {
    return make_error(ErrorKind::kNotFound, path + ": no history here");
  }
  const int flags =
      options.read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &store->db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    return store->sql_error("cannot open the history");
  }
  sqlite3_busy_timeout(store->db_, 5000);
  // Identify the file before writing anything to it.
  int app_id = 0;
  int version = 0;
  {
    Stmt id(store->db_, "PRAGMA application_id");
    if (!id.ok() || id.step() != SQLITE_ROW) {
      return make_error(ErrorKind::kCorruption, path + ": not a Kirchhoff history (" +
                                                    sqlite3_errmsg(store->db_) +
                                                    "); the file was left untouched");
    }
    app_id = static_cast<int>(id.i64(0));
    Stmt v(store->db_, "PRAGMA user_version");
    if (v.ok() && v.step() == SQLITE_ROW) {
      version = static_cast<int>(v.i64(0));
    }
  }
  const bool fresh = !exists || empty;
  if (!fresh && app_id != kApplicationId) {
    return make_error(ErrorKind::kCorruption,
                      path + ": this SQLite database belongs to another program (application id " +
                          std::to_string(app_id) + "); the file was left untouched");
  }
  if (!fresh && version != kSchemaVersion) {
    return make_error(ErrorKind::kUnsupported,
                      path + ": history format version " + std::to_string(version) +
                          " is not supported by this build (it reads version " +
                          std::to_string(kSchemaVersion) + ")");
  }
  if (!options.read_only) {
    if (auto s = store->exec("PRAGMA journal_mode=WAL"); !s) {
      return s.error();
    }
    if (auto s = store->exec(options.sync_full ? "PRAGMA synchronous=FULL"
                                               : "PRAGMA synchronous=NORMAL");
        !s) {
      return s.error();
    }
    if (fresh) {
      const std::string init = std::string("BEGIN;") + kSchema +
                               "PRAGMA application_id=" + std::to_string(kApplicationId) +
                               ";PRAGMA user_version=" + std::to_string(kSchemaVersion) +
                               ";COMMIT;";
      if (auto s = store->exec(init.c_str()); !s) {
        return s.error();
      }
    }
  }
  return store;
}

Store::Store(std::string path, StoreOptions options) : path_(std::move(path)), options_(options) {}

Store::~Store() {
  if (db_ != nullptr) {
    sqlite3_close(db_);
  }
}

common::Result<int> Store::series_id(const std::string& key) {
  Stmt find(db_, "SELECT id FROM series WHERE key = ?");
  find.bind(1, key);
  const int rc = find.step();
  if (rc == SQLITE_ROW) {
    return static_cast<int>(find.i64(0));
  }
  if (rc != SQLITE_DONE) {
    return sql_error("reading the series");
  }
  return make_error(ErrorKind::kNotFound, "no series '" + key + "' in " + path_);
}

common::Result<int> Store::series(const std::string& key, SeriesKind kind, double resolution) {
  if (!(resolution > 0.0)) {
    return make_error(ErrorKind::kInvalidArgument, "series '" + key + "': resolution must be > 0");
  }
  auto id = series_id(key);
  if (!id && id.error().kind != ErrorKind::kNotFound) {
    return id.error();
  }
  if (!id) {
    Stmt insert(db_, "INSERT INTO series (key, kind, resolution) VALUES (?, ?, ?)");
    insert.bind(1, key)
        .bind(2, std::string(kind == SeriesKind::kCounter ? "counter" : "gauge"))
        .bind(3, resolution);
    if (insert.step() != SQLITE_DONE) {
      return sql_error("creating series '" + key + "'");
    }
    id = static_cast<int>(sqlite3_last_insert_rowid(db_));
  }
  if (!series_.contains(*id)) {
    auto s = std::make_unique<Series>();
    s->id = *id;
    s->key = key;
    Stmt info(db_, "SELECT kind, resolution FROM series WHERE id = ?");
    info.bind(1, static_cast<std::int64_t>(*id));
    if (info.step() == SQLITE_ROW) {
      s->kind = info.text(0) == "counter" ? SeriesKind::kCounter : SeriesKind::kGauge;
      s->resolution = info.f64(1);
    }
    if (auto status = load_series(*s); !status) {
      return status.error();
    }
    series_.emplace(*id, std::move(s));
  }
  return *id;
}

common::Status Store::load_series(Series& s) {
  // The open chunk from its tails.
  Stmt tails(db_, "SELECT seq, data FROM tails WHERE series_id = ? ORDER BY seq");
  tails.bind(1, static_cast<std::int64_t>(s.id));
  while (tails.step() == SQLITE_ROW) {
    auto points = decode_chunk(tails.data(1));
    if (!points) {
      return make_error(ErrorKind::kCorruption,
                        path_ + ": series '" + s.key + "': " + points.error().message);
    }
    s.open.insert(s.open.end(), points->begin(), points->end());
    s.tail_seq = tails.i64(0) + 1;
  }
  s.flushed = s.open.size();
  Stmt last(db_, "SELECT MAX(end_ms) FROM chunks WHERE series_id = ?");
  last.bind(1, static_cast<std::int64_t>(s.id));
  if (last.step() == SQLITE_ROW && !last.null(0)) {
    s.last_t = last.i64(0);
  }
  if (!s.open.empty()) {
    s.last_t = std::max(s.last_t, s.open.back().t_ms);
  }
  if (s.last_t == std::numeric_limits<std::int64_t>::min()) {
    return common::Status::success();
  }
  // The rollup buckets the next points continue.
  for (int l = 0; l < 4; ++l) {
    Stmt row(db_,
             "SELECT count, min, max, sum, first, last FROM rollups "
             "WHERE series_id = ? AND level = ? AND start_ms = ?");
    row.bind(1, static_cast<std::int64_t>(s.id))
        .bind(2, kLevels[l])
        .bind(3, floor_to(s.last_t, kLevels[l]));
    if (row.step() == SQLITE_ROW) {
      s.current[l] = {floor_to(s.last_t, kLevels[l]),
                      row.i64(0),
                      row.f64(1),
                      row.f64(2),
                      row.f64(3),
                      row.f64(4),
                      row.f64(5)};
    }
  }
  return common::Status::success();
}

common::Status Store::append(int series_id, std::int64_t t_ms, double value) {
  const auto it = series_.find(series_id);
  if (it == series_.end()) {
    return make_error(ErrorKind::kInvalidArgument,
                      "unknown series id " + std::to_string(series_id));
  }
  Series& s = *it->second;
  if (t_ms <= s.last_t) {
    return make_error(ErrorKind::kInvalidArgument,
                      "series '" + s.key + "': point at " + std::to_string(t_ms) +
                          " ms is not after the last one at " + std::to_string(s.last_t) + " ms");
  }
  if (!std::isfinite(value)) {
    return make_error(ErrorKind::kInvalidArgument, "series '" + s.key + "': value is not finite");
  }
  const auto q = static_cast<std::int64_t>(std::llround(value / s.resolution));
  const double stored = static_cast<double>(q) * s.resolution;
  s.open.push_back({t_ms, q});
  s.last_t = t_ms;
  for (int l = 0; l < 4; ++l) {
    Rollup& r = s.current[l];
    const std::int64_t start = floor_to(t_ms, kLevels[l]);
    if (r.start_ms != start) {
      if (r.start_ms >= 0 && r.count > 0 && s.dirty[l]) {
        s.closed.emplace_back(l, r);
      }
      r = {start, 1, stored, stored, stored, stored, stored};
    } else {
      ++r.count;
      r.min = std::min(r.min, stored);
      r.max = std::max(r.max, stored);
      r.sum += stored;
      r.last = stored;
    }
    s.dirty[l] = true;
  }
  return common::Status::success();
}

common::Status Store::write_rollup(int id, std::int64_t level, const Rollup& r) {
  Stmt upsert(db_,
              "INSERT OR REPLACE INTO rollups (series_id, level, start_ms, count, min, max, "
              "sum, first, last) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  upsert.bind(1, static_cast<std::int64_t>(id))
      .bind(2, level)
      .bind(3, r.start_ms)
      .bind(4, r.count)
      .bind(5, r.min)
      .bind(6, r.max)
      .bind(7, r.sum)
      .bind(8, r.first)
      .bind(9, r.last);
  return upsert.step() == SQLITE_DONE ? common::Status::success() : sql_error("writing rollups");
}

common::Status Store::flush() {
  if (options_.read_only) {
    return make_error(ErrorKind::kInvalidArgument, path_ + ": opened read-only");
  }
  if (auto s = exec("BEGIN IMMEDIATE"); !s) {
    return s;
  }
  auto fail = [&](common::Status status) {
    (void)exec("ROLLBACK");  // the original error is the one to report
    return status;
  };
  std::int64_t newest = std::numeric_limits<std::int64_t>::min();
  for (auto& [id, sp] : series_) {
    Series& s = *sp;
    if (s.flushed < s.open.size()) {
      const std::span<const RawPoint> pending(s.open.data() + s.flushed, s.open.size() - s.flushed);
      Stmt tail(db_, "INSERT INTO tails (series_id, seq, data) VALUES (?, ?, ?)");
      tail.bind(1, static_cast<std::int64_t>(id))
          .bind(2, s.tail_seq)
          .blob(3, encode_chunk(pending));
      if (tail.step() != SQLITE_DONE) {
        return fail(sql_error("writing points"));
      }
      ++s.tail_seq;
    }
    for (const auto& [level, rollup] : s.closed) {
      if (auto st = write_rollup(id, kLevels[level], rollup); !st) {
        return fail(st);
      }
    }
    for (int l = 0; l < 4; ++l) {
      if (s.dirty[l] && s.current[l].count > 0) {
        if (auto st = write_rollup(id, kLevels[l], s.current[l]); !st) {
          return fail(st);
        }
      }
    }
    // Seal: the open chunk becomes one immutable row, its tails go.
    if (!s.open.empty() &&
        (s.open.size() >= kSealPoints || s.open.back().t_ms - s.open.front().t_ms >= kSealSpanMs)) {
      Stmt chunk(db_,
                 "INSERT OR REPLACE INTO chunks (series_id, start_ms, end_ms, count, data) "
                 "VALUES (?, ?, ?, ?, ?)");
      chunk.bind(1, static_cast<std::int64_t>(id))
          .bind(2, s.open.front().t_ms)
          .bind(3, s.open.back().t_ms)
          .bind(4, static_cast<std::int64_t>(s.open.size()))
          .blob(5, encode_chunk(s.open));
      Stmt drop(db_, "DELETE FROM tails WHERE series_id = ?");
      drop.bind(1, static_cast<std::int64_t>(id));
      if (chunk.step() != SQLITE_DONE || drop.step() != SQLITE_DONE) {
        return fail(sql_error("sealing a chunk"));
      }
    }
    if (!s.open.empty()) {
      newest = std::max(newest, s.open.back().t_ms);
    }
  }
  // Retention, at most once an hour of data time.
  if (newest != std::numeric_limits<std::int64_t>::min() &&
      newest - last_retention_ms_ >= 3'600'000) {
    Stmt drop(db_, "DELETE FROM chunks WHERE end_ms < ?");
    drop.bind(1, newest - options_.raw_retention_ms);
    if (drop.step() != SQLITE_DONE) {
      return fail(sql_error("applying retention"));
    }
    last_retention_ms_ = newest;
  }
  if (auto s = exec("COMMIT"); !s) {
    return fail(s);
  }
  // Only now, with the transaction durable, does memory move on.
  for (auto& [id, sp] : series_) {
    Series& s = *sp;
    s.flushed = s.open.size();
    s.closed.clear();
    for (bool& d : s.dirty) {
      d = false;
    }
    if (!s.open.empty() &&
        (s.open.size() >= kSealPoints || s.open.back().t_ms - s.open.front().t_ms >= kSealSpanMs)) {
      s.open.clear();
      s.flushed = 0;
      s.tail_seq = 0;
    }
  }
  return common::Status::success();
}

double Store::resolution_of(int id) {
  Stmt info(db_, "SELECT resolution FROM series WHERE id = ?");
  info.bind(1, static_cast<std::int64_t>(id));
  return info.step() == SQLITE_ROW ? info.f64(0) : 1.0;
}

common::Result<std::vector<Point>> Store::read_raw(const std::string& key, std::int64_t from_ms,
                                                   std::int64_t to_ms) {
  auto id = series_id(key);
  if (!id) {
    return id.error();
  }
  const double resolution = resolution_of(*id);
  std::vector<Point> out;
  auto take = [&](std::string_view data) -> common::Status {
    auto points = decode_chunk(data);
    if (!points) {
      return make_error(ErrorKind::kCorruption,
                        path_ + ": series '" + key + "': " + points.error().message);
    }
    for (const RawPoint& p : *points) {
      if (p.t_ms >= from_ms && p.t_ms <= to_ms) {
        out.push_back({p.t_ms, static_cast<double>(p.q) * resolution});
      }
    }
    return common::Status::success();
  };
  Stmt chunks(db_,
              "SELECT data FROM chunks WHERE series_id = ? AND end_ms >= ? AND start_ms <= ? "
              "ORDER BY start_ms");
  chunks.bind(1, static_cast<std::int64_t>(*id)).bind(2, from_ms).bind(3, to_ms);
  while (chunks.step() == SQLITE_ROW) {
    if (auto s = take(chunks.data(0)); !s) {
      return s.error();
    }
  }
  Stmt tails(db_, "SELECT data FROM tails WHERE series_id = ? ORDER BY seq");
  tails.bind(1, static_cast<std::int64_t>(*id));
  while (tails.step() == SQLITE_ROW) {
    if (auto s = take(tails.data(0)); !s) {
      return s.error();
    }
  }
  return out;
}

common::Result<std::vector<Bucket>> Store::read_rollup(const std::string& key,
                                                       std::int64_t level_ms, std::int64_t from_ms,
                                                       std::int64_t to_ms) {
  auto id = series_id(key);
  if (!id) {
    return id.error();
  }
  Stmt rows(db_,
            "SELECT start_ms, count, min, max, sum, first, last FROM rollups "
            "WHERE series_id = ? AND level = ? AND start_ms >= ? AND start_ms <= ? "
            "ORDER BY start_ms");
  rows.bind(1, static_cast<std::int64_t>(*id))
      .bind(2, level_ms)
      .bind(3, floor_to(from_ms, level_ms))
      .bind(4, to_ms);
  std::vector<Bucket> out;
  while (rows.step() == SQLITE_ROW) {
    const std::int64_t count = rows.i64(1);
    out.push_back({rows.i64(0), count, rows.f64(2), rows.f64(3),
                   count > 0 ? rows.f64(4) / static_cast<double>(count) : 0.0, rows.f64(5),
                   rows.f64(6)});
  }
  return out;
}

common::Result<std::optional<Point>> Store::latest(const std::string& key) {
  auto id = series_id(key);
  if (!id) {
    return id.error();
  }
  const double resolution = resolution_of(*id);
  for (const char* sql :
       {"SELECT data FROM tails WHERE series_id = ? ORDER BY seq DESC LIMIT 1",
        "SELECT data FROM chunks WHERE series_id = ? ORDER BY start_ms DESC LIMIT 1"}) {
    Stmt row(db_, sql);
    row.bind(1, static_cast<std::int64_t>(*id));
    if (row.step() == SQLITE_ROW) {
      auto points = decode_chunk(row.data(0));
      if (!points) {
        return make_error(ErrorKind::kCorruption, path_ + ": " + points.error().message);
      }
      if (!points->empty()) {
        return std::optional<Point>(
            Point{points->back().t_ms, static_cast<double>(points->back().q) * resolution});
      }
    }
  }
  // Raw data past retention: the last minute's rollup still knows the value.
  Stmt rollup(db_,
              "SELECT start_ms, last FROM rollups WHERE series_id = ? AND level = ? "
              "ORDER BY start_ms DESC LIMIT 1");
  rollup.bind(1, static_cast<std::int64_t>(*id)).bind(2, kLevel1m);
  if (rollup.step() == SQLITE_ROW) {
    return std::optional<Point>(Point{rollup.i64(0), rollup.f64(1)});
  }
  return std::optional<Point>();
}

common::Result<double> Store::counter_delta(const std::string& key, std::int64_t from_ms,
                                            std::int64_t to_ms) {
  auto id = series_id(key);
  if (!id) {
    return id.error();
  }
  // The register's value at a minute boundary: the last value of the last
  // minute bucket that starts before it.
  auto value_before = [&](std::int64_t t) -> std::optional<double> {
    Stmt row(db_,
             "SELECT last FROM rollups WHERE series_id = ? AND level = ? AND start_ms < ? "
             "ORDER BY start_ms DESC LIMIT 1");
    row.bind(1, static_cast<std::int64_t>(*id)).bind(2, kLevel1m).bind(3, t);
    return row.step() == SQLITE_ROW ? std::optional<double>(row.f64(0)) : std::nullopt;
  };
  const auto end = value_before(to_ms);
  if (!end) {
    return 0.0;
  }
  auto start = value_before(from_ms);
  if (!start) {
    // The series began inside the range: count from its first value.
    Stmt first(db_,
               "SELECT first FROM rollups WHERE series_id = ? AND level = ? "
               "ORDER BY start_ms LIMIT 1");
    first.bind(1, static_cast<std::int64_t>(*id)).bind(2, kLevel1m);
    start = first.step() == SQLITE_ROW ? first.f64(0) : *end;
  }
  return *end - *start;
}

common::Result<std::optional<Bucket>> Store::max_mean(const std::string& key, std::int64_t level_ms,
                                                      std::int64_t from_ms, std::int64_t to_ms) {
  auto id = series_id(key);
  if (!id) {
    return id.error();
  }
  Stmt row(db_,
           "SELECT start_ms, count, min, max, sum, first, last FROM rollups "
           "WHERE series_id = ? AND level = ? AND start_ms >= ? AND start_ms < ? AND count > 0 "
           "ORDER BY sum / count DESC LIMIT 1");
  row.bind(1, static_cast<std::int64_t>(*id)).bind(2, level_ms).bind(3, from_ms).bind(4, to_ms);
  if (row.step() != SQLITE_ROW) {
    return std::optional<Bucket>();
  }
  const std::int64_t count = row.i64(1);
  return std::optional<Bucket>(Bucket{row.i64(0), count, row.f64(2), row.f64(3),
                                      row.f64(4) / static_cast<double>(count), row.f64(5),
                                      row.f64(6)});
}

common::Result<std::vector<SeriesStats>> Store::stats() {
  std::vector<SeriesStats> out;
  Stmt rows(db_,
            "SELECT s.key, s.kind, s.resolution, "
            "(SELECT COALESCE(SUM(count), 0) FROM chunks c WHERE c.series_id = s.id), "
            "(SELECT COALESCE(SUM(length(data)), 0) FROM chunks c WHERE c.series_id = s.id) + "
            "(SELECT COALESCE(SUM(length(data)), 0) FROM tails t WHERE t.series_id = s.id), "
            "(SELECT MIN(start_ms) FROM rollups r WHERE r.series_id = s.id AND r.level = 60000), "
            "(SELECT MAX(start_ms) FROM rollups r WHERE r.series_id = s.id AND r.level = 60000) "
            "FROM series s ORDER BY s.key");
  while (rows.step() == SQLITE_ROW) {
    out.push_back({rows.text(0),
                   rows.text(1) == "counter" ? SeriesKind::kCounter : SeriesKind::kGauge,
                   rows.f64(2), rows.i64(3), rows.i64(4), rows.i64(5), rows.i64(6)});
  }
  // Points still in tails count too.
  for (auto& s : out) {
    auto id = series_id(s.key);
    Stmt tails(db_, "SELECT data FROM tails WHERE series_id = ?");
    tails.bind(1, static_cast<std::int64_t>(*id));
    while (tails.step() == SQLITE_ROW) {
      if (auto points = decode_chunk(tails.data(0))) {
        s.raw_points += static_cast<std::int64_t>(points->size());
      }
    }
  }
  return out;
}

std::int64_t Store::file_bytes() const {
  std::error_code ec;
  std::int64_t total = 0;
  for (const std::string& f : {path_, path_ + "-wal"}) {
    const auto size = std::filesystem::file_size(f, ec);
    total += ec ? 0 : static_cast<std::int64_t>(size);
  }
  return total;
}

common::Status Store::checkpoint() { return exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

common::Status Store::add_event(const Event& event) {
  Stmt insert(db_, "INSERT INTO events (t_ms, kind, user, message) VALUES (?, ?, ?, ?)");
  insert.bind(1, event.t_ms).bind(2, event.kind).bind(3, event.user).bind(4, event.message);
  return insert.step() == SQLITE_DONE ? common::Status::success() : sql_error("writing an event");
}

common::Result<std::vector<Event>> Store::events(std::int64_t from_ms, std::int64_t to_ms,
                                                 std::int64_t limit, std::string_view kind) {
  Stmt rows(db_,
            "SELECT t_ms, kind, user, message FROM events WHERE t_ms >= ?1 AND t_ms <= ?2 "
            "AND (?4 = '' OR kind = ?4) ORDER BY t_ms DESC, id DESC LIMIT ?3");
  rows.bind(1, from_ms).bind(2, to_ms).bind(3, limit).bind(4, std::string(kind));
  std::vector<Event> out;
  while (rows.step() == SQLITE_ROW) {
    out.push_back({rows.i64(0), rows.text(1), rows.text(2), rows.text(3)});
  }
  return out;
}

}  // namespace kirchhoff::store
