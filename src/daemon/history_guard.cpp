#include "daemon/history_guard.hpp"

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "common/file.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "common/utf8.hpp"

namespace kirchhoff::daemon {

using common::ErrorKind;
using common::make_error;

namespace {

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 3'600'000;
// Room is made in steps of at least this much, so a disk that stays nearly
// full does not cost a drop of a few bytes every minute.
constexpr std::int64_t kMinDropBytes = 1 << 20;
constexpr const char* kDamagedInfix = ".damaged-";

std::string megabytes(std::int64_t bytes) {
  return common::fixed_number(static_cast<double>(bytes) / 1e6, 1) + " MB";
}

bool is_disk_full(const std::string& message) {
  // SQLite's SQLITE_FULL text, as the store passes it on.
  return message.find("database or disk is full") != std::string::npos;
}

}  // namespace

void take_max(RegisterValues& into, const RegisterValues& from) {
  for (const auto& [key, value] : from) {
    const auto [it, added] = into.emplace(key, value);
    if (!added) {
      it->second = std::max(it->second, value);
    }
  }
}

RegisterValues register_values(const snapshot::SiteSnapshot& snap) {
  RegisterValues out;
  for (const auto& load : snap.loads) {
    out["load/" + load.name + "/energy_import_wh"] = load.energy_import_wh;
    out["load/" + load.name + "/energy_export_wh"] = load.energy_export_wh;
  }
  return out;
}

common::Status save_registers(const std::string& path, const RegisterValues& values,
                              std::int64_t t_ms) {
  nlohmann::json registers = nlohmann::json::object();
  for (const auto& [key, value] : values) {
    registers[key] = value;
  }
  const nlohmann::json body = {{"version", 1}, {"t_ms", t_ms}, {"registers", registers}};
  return common::write_file_atomically(path, body.dump() + "\n", 0644);
}

common::Result<RegisterValues> load_registers(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) {
      return RegisterValues{};
    }
    return make_error(ErrorKind::kIoError, path + ": cannot read it: " + std::strerror(errno));
  }
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("registers") ||
      !json["registers"].is_object()) {
    return make_error(ErrorKind::kCorruption,
                      path + ": not a registers file (expected {\"registers\": {KEY: Wh}})");
  }
  RegisterValues out;
  for (const auto& [key, value] : json["registers"].items()) {
    if (!value.is_number() || !std::isfinite(value.get<double>())) {
      return make_error(ErrorKind::kCorruption,
                        path + ": the register " + key + " is not a number");
    }
    out[key] = value.get<double>();
  }
  return out;
}

store::StoreOptions store_options(const model::ServerConfig::History& settings) {
  store::StoreOptions options;
  // 1000 years: the store deletes raw data older than newest - retention.
  options.raw_retention_ms = settings.raw_ms > 0 ? settings.raw_ms : 1000LL * 365 * 86'400'000;
  for (std::size_t l = 0; l < 4; ++l) {
    options.rollup_retention_ms[l] = settings.rollup_ms[l];
  }
  return options;
}

api::UsageContext usage_context(const model::ServerConfig::History& settings,
                                const std::string& data_dir, std::int64_t min_free_bytes) {
  api::UsageContext context;
  context.raw_retention_ms = settings.raw_ms;
  for (std::size_t l = 0; l < 4; ++l) {
    context.rollup_retention_ms[l] = settings.rollup_ms[l];
  }
  if (auto space = file_system_space(data_dir)) {
    context.free_bytes = space->free_bytes;
    context.total_bytes = space->total_bytes;
    context.min_free_bytes = min_free_threshold(*space, min_free_bytes);
  }
  return context;
}

std::string damaged_name(const std::string& path, std::int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  return path + kDamagedInfix + stamp;
}

namespace {

// What reads of the counters of a moved damaged file. SQLite deletes a log it
// cannot use when a read-only connection closes (a 0-byte file's log
// included), so a file with a log is read from a copy of the pair and the
// moved log stays as it was; a 0-byte file has nothing SQLite can read.
void salvage(const std::string& moved, OpenedHistory& opened) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(moved, ec);
  if (ec || size == 0) {
    return;
  }
  std::string source = moved;
  const std::string copy = moved + ".salvage";
  const bool has_log = std::filesystem::exists(moved + "-wal", ec);
  if (has_log) {
    std::filesystem::copy_file(moved, copy, std::filesystem::copy_options::overwrite_existing, ec);
    if (!ec) {
      std::filesystem::copy_file(moved + "-wal", copy + "-wal",
                                 std::filesystem::copy_options::overwrite_existing, ec);
    }
    if (ec) {
      opened.warnings.push_back("nothing salvaged from " + moved +
                                ": cannot copy it: " + ec.message());
      std::filesystem::remove(copy, ec);
      std::filesystem::remove(copy + "-wal", ec);
      return;
    }
    source = copy;
  }
  if (auto salvaged = store::Store::salvage_counters(source)) {
    take_max(opened.floor, *salvaged);
  } else {
    opened.warnings.push_back("nothing salvaged from " + moved + ": " + salvaged.error().message);
  }
  if (has_log) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(copy + suffix, ec);
    }
  }
}

}  // namespace

