#include "store/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "common/sqlite_statement.hpp"
#include "store/statement_cache.hpp"

namespace kirchhoff::store {

using common::ErrorKind;
using common::make_error;

namespace {

constexpr int kApplicationId = 0x4B495243;  // "KIRC"
constexpr int kSchemaVersion = 3;
constexpr std::size_t kSealPoints = 3600;
using Stmt = common::SqliteStatement;
using Query = CachedStatement;

constexpr std::int64_t kSealSpanMs = 3'600'000;
constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();

// round(value / resolution), halves away from zero, as std::llround: inline
// for the values a series holds (|q| < 2^52, where a double's integer part
// and fraction are exact), llround's call beyond. The bulk path quantises
// every point of a year with it.
std::int64_t quantise(double value, double resolution) {
  const double x = value / resolution;
  if (!(std::abs(x) < 4503599627370496.0)) {  // 2^52
    return static_cast<std::int64_t>(std::llround(x));
  }
  auto q = static_cast<std::int64_t>(x);  // towards zero
  const double fraction = x - static_cast<double>(q);
  if (fraction >= 0.5) {
    ++q;
  } else if (fraction <= -0.5) {
    --q;
  }
  return q;
}

std::int64_t floor_to(std::int64_t t, std::int64_t step) {
  const std::int64_t q = t / step;
  return (t % step != 0 && t < 0 ? q - 1 : q) * step;
}

constexpr const char* kSchema = R"(
CREATE TABLE series (id INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, kind TEXT NOT NULL,
                     resolution REAL NOT NULL, sealed_ms INTEGER);
CREATE TABLE chunks (series_id INTEGER NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
                     count INTEGER NOT NULL, data BLOB NOT NULL);
CREATE UNIQUE INDEX chunks_key ON chunks (series_id, start_ms);
CREATE INDEX chunks_end ON chunks (end_ms);
CREATE TABLE journal (seq INTEGER PRIMARY KEY, end_ms INTEGER NOT NULL, data BLOB NOT NULL);
CREATE TABLE rollup_blocks (series_id INTEGER NOT NULL, level INTEGER NOT NULL,
                            start_ms INTEGER NOT NULL, first_ms INTEGER NOT NULL,
                            last_ms INTEGER NOT NULL, buckets INTEGER NOT NULL, data BLOB NOT NULL);
CREATE UNIQUE INDEX rollup_blocks_key ON rollup_blocks (series_id, level, start_ms);
CREATE TABLE events (id INTEGER PRIMARY KEY, t_ms INTEGER NOT NULL, kind TEXT NOT NULL,
                     user TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX events_t ON events (t_ms);
)";

// Version 1 to 2 (docs/store-format.md, "Upgrade from version 1"); the tails
// become chunks in code before this runs.
constexpr const char* kUpgradeV1 = R"(
ALTER TABLE series ADD COLUMN sealed_ms INTEGER;
UPDATE series SET sealed_ms = MAX(
  COALESCE((SELECT MAX(end_ms) FROM chunks c WHERE c.series_id = series.id),
           (SELECT MAX(start_ms) FROM rollups r WHERE r.series_id = series.id AND level = 60000)),
  COALESCE((SELECT MAX(start_ms) FROM rollups r WHERE r.series_id = series.id AND level = 60000),
           (SELECT MAX(end_ms) FROM chunks c WHERE c.series_id = series.id)));
CREATE TABLE journal (seq INTEGER PRIMARY KEY, end_ms INTEGER NOT NULL, data BLOB NOT NULL);
DROP TABLE tails;
PRAGMA user_version = 2;
)";

// Version 2 to 3 (docs/store-format.md, "Upgrade from version 2"): the
// chunks move to a table with rowids (a chunk of 1.5 kB then fills its
// overflow page instead of leaving most of one empty), and the rollup rows
// become blocks in code between these two.
constexpr const char* kUpgradeV2Begin = R"(
CREATE TABLE rollup_blocks (series_id INTEGER NOT NULL, level INTEGER NOT NULL,
                            start_ms INTEGER NOT NULL, first_ms INTEGER NOT NULL,
                            last_ms INTEGER NOT NULL, buckets INTEGER NOT NULL, data BLOB NOT NULL);
CREATE UNIQUE INDEX rollup_blocks_key ON rollup_blocks (series_id, level, start_ms);
CREATE TABLE chunks_v3 (series_id INTEGER NOT NULL, start_ms INTEGER NOT NULL,
                        end_ms INTEGER NOT NULL, count INTEGER NOT NULL, data BLOB NOT NULL);
INSERT INTO chunks_v3 SELECT series_id, start_ms, end_ms, count, data FROM chunks ORDER BY end_ms;
DROP TABLE chunks;
ALTER TABLE chunks_v3 RENAME TO chunks;
CREATE UNIQUE INDEX chunks_key ON chunks (series_id, start_ms);
CREATE INDEX chunks_end ON chunks (end_ms);
)";
constexpr const char* kUpgradeV2End = R"(
DROP TABLE rollups;
PRAGMA user_version = 3;
)";

// The span of a rollup block per level (kLevels order): six hours of
// minutes, a day of quarter hours or hours, 32 days of days. A block holds
// the buckets that start in [start, start + span), start a multiple of the
// span. Six hours of minutes (about 0.8 KiB) still fit in a 1 KiB page, and
// against hourly blocks they save each row's key, index entry and page slack:
// a year of the demo's 1-minute level shrinks from 190 to about 125 MB, while
// an hourly sealing rewrites a block of at most 0.8 KiB per series.
constexpr std::int64_t kBlockSpanMs[4] = {21'600'000, 86'400'000, 86'400'000, 32 * 86'400'000LL};

int level_index(std::int64_t level_ms) {
  for (int l = 0; l < 4; ++l) {
    if (kLevels[l] == level_ms) {
      return l;
    }
  }
  return -1;
}

std::int64_t span_of(std::int64_t level_ms) {
  const int l = level_index(level_ms);
  return l >= 0 ? kBlockSpanMs[l] : level_ms;
}

// A bucket as readers see it. A template, so that it serves the store's
// private bucket type.
template <class R>
Bucket to_bucket(const R& r) {
  return {
      r.start_ms, r.count, r.min, r.max, r.count > 0 ? r.sum / static_cast<double>(r.count) : 0.0,
      r.first,    r.last};
}

// A bucket's values in units of the resolution, as a block stores them.
template <class R>
RollupRecord to_record(const R& r, double resolution) {
  auto q = [&](double v) { return quantise(v, resolution); };
  return {r.start_ms, r.count, q(r.min), q(r.max), q(r.sum), q(r.first), q(r.last)};
}

