// The history store (docs/store-format.md): series of points packed in
// compressed chunks in one SQLite database, rollups at 1 min, 15 min, 1 h and
// 1 day kept forever, raw chunks kept for a retention period, events.
//
// Writing: append() collects points in memory; flush() appends them as one
// journal row in one transaction; once an hour a series' points are sealed
// into a chunk and its rollups written. After a kill -9 the store reopens at
// the last flush; after a power cut at the last durable one (durable_until_ms()).
// One Store writes; other threads or processes may open their own Store to
// read (SQLite WAL). Not thread-safe per object.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "store/chunk.hpp"

struct sqlite3;

namespace kirchhoff::store {

class StatementCache;

enum class SeriesKind { kGauge, kCounter };

struct Point {
  std::int64_t t_ms = 0;
  double value = 0.0;
};

struct Bucket {
  std::int64_t start_ms = 0;
  std::int64_t count = 0;
  double min = 0.0;
  double max = 0.0;
  double mean = 0.0;
  double first = 0.0;
  double last = 0.0;
};

struct SeriesStats {
  std::string key;
  SeriesKind kind = SeriesKind::kGauge;
  double resolution = 0.0;
  std::int64_t raw_points = 0;
  std::int64_t raw_bytes = 0;
  std::int64_t first_ms = 0;
  std::int64_t last_ms = 0;
};

struct Event {
  std::int64_t t_ms = 0;
  std::string kind;  // "start", "stop", "relay", "alarm", "config", ...
  std::string user;  // who did it, "" for the system
  std::string message;
};

inline constexpr std::int64_t kLevel1m = 60'000;
inline constexpr std::int64_t kLevel15m = 900'000;
inline constexpr std::int64_t kLevel1h = 3'600'000;
inline constexpr std::int64_t kLevel1d = 86'400'000;
inline constexpr std::int64_t kLevels[] = {kLevel1m, kLevel15m, kLevel1h, kLevel1d};

// The rollup level of a step name ("1m", "15m", "1h", "1d"); empty for any
// other name ("raw" included).
std::optional<std::int64_t> parse_rollup_step(std::string_view step);

struct StoreOptions {
  std::int64_t raw_retention_ms = 35LL * 86'400'000;
  bool read_only = false;
  // Commits run with synchronous=NORMAL (they survive a killed process); one
  // commit every durable_interval_ms of data time (the points' time) runs
  // with FULL, whose fsync makes it and every earlier commit survive a power
  // cut. 0: every commit FULL.
  std::int64_t durable_interval_ms = 5000;
  // false: no commit fsyncs (bulk backfills); durable at checkpoint().
  bool sync_full = true;
  // While flushes fail (disk full), at most this span of unwritten points
  // per series waits in memory; older ones are dropped (dropped_points()).
  std::int64_t max_pending_ms = 3'600'000;
  // The SQLite VFS to open the file with; nullptr for the default. Must
  // outlive the Store (tests inject faults through one: fault_vfs.hpp).
  const char* vfs = nullptr;
  // How long each rollup level (kLevels order: 1m, 15m, 1h, 1d) is kept, ms;
  // 0 keeps it forever (apply_rollup_retention()).
  std::int64_t rollup_retention_ms[4] = {0, 0, 0, 0};
  // Backfills that know where they end: raw chunks ending before this time
  // are not written (rollups are), since retention would delete them before
  // the backfill ends. `simulate --data` sets it to its last second less
  // raw_retention_ms, so its file holds the same raw period a daemon's would.
  std::int64_t raw_from_ms = std::numeric_limits<std::int64_t>::min();
};

// What one level of the history holds (Store::usage()): "raw" (chunks and
// tails) or a rollup level. Bytes are the level's share of the file's pages
// when SQLite can tell them (dbstat), else its payload plus a row estimate.
struct LevelUsage {
  std::string level;          // "raw", "1m", "15m", "1h", "1d"
  std::int64_t level_ms = 0;  // 0 for raw
  std::int64_t rows = 0;      // chunk and tail rows, or rollup buckets
  std::int64_t points = 0;    // raw points; a rollup's buckets
  std::int64_t bytes = 0;
  std::int64_t oldest_ms = 0;  // 0 when the level is empty
  std::int64_t newest_ms = 0;
  double bytes_per_point = 0.0;
};

struct StorageUsage {
  std::vector<LevelUsage> levels;  // raw, then kLevels in order
  std::int64_t file_bytes = 0;     // database plus write-ahead log
  // Pages inside the file that SQLite freed and reuses before it grows.
  std::int64_t reusable_bytes = 0;
};

class Store {
 public:
  static common::Result<std::unique_ptr<Store>> open(const std::string& path,
                                                     StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The id of a series, created on first use. The kind and resolution of an
  // existing series are kept.
  common::Result<int> series(const std::string& key, SeriesKind kind, double resolution);

  // A point in memory; times must increase within a series.
  common::Status append(int series_id, std::int64_t t_ms, double value);
  // A block of regular samples of several series at once, the bulk path of
  // backfills (`simulate --data`): sample k (0 <= k < n) of series_ids[i]
  // is at t0_ms + k * step_ms with value values[i * n + k] (series-major:
  // each series' n samples are contiguous). A NaN value is no point. Every
  // sample time must be after the series' last point and every other value
  // finite; nothing is appended when any is not. Then commits the block with
  // everything appended before in one transaction, exactly as flush() (on
  // failure the points wait in memory like flush()'s). Reads back exactly
  // like the same points appended one by one and flushed: the same chunks
  // once sealed and the same rollups. A block of an hour (3600 samples of
  // 1 s) seals every series in the same commit: no journal row is written.
  common::Status append_block(std::int64_t t0_ms, std::int64_t step_ms, std::int64_t n,
                              std::span<const int> series_ids, std::span<const double> values);
  // Commits everything appended so far, atomically; applies retention at most
  // once an hour. On failure nothing stored changes and the points wait in
  // memory for the next flush (bounded by max_pending_ms).
  common::Status flush();
  // The newest point time known to survive a power cut (committed with
  // synchronous=FULL or checkpointed by this Store); INT64_MIN before any.
  std::int64_t durable_until_ms() const { return durable_until_ms_; }
  // Points appended but not yet committed.
  std::int64_t pending_points() const;
  // Unwritten points dropped because flushes failed for longer than
  // max_pending_ms, since open.
  std::int64_t dropped_points() const { return dropped_points_; }

  // Reads (flushed data only): stored rollups merged with buckets computed
  // from the points not yet sealed, so every reader sees the open buckets.
  common::Result<std::vector<Point>> read_raw(const std::string& key, std::int64_t from_ms,
                                              std::int64_t to_ms);
  common::Result<std::vector<Bucket>> read_rollup(const std::string& key, std::int64_t level_ms,
                                                  std::int64_t from_ms, std::int64_t to_ms);
  common::Result<std::optional<Point>> latest(const std::string& key);
  // A counter's growth from `from_ms` to `to_ms` (exact at minute boundaries).
  common::Result<double> counter_delta(const std::string& key, std::int64_t from_ms,
                                       std::int64_t to_ms);
  // The bucket with the largest mean at a level, e.g. the month's 15-minute peak.
  common::Result<std::optional<Bucket>> max_mean(const std::string& key, std::int64_t level_ms,
                                                 std::int64_t from_ms, std::int64_t to_ms);
  common::Result<std::vector<SeriesStats>> stats();
  std::int64_t file_bytes() const;
  // Moves the write-ahead log into the database file and truncates it; all
  // committed points become durable.
  common::Status checkpoint();

  common::Status add_event(const Event& event);
  // Newest first; `kind` empty for every kind.
  common::Result<std::vector<Event>> events(std::int64_t from_ms, std::int64_t to_ms,
                                            std::int64_t limit, std::string_view kind = {});

  const std::string& path() const { return path_; }

  // Storage faults and space (docs/storage-faults.md; store_verify.cpp,
  // store_space.cpp).
  //
  // Checks a history file without writing to it: SQLite's quick_check, the
  // application id and version, the tables and series, that every raw
  // chunk decodes to the points its row claims and every rollup block
  // (format 3) to the buckets its row claims. Success for a missing file or
  // a 0-byte one without a log (a fresh history). kCorruption names the file
  // and what is damaged (a 0-byte file beside a non-empty log included);
  // kUnsupported a version this build does not read; kIoError a file it may
  // not read.
  static common::Status verify(const std::string& path);
  // What reads of each counter series of a (damaged) file, opened read-only:
  // key -> the largest of its newest decodable tail or chunk and its newest
  // minute rollup. Values not finite or above 1e12 are skipped as damage.
  static common::Result<std::map<std::string, double>> salvage_counters(const std::string& path);
  // Deletes the oldest sealed raw chunks across all series until at least
  // `bytes` of chunk data are gone (or none is left); never rollups, tails or
  // events. Returns the bytes of chunk data freed (SQLite reuses the pages).
  common::Result<std::int64_t> drop_oldest_raw(std::int64_t bytes);
  common::Result<StorageUsage> usage();
  // The pages inside the file that SQLite freed and reuses before it grows
  // (cheap: two pragmas).
  common::Result<std::int64_t> reusable_bytes();
  // Deletes rollup buckets that ended more than the level's retention before
  // `now_ms` (levels with retention 0 are kept forever).
  common::Status apply_rollup_retention(std::int64_t now_ms);

 private:
  struct Series;
  struct Rollup {
    std::int64_t start_ms = -1;
    std::int64_t count = 0;
    double min = 0, max = 0, sum = 0, first = 0, last = 0;
  };
  struct SeriesInfo {
    int id = 0;
    double resolution = 1.0;
    std::int64_t sealed_ms = 0;
    bool sealed = false;
  };
  Store(std::string path, StoreOptions options);
  common::Status exec(const char* sql);
  common::Error sql_error(const std::string& what) const;
  common::Status migrate_from_v1();
  common::Status migrate_from_v2();
  common::Result<int> series_id(const std::string& key);
  common::Result<SeriesInfo> info(const std::string& key);
  common::Status load_series(Series& s);
  // The stored buckets of a series at a level that start in [from_ms,
  // to_ms], from the rollup blocks.
  common::Result<std::vector<Rollup>> stored_buckets(int id, double resolution,
                                                     std::int64_t level_ms, std::int64_t from_ms,
                                                     std::int64_t to_ms);
  common::Result<std::vector<RollupRecord>> stored_records(int id, std::int64_t level_ms,
                                                           std::int64_t from_ms,
                                                           std::int64_t to_ms);
  // The newest (or the oldest) stored bucket that starts before before_ms.
  common::Result<std::optional<Rollup>> edge_bucket(int id, double resolution,
                                                    std::int64_t level_ms, std::int64_t before_ms,
                                                    bool newest);
  static Rollup from_record(const RollupRecord& b, double resolution);
  // Writes buckets (in time order) of one level of a sealing series into
  // their blocks, merged with what the blocks hold.
  common::Status write_buckets(Series& s, int level, const std::vector<Rollup>& buckets);
  // Drops the rollup blocks kept in memory (after a failed flush or a
  // deletion of blocks).
  void forget_blocks();
  common::Status try_flush(bool full);
  // The journal's points of a series after its sealed time, from rows that
  // end at or after from_ms.
  common::Result<std::vector<RawPoint>> journal_points(const SeriesInfo& s, std::int64_t from_ms);
  // The buckets of a level from the one holding sealed_ms on: the stored
  // row of that bucket merged with the journal's points, then buckets of
  // the journal's points alone. Empty when nothing is sealed or journaled.
  common::Result<std::vector<Rollup>> open_buckets(const SeriesInfo& s, std::int64_t level_ms);

  std::string path_;
  StoreOptions options_;
  sqlite3* db_ = nullptr;
  // Prepared statements, finalised before db_ closes.
  std::unique_ptr<StatementCache> stmts_;
  std::map<int, std::unique_ptr<Series>> series_;
  std::int64_t last_retention_ms_ = 0;
  std::int64_t next_seq_ = 1;
  // The journal decoded once for loading many series at open: series id →
  // (seq, points) per row. Dropped at the first flush.
  std::optional<std::map<std::int64_t, std::vector<std::pair<std::int64_t, std::vector<RawPoint>>>>>
      journal_cache_;
  std::int64_t committed_newest_ms_ = std::numeric_limits<std::int64_t>::min();
  std::int64_t durable_until_ms_ = std::numeric_limits<std::int64_t>::min();
  std::int64_t dropped_points_ = 0;
  std::vector<Rollup> seal_buckets_;  // reused by each sealing
};

}  // namespace kirchhoff::store