common::Result<OpenedHistory> open_history(const std::string& history_path,
                                           const std::string& registers_path,
                                           const store::StoreOptions& options,
                                           std::int64_t now_ms) {
  OpenedHistory opened;
  auto registers = load_registers(registers_path);
  if (registers) {
    opened.floor = std::move(*registers);
  } else {
    opened.warnings.push_back(registers.error().message);
  }
  const auto verified = store::Store::verify(history_path);
  if (!verified) {
    if (verified.error().kind != ErrorKind::kCorruption) {
      return verified.error();  // not damage: nothing to move, nothing to start
    }
    opened.damage = verified.error().message;
    std::string target = damaged_name(history_path, now_ms);
    // Two damaged starts in one second: never over an earlier file.
    for (int n = 2; std::filesystem::exists(target); ++n) {
      target = damaged_name(history_path, now_ms) + "-" + std::to_string(n);
    }
    // The log and the shared-memory index go with the file, under SQLite's
    // names for them, so the moved pair still opens together.
    for (const char* suffix : {"-wal", "-shm", ""}) {
      const std::string from = history_path + suffix;
      std::error_code ec;
      if (!std::filesystem::exists(from, ec)) {
        continue;
      }
      std::filesystem::rename(from, target + suffix, ec);
      if (ec) {
        return make_error(ErrorKind::kIoError, history_path + " is damaged (" + opened.damage +
                                                   ") and cannot be moved aside to " + target +
                                                   suffix + ": " + ec.message());
      }
    }
    opened.moved_to = target;
    salvage(target, opened);
  }
  auto store = store::Store::open(history_path, options);
  if (!store) {
    return store.error();
  }
  opened.store = std::move(*store);
  return opened;
}

common::Result<SpaceInfo> file_system_space(const std::string& dir) {
  struct statvfs fs {};
  if (::statvfs(dir.c_str(), &fs) != 0) {
    return make_error(ErrorKind::kIoError,
                      dir + ": cannot read the free space: " + std::strerror(errno));
  }
  SpaceInfo info;
  info.free_bytes = static_cast<std::int64_t>(fs.f_bavail) * static_cast<std::int64_t>(fs.f_frsize);
  info.total_bytes =
      static_cast<std::int64_t>(fs.f_blocks) * static_cast<std::int64_t>(fs.f_frsize);
  return info;
}

std::int64_t min_free_threshold(const SpaceInfo& space, std::int64_t min_free_bytes) {
  return std::min(space.total_bytes / 20, min_free_bytes);
}

HistoryGuard::HistoryGuard(Options options, common::Logger& log)
    : options_(std::move(options)), log_(log) {}

void HistoryGuard::set_damaged(const std::string& damage, const std::string& moved_to) {
  std::lock_guard lock(mutex_);
  damage_ = damage;
  moved_to_ = moved_to;
  damaged_present_ = !moved_to.empty();
}

void HistoryGuard::flushed(const common::Status& status, std::int64_t now_ms,
                           std::int64_t dropped_points) {
  std::lock_guard lock(mutex_);
  if (status) {
    if (!disk_full_.empty() || !write_failed_.empty()) {
      log_.info("history written again",
                {{"after_s", std::to_string((now_ms - failing_since_ms_) / 1000)},
                 {"points_lost", std::to_string(dropped_points - dropped_at_failure_)}});
    }
    disk_full_.clear();
    write_failed_.clear();
    return;
  }
  const std::string& message = status.error().message;
  if (disk_full_.empty() && write_failed_.empty()) {
    failing_since_ms_ = now_ms;
    dropped_at_failure_ = dropped_points;
    log_.error("history not written", {{"reason", common::log_safe(message, 300)}});
  }
  const std::int64_t lost = dropped_points - dropped_at_failure_;
  const std::string since =
      " since " + common::format_utc_time(failing_since_ms_) +
      (lost > 0 ? " (" + std::to_string(lost) + " points older than an hour let go)" : "");
  if (is_disk_full(message)) {
    disk_full_ = "the data directory's disk is full: history not written" + since +
                 "; the last hour of points waits in memory and is written when space returns";
    write_failed_.clear();
  } else {
    write_failed_ = "history not written" + since + ": " + common::log_safe(message, 300) +
                    "; the last hour of points waits in memory and is written when it works again";
    disk_full_.clear();
  }
}

