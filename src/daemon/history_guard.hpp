// The history seen from the daemon (docs/storage-faults.md): history.db is
// checked before it is opened and moved aside when damaged (never deleted);
// the energy registers are kept in a small file as well, so they never go
// back; failed writes and a filling disk are alarms; when free space runs
// low the oldest raw data makes room.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/history_api.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "daemon/alarms.hpp"
#include "model/installation.hpp"
#include "snapshot/snapshot.hpp"
#include "store/store.hpp"

namespace kirchhoff::daemon {

// Energy registers by their history keys ("load/Grid/energy_import_wh"), Wh.
using RegisterValues = std::map<std::string, double>;

// Keeps the larger value of each key of both.
void take_max(RegisterValues& into, const RegisterValues& from);
// The load registers of a snapshot (import and export of each load).
RegisterValues register_values(const snapshot::SiteSnapshot& snap);

// registers.json (docs/storage-faults.md): replaced atomically (temporary
// file, fsync, rename). load_registers() reads a missing file as no values
// and a damaged one as kCorruption.
common::Status save_registers(const std::string& path, const RegisterValues& values,
                              std::int64_t t_ms);
common::Result<RegisterValues> load_registers(const std::string& path);

// The store's options for the installation's history settings ("forever"
// raw data is a retention longer than any box lives).
store::StoreOptions store_options(const model::ServerConfig::History& settings);
// The retention and the data directory's space for a usage report.
api::UsageContext usage_context(const model::ServerConfig::History& settings,
                                const std::string& data_dir, std::int64_t min_free_bytes);

// Where a damaged `path` goes: "PATH.damaged-20261205T005200Z" (UTC).
std::string damaged_name(const std::string& path, std::int64_t unix_ms);

struct OpenedHistory {
  std::unique_ptr<store::Store> store;
  // Why the old file was moved aside, and where to; both empty when it was
  // sound.
  std::string damage;
  std::string moved_to;
  // What the registers must not go under: the largest of the damaged file's
  // readable counters and the registers file's values.
  RegisterValues floor;
  // Problems that did not stop the start (an unreadable registers file), for
  // the log.
  std::vector<std::string> warnings;
};

// Checks `history_path` (Store::verify); a damaged file and its -wal and -shm
// are renamed to damaged_name(history_path, now_ms) (+ "-wal", "-shm"), what
// reads of it is salvaged, and a new store starts. A file of an unsupported
// version or one that cannot be read is an error: the daemon does not start
// and nothing is moved.
common::Result<OpenedHistory> open_history(const std::string& history_path,
                                           const std::string& registers_path,
                                           const store::StoreOptions& options, std::int64_t now_ms);

struct SpaceInfo {
  std::int64_t free_bytes = 0;  // available to this (unprivileged) process
  std::int64_t total_bytes = 0;
};
// statvfs of the file system `dir` is on.
common::Result<SpaceInfo> file_system_space(const std::string& dir);
// The free space under which retention drops raw data: the smaller of 5 %
// of the file system and `min_free_bytes`.
std::int64_t min_free_threshold(const SpaceInfo& space, std::int64_t min_free_bytes);

// The history's run-time state: flush results, free space, the registers
// file. One per daemon; every method but state() and alarms() runs on the
// cycle's thread; those two are thread-safe (the health endpoint).
class HistoryGuard {
 public:
  struct Options {
    std::string data_dir;
    std::string history_name = "history.db";
    std::string registers_path;
    std::int64_t min_free_bytes = 200LL * 1000 * 1000;
    std::function<common::Result<SpaceInfo>(const std::string&)> space = file_system_space;
  };
  HistoryGuard(Options options, common::Logger& log);

  // The start found the history damaged and moved it aside.
  void set_damaged(const std::string& damage, const std::string& moved_to);
  // Each flush's result: a failure raises disk-full ("database or disk is
  // full") or history-write-failed at once; a success clears both.
  // `dropped_points`: the store's count of unwritten points it let go (it
  // keeps an hour of them in memory while writing fails).
  void flushed(const common::Status& status, std::int64_t now_ms, std::int64_t dropped_points = 0);
  // Once a minute of `now_ms` (the first call runs at once): saves the
  // registers of `latest` (may be null), checks free space and makes room,
  // looks for moved damaged files, and once an hour applies rollup
  // retention. Returns events for the history.
  std::vector<store::Event> maintain(store::Store& store, const snapshot::SiteSnapshot* latest,
                                     std::int64_t now_ms);
  // At stop: the registers file with the last values.
  common::Status save_now(const snapshot::SiteSnapshot* latest, std::int64_t now_ms);

  // history-damaged, history-write-failed, disk-full and disk-low.
  std::vector<AlarmCheck> alarms() const;
  // "disk-full", "write-failing", "damaged-moved", "disk-low" or "ok".
  std::string state() const;
  // The space of the last check (zero before the first).
  SpaceInfo space() const;
  std::int64_t min_free_bytes() const { return options_.min_free_bytes; }

 private:
  void make_room(store::Store& store, std::int64_t now_ms, std::vector<store::Event>& events);
  void find_damaged_files();

  Options options_;
  common::Logger& log_;
  std::int64_t next_minute_ms_ = 0;
  std::int64_t next_hour_ms_ = 0;
  mutable std::mutex mutex_;  // guards what follows
  std::string damage_;
  std::string moved_to_;
  bool damaged_present_ = false;
  std::string disk_full_;     // the failing flush's message, empty when none
  std::string write_failed_;  // likewise
  std::int64_t failing_since_ms_ = 0;
  std::int64_t dropped_at_failure_ = 0;  // the store's dropped points when failing began
  std::string disk_low_;
  SpaceInfo space_;
};

}  // namespace kirchhoff::daemon
