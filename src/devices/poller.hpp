// Runs device drivers on their own schedules, off the control cycle: one
// thread per device polls every `poll_ms`, applies the setpoints asked for
// since (and re-sends them every 30 s, for devices that fall back when not
// refreshed), and keeps the latest reading with its time. After a failure the
// driver is reset and the next attempt waits twice as long each time (up to
// 30 s); the device recovers by itself when it answers again. The cycle only
// reads snapshots of that state, so I/O never blocks it.
//
// A device is stale when its last good reading is older than three polls.
// Thread-safe: any thread may read status and queue setpoints.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "devices/driver.hpp"

namespace kirchhoff::devices {

// The setpoints wanted of one device; empty fields are not asked for.
struct Setpoint {
  std::optional<double> limit_pct;
  std::optional<std::optional<double>> battery_w;  // inner empty: released
  std::optional<double> current_a;
  std::optional<int> phases;
  std::optional<bool> relay;
  friend bool operator==(const Setpoint&, const Setpoint&) = default;
};

// What the poller knows of one device now.
struct DeviceStatus {
  std::string name;
  std::string driver;
  std::string load;
  int poll_ms = 1000;
  bool connected = false;          // the last poll succeeded
  bool stale = true;               // no good reading within three polls
  std::optional<Reading> reading;  // the last good one
  std::int64_t last_ok_ms = 0;     // when it was taken; 0 = never
  std::string last_error;          // empty after a good poll
  std::int64_t last_error_ms = 0;
  std::int64_t polls = 0;
  std::int64_t failures = 0;
  double last_poll_ms = 0.0;  // how long the last poll took
  double max_poll_ms = 0.0;
};

class DevicePoller {
 public:
  using ClockMs = std::function<std::int64_t()>;

  explicit DevicePoller(ClockMs clock);
  ~DevicePoller();
  DevicePoller(const DevicePoller&) = delete;
  DevicePoller& operator=(const DevicePoller&) = delete;

  // Adds a device before start(); returns its index.
  std::size_t add(const model::DeviceConfig& config, std::unique_ptr<Driver> driver);
  void start();
  void stop();

  std::size_t size() const { return slots_.size(); }
  DeviceStatus status(std::size_t index) const;
  std::vector<DeviceStatus> statuses() const;
  // Index of the device serving `load`, if any.
  std::optional<std::size_t> find_load(const std::string& load) const;
  // Merges `wanted` into what the device is asked for (fields given replace
  // the ones before); sent at its next poll if it changed.
  void request(std::size_t index, const Setpoint& wanted);

 private:
  struct Slot;
  void run(Slot& slot);

  ClockMs clock_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<bool> stopping_{false};
};

}  // namespace kirchhoff::devices