void HistoryGuard::find_damaged_files() {
  // Any earlier damaged history still beside the new one keeps the alarm:
  // someone has to take it off the box.
  const std::string prefix = options_.history_name + kDamagedInfix;
  std::string newest;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && !name.ends_with("-wal") && !name.ends_with("-shm")) {
      newest = std::max(newest, entry.path().string());
    }
  }
  std::lock_guard lock(mutex_);
  damaged_present_ = !newest.empty();
  if (damaged_present_ && moved_to_.empty()) {
    moved_to_ = newest;
  }
  if (!damaged_present_) {
    damage_.clear();
    moved_to_.clear();
  }
}

void HistoryGuard::make_room(store::Store& store, std::int64_t now_ms,
                             std::vector<store::Event>& events) {
  auto space = options_.space(options_.data_dir);
  if (!space) {
    log_.warning("free space unknown", {{"reason", space.error().message}});
    return;
  }
  const std::int64_t threshold = min_free_threshold(*space, options_.min_free_bytes);
  const auto reusable = store.reusable_bytes();
  const std::int64_t available = space->free_bytes + (reusable ? *reusable : 0);
  std::string low;
  if (space->free_bytes < threshold) {
    low = "the data directory's file system has " + megabytes(space->free_bytes) + " free of " +
          megabytes(space->total_bytes) + ", under " + megabytes(threshold);
  }
  if (available < threshold) {
    const std::int64_t want = std::max(threshold - available, kMinDropBytes);
    auto freed = store.drop_oldest_raw(want);
    if (!freed) {
      log_.warning("no room made", {{"reason", freed.error().message}});
    } else if (*freed > 0) {
      std::string from;
      if (auto usage = store.usage(); usage && usage->levels[0].oldest_ms > 0) {
        from = "; raw history now starts at " + common::format_utc_time(usage->levels[0].oldest_ms);
      }
      const std::string what = low + ": dropped " + megabytes(*freed) +
                               " of the oldest raw history (rollups kept)" + from;
      events.push_back({now_ms, "history", "", what});
      log_.warning("raw history dropped for space", {{"freed_bytes", std::to_string(*freed)}});
      low += ": the oldest raw history is dropped to make room (rollups kept)";
    } else {
      low += ": no raw history is left to drop";
    }
  }
  std::lock_guard lock(mutex_);
  space_ = *space;
  disk_low_ = low;
}

std::vector<store::Event> HistoryGuard::maintain(store::Store& store,
                                                 const snapshot::SiteSnapshot* latest,
                                                 std::int64_t now_ms) {
  std::vector<store::Event> events;
  if (now_ms < next_minute_ms_) {
    return events;
  }
  next_minute_ms_ = now_ms + kMinuteMs;
  if (latest != nullptr) {
    if (auto saved = save_registers(options_.registers_path, register_values(*latest), now_ms);
        !saved) {
      log_.warning("registers not saved", {{"reason", saved.error().message}});
    }
  }
  make_room(store, now_ms, events);
  find_damaged_files();
  if (now_ms >= next_hour_ms_) {
    next_hour_ms_ = now_ms + kHourMs;
    if (auto kept = store.apply_rollup_retention(now_ms); !kept) {
      log_.warning("rollup retention not applied", {{"reason", kept.error().message}});
    }
  }
  return events;
}

common::Status HistoryGuard::save_now(const snapshot::SiteSnapshot* latest, std::int64_t now_ms) {
  if (latest == nullptr) {
    return common::Status::success();
  }
  return save_registers(options_.registers_path, register_values(*latest), now_ms);
}

std::vector<AlarmCheck> HistoryGuard::alarms() const {
  std::lock_guard lock(mutex_);
  std::string damaged;
  if (damaged_present_) {
    damaged = damage_.empty()
                  ? "a damaged history was moved aside to " + moved_to_ +
                        " (the events at that start say why)"
                  : common::log_safe(damage_, 400) + "; it was moved aside to " + moved_to_ +
                        " and a new history started; the energy registers continue";
  }
  return {
      {"history-damaged", damaged_present_, damaged},
      {"history-write-failed", !write_failed_.empty(), write_failed_},
      {"disk-full", !disk_full_.empty(), disk_full_},
      {"disk-low", !disk_low_.empty(), disk_low_},
  };
}

std::string HistoryGuard::state() const {
  std::lock_guard lock(mutex_);
  if (!disk_full_.empty()) {
    return "disk-full";
  }
  if (!write_failed_.empty()) {
    return "write-failing";
  }
  if (damaged_present_) {
    return "damaged-moved";
  }
  if (!disk_low_.empty()) {
    return "disk-low";
  }
  return "ok";
}

SpaceInfo HistoryGuard::space() const {
  std::lock_guard lock(mutex_);
  return space_;
}

}  // namespace kirchhoff::daemon
