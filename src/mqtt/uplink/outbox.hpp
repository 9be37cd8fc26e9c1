// The uplink's persistent outbox (docs/uplink-format.md): every history
// point waits here, in its own SQLite file (DATA/uplink.db), until the broker
// has acknowledged it. One row per cycle (a frame: the cycle's time and its
// packed (series id, value) pairs, the names in a dictionary table).
//
// Durability: each append() is one transaction (WAL, synchronous=NORMAL): a
// killed process loses nothing committed; a power cut may lose the last
// commits but never tears the file.
//
// Thread-safety: every member may be called from any thread (one mutex): the
// control cycle appends while the uplink thread peeks and removes.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.hpp"

struct sqlite3;

namespace kirchhoff::mqtt::uplink {

struct OutboxOptions {
  // Frames older than this, counted back from the newest appended cycle,
  // are dropped (and their points counted) by append().
  std::int64_t max_age_ms = 30LL * 86'400'000;
};

// A place in the outbox: every frame before `frame_seq`, and the points of
// frame `frame_seq` before index `next_index`.
struct Position {
  std::int64_t frame_seq = 0;
  std::uint32_t next_index = 0;
  friend bool operator==(const Position&, const Position&) = default;
};

struct OutboxPoint {
  std::string series;
  std::int64_t t_ms = 0;
  double value = 0.0;
};

// The oldest unsent points; acknowledge them with remove_through(end).
struct Batch {
  std::vector<OutboxPoint> points;  // oldest first, never empty
  Position end;
};

struct OutboxStats {
  std::int64_t points = 0;      // unsent points
  std::int64_t frames = 0;      // frames holding them
  std::int64_t oldest_ms = 0;   // the oldest unsent point's time, 0 when empty
  std::int64_t newest_ms = 0;   // the newest appended cycle's time (kept when emptied), 0 if none
  std::int64_t file_bytes = 0;  // the database and its WAL
  std::int64_t dropped_points = 0;    // dropped by the bound since open()
  std::int64_t dropped_since_ms = 0;  // the cycle time of the first drop since open(), 0 if none
  std::int64_t damaged_frames = 0;    // undecodable frames deleted since open()
};

class Outbox {
 public:
  // Opens or creates the outbox at `path`. A file that is not SQLite, not an
  // outbox or of another version fails with kCorruption naming the file (see
  // move_aside()).
  static common::Result<std::unique_ptr<Outbox>> open(const std::string& path,
                                                      OutboxOptions options = {});
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // Renames a damaged outbox and its -wal and -shm files to
  // "<path>.damaged-<unix_ms>" so that a new one can be opened; returns the
  // new name. The outbox must not be open.
  static common::Result<std::string> move_aside(const std::string& path, std::int64_t unix_ms);

  // One cycle's points (series name, value), in one transaction. Non-finite
  // values are skipped; a cycle without any finite value adds nothing.
  // Cycle times are expected not to decrease (the bound is measured from the
  // newest one).
  common::Status append(std::int64_t t_ms,
                        const std::vector<std::pair<std::string, double>>& points);

  // At most `max_points` (≥ 1) of the oldest unsent points, oldest first,
  // or nothing when the outbox is empty. A frame larger than what is left of
  // the batch is split. Does not remove anything.
  common::Result<std::optional<Batch>> peek(std::size_t max_points);

  // Removes every point before `end` (a Batch's end). Removing again, or an
  // older position, changes nothing.
  common::Status remove_through(Position end);

  OutboxStats stats() const;
  const std::string& path() const { return path_; }

 private:
  Outbox(std::string path, OutboxOptions options);
  common::Status init();
  common::Status exec(const char* sql);
  common::Error sql_error(const std::string& what) const;
  common::Result<int> series_id(const std::string& name);
  common::Status drop_older_than(std::int64_t cutoff_ms, std::int64_t now_ms);
  common::Status refresh_counts();

  const std::string path_;
  const OutboxOptions options_;
  mutable std::mutex mutex_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, int> ids_;
  std::unordered_map<int, std::string> names_;
  OutboxStats stats_;
};

// The uplink's series name of a history key: a load's "load/<load>/<q>"
// becomes "<load>/<q>"; every other key is kept ("voltage/L1/v_ln").
std::string history_key_to_series(std::string_view history_key);

// `value` rounded to `decimals` (0..3) places, as the nearest double to
// that decimal: what the daemon appends for a series kept at that resolution
// (1 for W and var, 3 for Wh and Hz, 2 for V) so that it packs in a few
// bytes (docs/uplink-format.md). Values too large to round are returned as
// they are.
double round_to_decimals(double value, int decimals);

// The packing of a frame's points (docs/uplink-format.md), exposed for
// tests: encode_point() appends one point to `out`; decode_frame() reads
// `count` points and fails (kCorruption) on any malformed byte instead of
// reading past the end.
void encode_point(int series_id, double value, std::string& out);
common::Result<std::vector<std::pair<int, double>>> decode_frame(std::string_view data,
                                                                 std::int64_t count);

}  // namespace kirchhoff::mqtt::uplink