// A read transaction: the statements of one read see one snapshot even while
// a writer commits in between. Nothing happens inside a transaction already
// open.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(sqlite3* db) : db_(db) {
    if (sqlite3_get_autocommit(db_) != 0) {
      began_ = sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
    }
  }
  ~ReadSnapshot() {
    if (began_) {
      (void)sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    }
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  sqlite3* db_;
  bool began_ = false;
};

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
  // Points up to sealed_ms are in chunks and counted in stored rollups.
  std::int64_t sealed_ms = kNone;
  // The open chunk, points after sealed_ms: [0, flushed) are in the journal,
  // the rest wait for the next flush.
  std::vector<RawPoint> open;
  std::size_t flushed = 0;
  std::int64_t open_seq = 0;  // the journal row holding open[0] (when flushed > 0)
  std::int64_t last_t = kNone;
  Rollup current[4];
  std::vector<std::pair<int, Rollup>> closed;  // finished buckets not yet written
  // Per level, the newest rollup block as stored (block_key: its start;
  // kNone: not loaded), so that the hourly sealing re-encodes it without
  // reading it back. Dropped when a flush fails.
  std::int64_t block_key[4] = {kNone, kNone, kNone, kNone};
  std::vector<RollupRecord> block[4];
  // Every level's bucket of a point later than every earlier one: its
  // bucket is the current one while the point is less than a level after
  // the current bucket's start (no division per point).
  void add(std::int64_t t_ms, double value) {
    for (int l = 0; l < 4; ++l) {
      Rollup& r = current[l];
      if (r.count > 0 && t_ms - r.start_ms < kLevels[l]) {
        ++r.count;
        r.min = std::min(r.min, value);
        r.max = std::max(r.max, value);
        r.sum += value;
        r.last = value;
        continue;
      }
      if (r.count > 0) {
        closed.emplace_back(l, r);
      }
      r = {floor_to(t_ms, kLevels[l]), 1, value, value, value, value, value};
    }
  }
  // Points t_first..t_last (increasing, all in one minute, later than every
  // earlier point) aggregated as `run`: the same buckets as adding them one
  // by one, with the run's sum added at once (stored sums are whole units of
  // the resolution, which the order of additions does not change).
  void add_run(std::int64_t t_first, const Rollup& run) {
    for (int l = 0; l < 4; ++l) {
      Rollup& r = current[l];
      if (r.count > 0 && t_first - r.start_ms < kLevels[l]) {
        r.count += run.count;
        r.min = std::min(r.min, run.min);
        r.max = std::max(r.max, run.max);
        r.sum += run.sum;
        r.last = run.last;
        continue;
      }
      if (r.count > 0) {
        closed.emplace_back(l, r);
      }
      r = run;
      r.start_ms = floor_to(t_first, kLevels[l]);
    }
  }
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
  if (sqlite3_open_v2(path.c_str(), &store->db_, flags | SQLITE_OPEN_NOMUTEX, options.vfs) !=
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
  if (!fresh && (version == 1 || version == 2) && options.read_only) {
    return make_error(ErrorKind::kUnsupported,
                      path + ": history format version " + std::to_string(version) +
                          " is upgraded to " + std::to_string(kSchemaVersion) +
                          " when the daemon (or any writer) next opens it; it cannot be read "
                          "before");
  }
  if (!fresh && version != kSchemaVersion && version != 1 && version != 2) {
    return make_error(ErrorKind::kUnsupported,
                      path + ": history format version " + std::to_string(version) +
                          " is not supported by this build (it reads version " +
                          std::to_string(kSchemaVersion) + ")");
  }
  if (!options.read_only) {
    // A new file gets 1 KiB pages: each second's commit writes the journal's
    // last leaf page to the log, and a 4 KiB page for a row of under 1 KiB
    // would quadruple what the flash wears (docs/store-format.md). Chunks
    // span pages either way. Set before WAL, which fixes the page size.
    if (fresh) {
      if (auto s = store->exec("PRAGMA page_size=1024"); !s) {
        return s.error();
      }
    }
    if (auto s = store->exec("PRAGMA journal_mode=WAL"); !s) {
      return s.error();
    }
    const bool always_full = options.sync_full && options.durable_interval_ms <= 0;
    if (auto s = store->exec(always_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
        !s) {
      return s.error();
    }
    if (!options.sync_full) {
      // A backfill: SQLite's default checkpoints the log every 1000 pages
      // (1 MB here), each with two fsyncs, which costs a bulk writer more
      // than its inserts; a 64 MB log between checkpoints does not.
      if (auto s = store->exec("PRAGMA wal_autocheckpoint=65536"); !s) {
        return s.error();
      }
    }
    if (fresh) {
      const std::string init = std::string("BEGIN;") + kSchema +
                               "PRAGMA application_id=" + std::to_string(kApplicationId) +
                               ";PRAGMA user_version=" + std::to_string(kSchemaVersion) +
                               ";COMMIT;";
      if (auto s = store->exec(init.c_str()); !s) {
        return s.error();
      }
    } else if (version == 1 || version == 2) {
      if (version == 1) {
        if (auto s = store->migrate_from_v1(); !s) {
          return s.error();
        }
      }
      if (auto s = store->migrate_from_v2(); !s) {
        return s.error();
      }
    }
    Stmt seq(store->db_, "SELECT COALESCE(MAX(seq), 0) + 1 FROM journal");
    if (seq.step() != SQLITE_ROW) {
      return store->sql_error("reading the journal");
    }
    store->next_seq_ = seq.i64(0);
  }
  return store;
}

common::Status Store::migrate_from_v1() {
  if (auto s = exec("BEGIN IMMEDIATE"); !s) {
    return s;
  }
  auto fail = [&](common::Status status) {
    (void)exec("ROLLBACK");  // the file stays at version 1
    return status;
  };
  // Each series' tails become one sealed chunk.
  std::map<std::int64_t, std::vector<RawPoint>> open;
  {
    Query tails(*stmts_, db_, "SELECT series_id, data FROM tails ORDER BY series_id, seq");
    int rc = SQLITE_ROW;
    while ((rc = tails.step()) == SQLITE_ROW) {
      auto points = decode_chunk(tails.data(1));
      if (!points) {
        return fail(make_error(ErrorKind::kCorruption,
                               path_ + ": upgrading from version 1: " + points.error().message));
      }
      auto& into = open[tails.i64(0)];
      into.insert(into.end(), points->begin(), points->end());
    }
    if (rc != SQLITE_DONE) {
      return fail(sql_error("upgrading from version 1: reading tails"));
    }
  }
  for (const auto& [id, points] : open) {
    if (points.empty()) {
      continue;
    }
    Query chunk(*stmts_, db_,
                "INSERT OR REPLACE INTO chunks (series_id, start_ms, end_ms, count, data) "
                "VALUES (?, ?, ?, ?, ?)");
    chunk.bind(1, id)
        .bind(2, points.front().t_ms)
        .bind(3, points.back().t_ms)
        .bind(4, static_cast<std::int64_t>(points.size()))
        .blob(5, encode_chunk(points));
    if (chunk.step() != SQLITE_DONE) {
      return fail(sql_error("upgrading from version 1: sealing tails"));
    }
  }
  if (auto s = exec(kUpgradeV1); !s) {
    return fail(s);
  }
  if (auto s = exec("COMMIT"); !s) {
    return fail(s);
  }
  return common::Status::success();
}

common::Status Store::migrate_from_v2() {
  if (auto s = exec("BEGIN IMMEDIATE"); !s) {
    return s;
  }
  auto fail = [&](common::Status status) {
    (void)exec("ROLLBACK");  // the file stays at version 2
    return status;
  };
  if (auto s = exec(kUpgradeV2Begin); !s) {
    return fail(s);
  }
  {
    Stmt rows(db_,
              "SELECT r.series_id, r.level, r.start_ms, r.count, COALESCE(r.min, 0), "
              "COALESCE(r.max, 0), COALESCE(r.sum, 0), COALESCE(r.first, 0), "
              "COALESCE(r.last, 0), s.resolution FROM rollups r JOIN series s "
              "ON s.id = r.series_id WHERE r.count > 0 ORDER BY r.series_id, r.level, r.start_ms");
    std::int64_t id = kNone;
    std::int64_t level = 0;
    std::int64_t key = kNone;
    std::vector<RollupRecord> block;
    auto put = [&]() {
      if (block.empty()) {
        return true;
      }
      Stmt insert(db_,
                  "INSERT INTO rollup_blocks (series_id, level, start_ms, first_ms, last_ms, "
                  "buckets, data) VALUES (?, ?, ?, ?, ?, ?, ?)");
      insert.bind(1, id)
          .bind(2, level)
          .bind(3, key)
          .bind(4, block.front().start_ms)
          .bind(5, block.back().start_ms)
          .bind(6, static_cast<std::int64_t>(block.size()))
          .blob(7, encode_rollup_block(level, block));
      block.clear();
      return insert.step() == SQLITE_DONE;
    };
    int rc = SQLITE_ROW;
    while ((rc = rows.step()) == SQLITE_ROW) {
      const std::int64_t row_level = rows.i64(1);
      const std::int64_t start = rows.i64(2);
      if (level_index(row_level) < 0 || floor_to(start, row_level) != start) {
        continue;  // no level of this format: nothing reads it
      }
      const std::int64_t row_key = floor_to(start, span_of(row_level));
      if (rows.i64(0) != id || row_level != level || row_key != key) {
        if (!put()) {
          return fail(sql_error("upgrading from version 2: writing rollup blocks"));
        }
        id = rows.i64(0);
        level = row_level;
        key = row_key;
      }
      const double resolution = rows.f64(9) > 0.0 ? rows.f64(9) : 1.0;
      const Rollup r{start,       rows.i64(3), rows.f64(4), rows.f64(5),
                     rows.f64(6), rows.f64(7), rows.f64(8)};
      block.push_back(to_record(r, resolution));
    }
    if (rc != SQLITE_DONE || !put()) {
      return fail(sql_error("upgrading from version 2: reading rollups"));
    }
  }
  if (auto s = exec(kUpgradeV2End); !s) {
    return fail(s);
  }
  if (auto s = exec("COMMIT"); !s) {
    return fail(s);
  }
  return common::Status::success();
}

Store::Store(std::string path, StoreOptions options)
    : path_(std::move(path)), options_(options), stmts_(std::make_unique<StatementCache>()) {}

Store::~Store() {
  stmts_->clear();
  if (db_ != nullptr) {
    sqlite3_close(db_);
  }
}

common::Result<int> Store::series_id(const std::string& key) {
  Query find(*stmts_, db_, "SELECT id FROM series WHERE key = ?");
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

common::Result<Store::SeriesInfo> Store::info(const std::string& key) {
  Query find(*stmts_, db_, "SELECT id, resolution, sealed_ms FROM series WHERE key = ?");
  find.bind(1, key);
  const int rc = find.step();
  if (rc == SQLITE_ROW) {
    SeriesInfo out;
    out.id = static_cast<int>(find.i64(0));
    out.resolution = find.f64(1) > 0.0 ? find.f64(1) : 1.0;
    out.sealed = !find.null(2);
    out.sealed_ms = out.sealed ? find.i64(2) : kNone;
    return out;
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
    Query insert(*stmts_, db_, "INSERT INTO series (key, kind, resolution) VALUES (?, ?, ?)");
    insert.bind(1, key)
        .bind(2, std::string(kind == SeriesKind::kCounter ? "counter" : "gauge"))
        .bind(3, resolution);
    if (insert.step() != SQLITE_DONE) {
      return sql_error("creating series '" + key + "'");
    }
    id = static_cast<int>(sqlite3_last_insert_rowid(db_));
  }
  const int found = *id;
  if (!series_.contains(found)) {
    auto s = std::make_unique<Series>();
    s->id = found;
    s->key = key;
    Query row(*stmts_, db_, "SELECT kind, resolution, sealed_ms FROM series WHERE id = ?");
    row.bind(1, static_cast<std::int64_t>(found));
    if (row.step() != SQLITE_ROW) {
      return sql_error("reading series '" + key + "'");
    }
    s->kind = row.text(0) == "counter" ? SeriesKind::kCounter : SeriesKind::kGauge;
    s->resolution = row.f64(1) > 0.0 ? row.f64(1) : resolution;
    s->sealed_ms = row.null(2) ? kNone : row.i64(2);
    if (auto status = load_series(*s); !status) {
      return status.error();
    }
    series_.emplace(found, std::move(s));
  }
  return found;
}

common::Status Store::load_series(Series& s) {
  const ReadSnapshot snapshot(db_);
  // The open chunk from the journal, decoded once for all series.
  if (!journal_cache_) {
    journal_cache_.emplace();
    Query rows(*stmts_, db_, "SELECT seq, data FROM journal ORDER BY seq");
    int rc = SQLITE_ROW;
    while ((rc = rows.step()) == SQLITE_ROW) {
      auto segments = journal_segments(rows.data(1));
      if (!segments) {
        journal_cache_.reset();
        return make_error(ErrorKind::kCorruption, path_ + ": " + segments.error().message);
      }
      for (const auto& [id, chunk] : *segments) {
        auto points = decode_chunk(chunk);
        if (!points) {
          journal_cache_.reset();
          return make_error(ErrorKind::kCorruption,
                            path_ + ": damaged journal row: " + points.error().message);
        }
        (*journal_cache_)[id].emplace_back(rows.i64(0), std::move(*points));
      }
    }
    if (rc != SQLITE_DONE) {
      journal_cache_.reset();
      return sql_error("reading the journal");
    }
  }
  if (const auto it = journal_cache_->find(s.id); it != journal_cache_->end()) {
    for (const auto& [seq, points] : it->second) {
      for (const RawPoint& p : points) {
        if (p.t_ms > s.sealed_ms && (s.open.empty() || p.t_ms > s.open.back().t_ms)) {
          if (s.open.empty()) {
            s.open_seq = seq;
          }
          s.open.push_back(p);
        }
      }
    }
  }
  s.flushed = s.open.size();
  s.last_t = s.sealed_ms;
  if (!s.open.empty()) {
    s.last_t = std::max(s.last_t, s.open.back().t_ms);
  }
  // The rollup buckets the next points continue: the stored rows of the
  // buckets holding the sealed time, then the journal's points on top.
  if (s.sealed_ms != kNone) {
    for (int l = 0; l < 4; ++l) {
      auto stored = stored_buckets(s.id, s.resolution, kLevels[l],
                                   floor_to(s.sealed_ms, kLevels[l]), s.sealed_ms);
      if (!stored) {
        return stored.error();
      }
      if (!stored->empty()) {
        s.current[l] = stored->back();
      }
    }
  }
  for (const RawPoint& p : s.open) {
    s.add(p.t_ms, static_cast<double>(p.q) * s.resolution);
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
  const std::int64_t q = quantise(value, s.resolution);
  s.open.push_back({t_ms, q});
  s.last_t = t_ms;
  s.add(t_ms, static_cast<double>(q) * s.resolution);
  return common::Status::success();
}

common::Status Store::append_block(std::int64_t t0_ms, std::int64_t step_ms, std::int64_t n,
                                   std::span<const int> series_ids,
                                   std::span<const double> values) {
  if (options_.read_only) {
    return make_error(ErrorKind::kInvalidArgument, path_ + ": opened read-only");
  }
  std::int64_t span_ms = 0;
  if (step_ms <= 0 || n < 0 || __builtin_mul_overflow(n > 0 ? n - 1 : 0, step_ms, &span_ms) ||
      t0_ms > std::numeric_limits<std::int64_t>::max() - span_ms) {
    return make_error(ErrorKind::kInvalidArgument,
                      path_ + ": a block needs a positive step and a representable end");
  }
  const auto samples = static_cast<std::size_t>(n);
  if (values.size() != series_ids.size() * samples) {
    return make_error(ErrorKind::kInvalidArgument,
                      path_ + ": a block of " + std::to_string(series_ids.size()) + " series and " +
                          std::to_string(n) + " samples needs as many values, not " +
                          std::to_string(values.size()));
  }
  // Everything is checked before anything is appended: a bad block leaves
  // memory as it was.
  std::vector<Series*> targets;
  targets.reserve(series_ids.size());
  for (std::size_t i = 0; i < series_ids.size(); ++i) {
    const auto it = series_.find(series_ids[i]);
    if (it == series_.end()) {
      return make_error(ErrorKind::kInvalidArgument,
                        "unknown series id " + std::to_string(series_ids[i]));
    }
    Series& s = *it->second;
    if (std::find(targets.begin(), targets.end(), &s) != targets.end()) {
      return make_error(ErrorKind::kInvalidArgument,
                        "series '" + s.key + "' appears twice in one block");
    }
    targets.push_back(&s);
    const std::span<const double> row = values.subspan(i * samples, samples);
    bool first = true;
    for (std::size_t k = 0; k < samples; ++k) {
      const double v = row[k];
      if (std::isnan(v)) {
        continue;
      }
      if (!std::isfinite(v)) {
        return make_error(ErrorKind::kInvalidArgument,
                          "series '" + s.key + "': value is not finite");
      }
      const std::int64_t t = t0_ms + static_cast<std::int64_t>(k) * step_ms;
      if (first && t <= s.last_t) {
        return make_error(ErrorKind::kInvalidArgument, "series '" + s.key + "': point at " +
                                                           std::to_string(t) +
                                                           " ms is not after the last one at " +
                                                           std::to_string(s.last_t) + " ms");
      }
      first = false;
    }
  }
  // One pass per series: quantise, append to the open chunk and add to the
  // rollups, exactly as append() does point by point.
  for (std::size_t i = 0; i < targets.size(); ++i) {
    Series& s = *targets[i];
    const std::span<const double> row = values.subspan(i * samples, samples);
    s.open.reserve(s.open.size() + samples);
    // The points of one minute form a run, added to the rollups at once.
    Rollup run;
    std::int64_t run_t = 0;
    std::int64_t run_end = 0;
    for (std::size_t k = 0; k < samples; ++k) {
      const double v = row[k];
      if (std::isnan(v)) {
        continue;
      }
      const std::int64_t t = t0_ms + static_cast<std::int64_t>(k) * step_ms;
      const std::int64_t q = quantise(v, s.resolution);
      s.open.push_back({t, q});
      s.last_t = t;
      const double x = static_cast<double>(q) * s.resolution;
      if (run.count > 0 && t >= run_end) {
        s.add_run(run_t, run);
        run.count = 0;
      }
      if (run.count == 0) {
        run = {0, 1, x, x, x, x, x};
        run_t = t;
        run_end = floor_to(t, kLevel1m) + kLevel1m;
        continue;
      }
      ++run.count;
      run.min = std::min(run.min, x);
      run.max = std::max(run.max, x);
      run.sum += x;
      run.last = x;
    }
    if (run.count > 0) {
      s.add_run(run_t, run);
    }
  }
  return flush();
}

std::int64_t Store::pending_points() const {
  std::int64_t n = 0;
  for (const auto& [id, s] : series_) {
    n += static_cast<std::int64_t>(s->open.size() - s->flushed);
  }
  return n;
}

common::Result<std::vector<Store::Rollup>> Store::stored_buckets(int id, double resolution,
                                                                 std::int64_t level_ms,
                                                                 std::int64_t from_ms,
                                                                 std::int64_t to_ms) {
  auto records = stored_records(id, level_ms, from_ms, to_ms);
  if (!records) {
    return records.error();
  }
  std::vector<Rollup> out;
  out.reserve(records->size());
  for (const RollupRecord& r : *records) {
    out.push_back(from_record(r, resolution));
  }
  return out;
}

common::Result<std::vector<RollupRecord>> Store::stored_records(int id, std::int64_t level_ms,
                                                                std::int64_t from_ms,
                                                                std::int64_t to_ms) {
  std::vector<RollupRecord> out;
  if (from_ms > to_ms) {
    return out;
  }
  Query rows(*stmts_, db_,
             "SELECT data FROM rollup_blocks WHERE series_id = ? AND level = ? AND start_ms >= ? "
             "AND start_ms <= ? AND last_ms >= ? ORDER BY start_ms");
  rows.bind(1, static_cast<std::int64_t>(id))
      .bind(2, level_ms)
      .bind(3, floor_to(from_ms, span_of(level_ms)))
      .bind(4, to_ms)
      .bind(5, from_ms);
  int rc = SQLITE_ROW;
  while ((rc = rows.step()) == SQLITE_ROW) {
    auto block = decode_rollup_block(rows.data(0));
    if (!block) {
      return make_error(ErrorKind::kCorruption, path_ + ": " + block.error().message);
    }
    for (const RollupRecord& b : block->buckets) {
      if (b.start_ms >= from_ms && b.start_ms <= to_ms) {
        out.push_back(b);
      }
    }
  }
  if (rc != SQLITE_DONE) {
    return sql_error("reading rollups");
  }
  return out;
}

common::Result<std::optional<Store::Rollup>> Store::edge_bucket(int id, double resolution,
                                                                std::int64_t level_ms,
                                                                std::int64_t before_ms,
                                                                bool newest) {
  // The newest block with a bucket before `before_ms` holds the newest such
  // bucket; the oldest block holds the oldest bucket.
  Query row(*stmts_, db_,
            newest ? "SELECT data FROM rollup_blocks WHERE series_id = ? AND level = ? "
                     "AND first_ms < ? ORDER BY start_ms DESC LIMIT 1"
                   : "SELECT data FROM rollup_blocks WHERE series_id = ? AND level = ? "
                     "AND first_ms < ? ORDER BY start_ms LIMIT 1");
  row.bind(1, static_cast<std::int64_t>(id)).bind(2, level_ms).bind(3, before_ms);
  const int rc = row.step();
  if (rc == SQLITE_DONE) {
    return std::optional<Rollup>();
  }
  if (rc != SQLITE_ROW) {
    return sql_error("reading rollups");
  }
  auto block = decode_rollup_block(row.data(0));
  if (!block) {
    return make_error(ErrorKind::kCorruption, path_ + ": " + block.error().message);
  }
  std::optional<Rollup> out;
  for (const RollupRecord& b : block->buckets) {
    if (b.start_ms < before_ms && (newest || !out)) {
      out = from_record(b, resolution);
    }
  }
  return out;
}

Store::Rollup Store::from_record(const RollupRecord& b, double resolution) {
  auto v = [&](std::int64_t q) { return static_cast<double>(q) * resolution; };
  return {b.start_ms, b.count, v(b.min_q), v(b.max_q), v(b.sum_q), v(b.first_q), v(b.last_q)};
}

common::Status Store::write_buckets(Series& s, int level, const std::vector<Rollup>& buckets) {
  const std::int64_t level_ms = kLevels[level];
  const std::int64_t span = kBlockSpanMs[level];
  std::vector<RollupRecord>& block = s.block[level];
  std::size_t i = 0;
  while (i < buckets.size()) {
    const std::int64_t key = floor_to(buckets[i].start_ms, span);
    if (s.block_key[level] != key) {
      // Not the block in memory: read it (a reopened store, a new block).
      s.block_key[level] = kNone;
      block.clear();
      Query row(*stmts_, db_,
                "SELECT data FROM rollup_blocks WHERE series_id = ? AND level = ? "
                "AND start_ms = ?");
      row.bind(1, static_cast<std::int64_t>(s.id)).bind(2, level_ms).bind(3, key);
      const int rc = row.step();
      if (rc == SQLITE_ROW) {
        auto stored = decode_rollup_block(row.data(0));
        if (!stored) {
          return make_error(ErrorKind::kCorruption, path_ + ": " + stored.error().message);
        }
        block = std::move(stored->buckets);
      } else if (rc != SQLITE_DONE) {
        return sql_error("reading rollups");
      }
      s.block_key[level] = key;
    }
    for (; i < buckets.size() && floor_to(buckets[i].start_ms, span) == key; ++i) {
      const RollupRecord r = to_record(buckets[i], s.resolution);
      // Buckets come in time order; the first may replace the block's last
      // (an open bucket written at the previous sealing).
      const auto at =
          std::lower_bound(block.begin(), block.end(), r.start_ms,
                           [](const RollupRecord& b, std::int64_t t) { return b.start_ms < t; });
      if (at != block.end() && at->start_ms == r.start_ms) {
        *at = r;
      } else {
        block.insert(at, r);
      }
    }
    // An update in place keeps the row where it is: a replacement would
    // leave a hole in an older page each time and append the row anew.
    Query upsert(*stmts_, db_,
                 "INSERT INTO rollup_blocks (series_id, level, start_ms, first_ms, last_ms, "
                 "buckets, data) VALUES (?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (series_id, level, start_ms) DO UPDATE SET "
                 "first_ms = excluded.first_ms, last_ms = excluded.last_ms, "
                 "buckets = excluded.buckets, data = excluded.data");
    upsert.bind(1, static_cast<std::int64_t>(s.id))
        .bind(2, level_ms)
        .bind(3, key)
        .bind(4, block.front().start_ms)
        .bind(5, block.back().start_ms)
        .bind(6, static_cast<std::int64_t>(block.size()))
        .blob(7, encode_rollup_block(level_ms, block));
    if (upsert.step() != SQLITE_DONE) {
      return sql_error("writing rollups");
    }
  }
  return common::Status::success();
}

void Store::forget_blocks() {
  for (auto& [id, s] : series_) {
    for (int l = 0; l < 4; ++l) {
      s->block_key[l] = kNone;
      s->block[l].clear();
    }
  }
}

common::Status Store::flush() {
  if (options_.read_only) {
    return make_error(ErrorKind::kInvalidArgument, path_ + ": opened read-only");
  }
  std::int64_t newest_pending = kNone;
  for (const auto& [id, s] : series_) {
    if (s->flushed < s->open.size()) {
      newest_pending = std::max(newest_pending, s->open.back().t_ms);
    }
  }
  // One commit every durable interval (of data time) is FULL: its fsync makes
  // the earlier NORMAL ones durable too. The first one after opening is.
  const bool full = options_.sync_full &&
                    (options_.durable_interval_ms <= 0 ||
                     (newest_pending != kNone &&
                      (durable_until_ms_ == kNone ||
                       newest_pending - durable_until_ms_ >= options_.durable_interval_ms)));
  const bool switch_sync = full && options_.durable_interval_ms > 0;
  if (switch_sync) {
    if (auto s = exec("PRAGMA synchronous=FULL"); !s) {
      return s;
    }
  }
  auto status = try_flush(full);
  if (switch_sync) {
    (void)exec("PRAGMA synchronous=NORMAL");  // only the speed of later commits depends on it
  }
  if (!status) {
    // The blocks in memory may hold buckets the rollback undid.
    forget_blocks();
    // The points wait for the next flush, at most max_pending_ms of them per
    // series: the oldest unwritten ones go first.
    for (auto& [id, sp] : series_) {
      Series& s = *sp;
      if (s.flushed >= s.open.size()) {
        continue;
      }
      const std::int64_t keep_from = s.open.back().t_ms - options_.max_pending_ms;
      const auto first = s.open.begin() + static_cast<std::ptrdiff_t>(s.flushed);
      const auto kept =
          std::lower_bound(first, s.open.end(), keep_from,
                           [](const RawPoint& p, std::int64_t t) { return p.t_ms < t; });
      dropped_points_ += kept - first;
      s.open.erase(first, kept);
    }
  }
  return status;
}

common::Status Store::try_flush(bool full) {
  if (auto s = exec("BEGIN IMMEDIATE"); !s) {
    return s;
  }
  auto fail = [&](common::Status status) {
    (void)exec("ROLLBACK");  // the original error is the one to report
    return status;
  };
  std::int64_t newest = kNone;
  for (const auto& [id, s] : series_) {
    newest = std::max(newest, s->last_t);
  }
  auto seals = [&](const Series& s) {
    return !s.open.empty() && (s.open.size() >= kSealPoints ||
                               s.open.back().t_ms - s.open.front().t_ms >= kSealSpanMs ||
                               newest - s.open.front().t_ms >= kSealSpanMs);
  };
  std::vector<JournalSegment> segments;
  std::int64_t journal_end = kNone;
  bool sealed_any = false;
  // The oldest journal row still holding an unsealed point after this flush.
  std::int64_t keep_seq = std::numeric_limits<std::int64_t>::max();
  for (auto& [id, sp] : series_) {
    Series& s = *sp;
    if (seals(s)) {
      sealed_any = true;
      // Chunks of at most kSealPoints points: a backfill's block of several
      // hours seals into the hourly chunks the daemon writes.
      for (std::size_t from = 0; from < s.open.size(); from += kSealPoints) {
        const std::span<const RawPoint> points = std::span<const RawPoint>(s.open).subspan(
            from, std::min(kSealPoints, s.open.size() - from));
        if (points.back().t_ms < options_.raw_from_ms) {
          continue;  // a backfill's: retention would delete it before the backfill ends
        }
        Query chunk(*stmts_, db_,
                    "INSERT OR REPLACE INTO chunks (series_id, start_ms, end_ms, count, data) "
                    "VALUES (?, ?, ?, ?, ?)");
        chunk.bind(1, static_cast<std::int64_t>(id))
            .bind(2, points.front().t_ms)
            .bind(3, points.back().t_ms)
            .bind(4, static_cast<std::int64_t>(points.size()))
            .blob(5, encode_chunk(points));
        if (chunk.step() != SQLITE_DONE) {
          return fail(sql_error("sealing a chunk"));
        }
      }
      // Every bucket these points touched: the closed ones and the open
      // ones as they stand (readers merge them with later points).
      for (int l = 0; l < 4; ++l) {
        std::vector<Rollup>& buckets = seal_buckets_;
        buckets.clear();
        for (const auto& [level, rollup] : s.closed) {
          if (level == l) {
            buckets.push_back(rollup);
          }
        }
        if (s.current[l].count > 0) {
          buckets.push_back(s.current[l]);
        }
        if (auto st = write_buckets(s, l, buckets); !st) {
          return fail(st);
        }
      }
      Query mark(*stmts_, db_, "UPDATE series SET sealed_ms = ? WHERE id = ?");
      mark.bind(1, s.open.back().t_ms).bind(2, static_cast<std::int64_t>(id));
      if (mark.step() != SQLITE_DONE) {
        return fail(sql_error("sealing a chunk"));
      }
      continue;
    }
    if (s.flushed > 0) {
      keep_seq = std::min(keep_seq, s.open_seq);
    }
    if (s.flushed < s.open.size()) {
      segments.push_back({id, std::span<const RawPoint>(s.open).subspan(s.flushed)});
      journal_end = std::max(journal_end, s.open.back().t_ms);
      keep_seq = std::min(keep_seq, next_seq_);
    }
  }
  if (!segments.empty()) {
    Query row(*stmts_, db_, "INSERT INTO journal (seq, end_ms, data) VALUES (?, ?, ?)");
    row.bind(1, next_seq_).bind(2, journal_end).blob(3, encode_journal(segments));
    if (row.step() != SQLITE_DONE) {
      return fail(sql_error("writing points"));
    }
  }
  if (sealed_any) {
    Query drop(*stmts_, db_, "DELETE FROM journal WHERE seq < ?");
    drop.bind(1, keep_seq);
    if (drop.step() != SQLITE_DONE) {
      return fail(sql_error("trimming the journal"));
    }
  }
  // Retention, at most once an hour of data time. Chunks hold sealed points
  // only, which the stored rollups count already.
  if (newest != kNone && newest - last_retention_ms_ >= 3'600'000) {
    Query drop(*stmts_, db_, "DELETE FROM chunks WHERE end_ms < ?");
    drop.bind(1, newest - options_.raw_retention_ms);
    if (drop.step() != SQLITE_DONE) {
      return fail(sql_error("applying retention"));
    }
    last_retention_ms_ = newest;
  }
  if (auto s = exec("COMMIT"); !s) {
    return fail(sql_error("committing"));
  }
  // Only now, with the transaction committed, does memory move on.
  journal_cache_.reset();
  const std::int64_t written_seq = next_seq_;
  if (!segments.empty()) {
    ++next_seq_;
  }
  for (auto& [id, sp] : series_) {
    Series& s = *sp;
    if (!s.open.empty()) {
      committed_newest_ms_ = std::max(committed_newest_ms_, s.open.back().t_ms);
    }
    if (seals(s)) {
      s.sealed_ms = s.open.back().t_ms;
      s.open.clear();
      s.flushed = 0;
      s.closed.clear();
      continue;
    }
    if (s.flushed == 0 && !s.open.empty()) {
      s.open_seq = written_seq;
    }
    s.flushed = s.open.size();
  }
  if (full) {
    durable_until_ms_ = committed_newest_ms_;
  }
  return common::Status::success();
}

common::Result<std::vector<RawPoint>> Store::journal_points(const SeriesInfo& s,
                                                            std::int64_t from_ms) {
  std::vector<RawPoint> out;
  Query rows(*stmts_, db_, "SELECT data FROM journal WHERE end_ms >= ? ORDER BY seq");
  rows.bind(1, from_ms);
  int rc = SQLITE_ROW;
  while ((rc = rows.step()) == SQLITE_ROW) {
    auto points = decode_journal(rows.data(0), s.id);
    if (!points) {
      return make_error(ErrorKind::kCorruption, path_ + ": " + points.error().message);
    }
    for (const RawPoint& p : *points) {
      if (p.t_ms >= from_ms && p.t_ms > s.sealed_ms && (out.empty() || p.t_ms > out.back().t_ms)) {
        out.push_back(p);
      }
    }
  }
  if (rc != SQLITE_DONE) {
    return sql_error("reading the journal");
  }
  return out;
}

common::Result<std::vector<Store::Rollup>> Store::open_buckets(const SeriesInfo& s,
                                                               std::int64_t level_ms) {
  // In units of the resolution, as the blocks store them: a bucket reads
  // the same wherever the sealing split its points.
  std::vector<RollupRecord> records;
  if (s.sealed) {
    const std::int64_t start = floor_to(s.sealed_ms, level_ms);
    auto stored = stored_records(s.id, level_ms, start, start);
    if (!stored) {
      return stored.error();
    }
    records = std::move(*stored);
  }
  auto points = journal_points(s, kNone);
  if (!points) {
    return points.error();
  }
  for (const RawPoint& p : *points) {
    const std::int64_t start = floor_to(p.t_ms, level_ms);
    if (records.empty() || records.back().start_ms != start) {
      records.push_back({start, 1, p.q, p.q, p.q, p.q, p.q});
      continue;
    }
    RollupRecord& r = records.back();
    ++r.count;
    r.min_q = std::min(r.min_q, p.q);
    r.max_q = std::max(r.max_q, p.q);
    r.sum_q += p.q;
    r.last_q = p.q;
  }
  std::vector<Rollup> out;
  out.reserve(records.size());
  for (const RollupRecord& r : records) {
    out.push_back(from_record(r, s.resolution));
  }
  return out;
}

common::Result<std::vector<Point>> Store::read_raw(const std::string& key, std::int64_t from_ms,
                                                   std::int64_t to_ms) {
  const ReadSnapshot snapshot(db_);
  auto s = info(key);
  if (!s) {
    return s.error();
  }
  const double resolution = s->resolution;
  std::vector<Point> out;
  Query chunks(*stmts_, db_,
               "SELECT data FROM chunks WHERE series_id = ? AND end_ms >= ? AND start_ms <= ? "
               "ORDER BY start_ms");
  chunks.bind(1, static_cast<std::int64_t>(s->id)).bind(2, from_ms).bind(3, to_ms);
  while (chunks.step() == SQLITE_ROW) {
    auto points = decode_chunk(chunks.data(0));
    if (!points) {
      return make_error(ErrorKind::kCorruption,
                        path_ + ": series '" + key + "': " + points.error().message);
    }
    for (const RawPoint& p : *points) {
      if (p.t_ms >= from_ms && p.t_ms <= to_ms) {
        out.push_back({p.t_ms, static_cast<double>(p.q) * resolution});
      }
    }
  }
  if (!s->sealed || to_ms > s->sealed_ms) {
    auto points = journal_points(*s, from_ms);
    if (!points) {
      return points.error();
    }
    for (const RawPoint& p : *points) {
      if (p.t_ms <= to_ms) {
        out.push_back({p.t_ms, static_cast<double>(p.q) * resolution});
      }
    }
  }
  return out;
}

common::Result<std::vector<Bucket>> Store::read_rollup(const std::string& key,
                                                       std::int64_t level_ms, std::int64_t from_ms,
                                                       std::int64_t to_ms) {
  const ReadSnapshot snapshot(db_);
  auto s = info(key);
  if (!s) {
    return s.error();
  }
  const std::int64_t from = floor_to(from_ms, level_ms);
  // Stored buckets before the one holding the sealed time are complete.
  const std::int64_t open_start =
      s->sealed ? floor_to(s->sealed_ms, level_ms) : std::numeric_limits<std::int64_t>::max();
  auto stored = stored_buckets(s->id, s->resolution, level_ms, from,
                               open_start == std::numeric_limits<std::int64_t>::max()
                                   ? to_ms
                                   : std::min(to_ms, open_start - 1));
  if (!stored) {
    return stored.error();
  }
  std::vector<Bucket> out;
  out.reserve(stored->size());
  for (const Rollup& r : *stored) {
    out.push_back(to_bucket(r));
  }
  if (to_ms >= open_start || !s->sealed) {
    auto open = open_buckets(*s, level_ms);
    if (!open) {
      return open.error();
    }
    for (const Rollup& r : *open) {
      if (r.start_ms >= from && r.start_ms <= to_ms) {
        out.push_back(to_bucket(r));
      }
    }
  }
  return out;
}

common::Result<std::optional<Point>> Store::latest(const std::string& key) {
  const ReadSnapshot snapshot(db_);
  auto s = info(key);
  if (!s) {
    return s.error();
  }
  const double resolution = s->resolution;
  {
    Query rows(*stmts_, db_, "SELECT data FROM journal ORDER BY seq DESC");
    int rc = SQLITE_ROW;
    while ((rc = rows.step()) == SQLITE_ROW) {
      auto points = decode_journal(rows.data(0), s->id);
      if (!points) {
        return make_error(ErrorKind::kCorruption, path_ + ": " + points.error().message);
      }
      if (!points->empty()) {
        if (points->back().t_ms > s->sealed_ms) {
          return std::optional<Point>(
              Point{points->back().t_ms, static_cast<double>(points->back().q) * resolution});
        }
        break;  // older rows hold older points, sealed too
      }
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
      return sql_error("reading the journal");
    }
  }
  Query row(*stmts_, db_,
            "SELECT data FROM chunks WHERE series_id = ? ORDER BY start_ms DESC LIMIT 1");
  row.bind(1, static_cast<std::int64_t>(s->id));
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
  // Raw data past retention: the last minute's rollup still knows the value.
  auto minute =
      edge_bucket(s->id, resolution, kLevel1m, std::numeric_limits<std::int64_t>::max(), true);
  if (!minute) {
    return minute.error();
  }
  if (*minute) {
    return std::optional<Point>(Point{(*minute)->start_ms, (*minute)->last});
  }
  return std::optional<Point>();
}

common::Result<double> Store::counter_delta(const std::string& key, std::int64_t from_ms,
                                            std::int64_t to_ms) {
  const ReadSnapshot snapshot(db_);
  auto s = info(key);
  if (!s) {
    return s.error();
  }
  auto open = open_buckets(*s, kLevel1m);
  if (!open) {
    return open.error();
  }
  // The register's value at a minute boundary: the last value of the last
  // minute bucket that starts before it.
  auto value_before = [&](std::int64_t t) -> common::Result<std::optional<double>> {
    for (auto it = open->rbegin(); it != open->rend(); ++it) {
      if (it->start_ms < t) {
        return std::optional<double>(it->last);
      }
    }
    auto stored = edge_bucket(s->id, s->resolution, kLevel1m, t, true);
    if (!stored) {
      return stored.error();
    }
    return *stored ? std::optional<double>((*stored)->last) : std::nullopt;
  };
  const auto end = value_before(to_ms);
  if (!end) {
    return end.error();
  }
  if (!*end) {
    return 0.0;
  }
  auto start = value_before(from_ms);
  if (!start) {
    return start.error();
  }
  if (!*start) {
    // The series began inside the range: count from its first value.
    auto first = edge_bucket(s->id, s->resolution, kLevel1m,
                             std::numeric_limits<std::int64_t>::max(), false);
    if (!first) {
      return first.error();
    }
    if (*first) {
      *start = (*first)->first;
    } else {
      *start = open->empty() ? **end : open->front().first;
    }
  }
  return **end - **start;
}

common::Result<std::optional<Bucket>> Store::max_mean(const std::string& key, std::int64_t level_ms,
                                                      std::int64_t from_ms, std::int64_t to_ms) {
  const ReadSnapshot snapshot(db_);
  auto s = info(key);
  if (!s) {
    return s.error();
  }
  const std::int64_t open_start =
      s->sealed ? floor_to(s->sealed_ms, level_ms) : std::numeric_limits<std::int64_t>::max();
  std::optional<Bucket> best;
  const std::int64_t stored_to = std::min(to_ms, open_start);
  if (stored_to > from_ms) {
    auto stored = stored_buckets(s->id, s->resolution, level_ms, from_ms, stored_to - 1);
    if (!stored) {
      return stored.error();
    }
    for (const Rollup& r : *stored) {
      const Bucket b = to_bucket(r);
      if (r.count > 0 && (!best || b.mean > best->mean)) {
        best = b;
      }
    }
  }
  if (to_ms > open_start || !s->sealed) {
    auto open = open_buckets(*s, level_ms);
    if (!open) {
      return open.error();
    }
    for (const Rollup& r : *open) {
      if (r.start_ms >= from_ms && r.start_ms < to_ms && r.count > 0) {
        const Bucket b = to_bucket(r);
        if (!best || b.mean > best->mean) {
          best = b;
        }
      }
    }
  }
  return best;
}

common::Result<std::vector<SeriesStats>> Store::stats() {
  const ReadSnapshot snapshot(db_);
  std::vector<SeriesStats> out;
  std::map<std::int64_t, std::pair<std::size_t, std::int64_t>> index;  // id → (out slot, sealed)
  Query rows(
      *stmts_, db_,
      "SELECT s.id, s.key, s.kind, s.resolution, s.sealed_ms, "
      "(SELECT COALESCE(SUM(count), 0) FROM chunks c WHERE c.series_id = s.id), "
      "(SELECT COALESCE(SUM(length(data)), 0) FROM chunks c WHERE c.series_id = s.id), "
      "(SELECT MIN(first_ms) FROM rollup_blocks r WHERE r.series_id = s.id AND r.level = 60000), "
      "(SELECT MIN(start_ms) FROM chunks c WHERE c.series_id = s.id), "
      "(SELECT MAX(end_ms) FROM chunks c WHERE c.series_id = s.id) "
      "FROM series s ORDER BY s.key");
  int rc = SQLITE_ROW;
  while ((rc = rows.step()) == SQLITE_ROW) {
    const std::int64_t sealed = rows.null(4) ? kNone : rows.i64(4);
    SeriesStats stat{rows.text(1),
                     rows.text(2) == "counter" ? SeriesKind::kCounter : SeriesKind::kGauge,
                     rows.f64(3),
                     rows.i64(5),
                     rows.i64(6),
                     0,
                     0};
    // First: the oldest minute bucket (raw may be past retention); last: the
    // newest point, sealed or journaled (below).
    std::optional<std::int64_t> first;
    for (int c : {7, 8}) {
      if (!rows.null(c)) {
        first = first ? std::min(*first, rows.i64(c)) : rows.i64(c);
      }
    }
    stat.first_ms = first.value_or(0);
    stat.last_ms = sealed != kNone ? sealed : (rows.null(9) ? 0 : rows.i64(9));
    index[rows.i64(0)] = {out.size(), sealed};
    out.push_back(std::move(stat));
  }
  if (rc != SQLITE_DONE) {
    return sql_error("reading the series");
  }
  // Points in the journal count too.
  Query journal(*stmts_, db_, "SELECT data FROM journal ORDER BY seq");
  while ((rc = journal.step()) == SQLITE_ROW) {
    auto segments = journal_segments(journal.data(0));
    if (!segments) {
      return make_error(ErrorKind::kCorruption, path_ + ": " + segments.error().message);
    }
    for (const auto& [id, chunk] : *segments) {
      const auto it = index.find(id);
      auto points = decode_chunk(chunk);
      if (it == index.end() || !points) {
        continue;
      }
      SeriesStats& stat = out[it->second.first];
      for (const RawPoint& p : *points) {
        if (p.t_ms > it->second.second) {
          if (stat.raw_points == 0 && stat.first_ms == 0) {
            stat.first_ms = p.t_ms;
          }
          ++stat.raw_points;
          stat.last_ms = std::max(stat.last_ms, p.t_ms);
        }
      }
      stat.raw_bytes += static_cast<std::int64_t>(chunk.size());
    }
  }
  if (rc != SQLITE_DONE) {
    return sql_error("reading the journal");
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

common::Status Store::checkpoint() {
  Query run(*stmts_, db_, "PRAGMA wal_checkpoint(TRUNCATE)");
  if (run.step() != SQLITE_ROW) {
    return sql_error("checkpointing");
  }
  // A complete checkpoint has synced the log and the database: every commit
  // is durable. A reader may keep it from completing (busy).
  if (run.i64(0) == 0) {
    durable_until_ms_ = committed_newest_ms_;
  }
  return common::Status::success();
}

common::Status Store::add_event(const Event& event) {
  Query insert(*stmts_, db_, "INSERT INTO events (t_ms, kind, user, message) VALUES (?, ?, ?, ?)");
  insert.bind(1, event.t_ms).bind(2, event.kind).bind(3, event.user).bind(4, event.message);
  return insert.step() == SQLITE_DONE ? common::Status::success() : sql_error("writing an event");
}

common::Result<std::vector<Event>> Store::events(std::int64_t from_ms, std::int64_t to_ms,
                                                 std::int64_t limit, std::string_view kind) {
  Query rows(*stmts_, db_,
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
