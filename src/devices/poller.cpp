#include "devices/poller.hpp"

#include <algorithm>
#include <chrono>

namespace kirchhoff::devices {

namespace {

constexpr std::int64_t kMaxBackoffMs = 30'000;
constexpr std::int64_t kResendMs = 30'000;
constexpr int kStalePolls = 3;

}  // namespace

struct DevicePoller::Slot {
  model::DeviceConfig config;
  std::unique_ptr<Driver> driver;
  std::thread thread;
  mutable std::mutex mutex;
  std::condition_variable wake;
  DeviceStatus status;
  Setpoint wanted;
  Setpoint sent;
  bool dirty = false;
  std::int64_t sent_ms = 0;
};

DevicePoller::DevicePoller(ClockMs clock) : clock_(std::move(clock)) {}

DevicePoller::~DevicePoller() { stop(); }

std::size_t DevicePoller::add(const model::DeviceConfig& config, std::unique_ptr<Driver> driver) {
  auto slot = std::make_unique<Slot>();
  slot->config = config;
  slot->driver = std::move(driver);
  slot->status.name = config.name;
  slot->status.driver = config.driver;
  slot->status.load = config.load;
  slot->status.poll_ms = config.poll_ms;
  slots_.push_back(std::move(slot));
  return slots_.size() - 1;
}

void DevicePoller::start() {
  for (auto& slot : slots_) {
    Slot* s = slot.get();
    s->thread = std::thread([this, s] { run(*s); });
  }
}

void DevicePoller::stop() {
  stopping_.store(true);
  for (auto& slot : slots_) {
    { std::lock_guard lock(slot->mutex); }
    slot->wake.notify_all();
  }
  for (auto& slot : slots_) {
    if (slot->thread.joinable()) {
      slot->thread.join();
    }
  }
}

DeviceStatus DevicePoller::status(std::size_t index) const {
  const Slot& slot = *slots_.at(index);
  std::lock_guard lock(slot.mutex);
  DeviceStatus out = slot.status;
  const std::int64_t now = clock_();
  out.stale = out.last_ok_ms == 0 ||
              now - out.last_ok_ms > static_cast<std::int64_t>(kStalePolls) * out.poll_ms;
  return out;
}

std::vector<DeviceStatus> DevicePoller::statuses() const {
  std::vector<DeviceStatus> out;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    out.push_back(status(i));
  }
  return out;
}

std::optional<std::size_t> DevicePoller::find_load(const std::string& load) const {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (!load.empty() && slots_[i]->config.load == load) {
      return i;
    }
  }
  return std::nullopt;
}

void DevicePoller::request(std::size_t index, const Setpoint& wanted) {
  Slot& slot = *slots_.at(index);
  std::lock_guard lock(slot.mutex);
  Setpoint merged = slot.wanted;
  if (wanted.limit_pct) {
    merged.limit_pct = wanted.limit_pct;
  }
  if (wanted.battery_w) {
    merged.battery_w = wanted.battery_w;
  }
  if (wanted.current_a) {
    merged.current_a = wanted.current_a;
  }
  if (wanted.phases) {
    merged.phases = wanted.phases;
  }
  if (wanted.relay) {
    merged.relay = wanted.relay;
  }
  if (!(merged == slot.wanted)) {
    slot.wanted = merged;
    slot.dirty = true;
  }
}

void DevicePoller::run(Slot& slot) {
  std::int64_t backoff_ms = 0;
  auto next = std::chrono::steady_clock::now();
  while (!stopping_.load()) {
    // Setpoints first: what was asked since the last poll, or everything
    // again when it is time to refresh the device's watchdog.
    Setpoint send;
    bool resend = false;
    {
      std::lock_guard lock(slot.mutex);
      resend = slot.sent_ms > 0 && clock_() - slot.sent_ms >= kResendMs;
      if (slot.dirty || resend) {
        send = slot.wanted;
        slot.dirty = false;
      }
    }
    std::string write_error;
    auto note = [&](const common::Status& s) {
      if (!s && s.error().kind != common::ErrorKind::kUnsupported && write_error.empty()) {
        write_error = s.error().message;
      }
    };
    if (send.limit_pct) {
      note(slot.driver->set_limit_pct(*send.limit_pct));
    }
    if (send.battery_w) {
      note(slot.driver->set_battery_power_w(*send.battery_w));
    }
    if (send.current_a) {
      note(slot.driver->set_current_limit_a(*send.current_a));
    }
    if (send.phases) {
      note(slot.driver->set_phases(*send.phases));
    }
    if (send.relay) {
      note(slot.driver->set_relay(*send.relay));
    }
    const auto started = std::chrono::steady_clock::now();
    auto reading = slot.driver->poll(clock_());
    const double took_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    bool failed = !reading || !write_error.empty();
    {
      std::lock_guard lock(slot.mutex);
      ++slot.status.polls;
      slot.status.last_poll_ms = took_ms;
      slot.status.max_poll_ms = std::max(slot.status.max_poll_ms, took_ms);
      if (reading) {
        slot.status.reading = *reading;
        slot.status.last_ok_ms = clock_();
      }
      if (failed) {
        ++slot.status.failures;
        slot.status.connected = reading.ok();
        slot.status.last_error = reading ? write_error : reading.error().message;
        slot.status.last_error_ms = clock_();
        // A write that did not arrive is tried again at the next poll.
        if (!write_error.empty()) {
          slot.dirty = true;
        }
      } else {
        slot.status.connected = true;
        slot.status.last_error.clear();
        if (send.limit_pct || send.battery_w || send.current_a || send.phases || send.relay) {
          slot.sent = send;
          slot.sent_ms = clock_();
        }
      }
    }
    if (!reading) {
      slot.driver->reset();
      // Back-off: twice the wait after each failure in a row, up to 30 s.
      backoff_ms = backoff_ms == 0 ? slot.config.poll_ms
                                   : std::min<std::int64_t>(backoff_ms * 2, kMaxBackoffMs);
      next = std::chrono::steady_clock::now() + std::chrono::milliseconds(backoff_ms);
    } else {
      backoff_ms = 0;
      next += std::chrono::milliseconds(slot.config.poll_ms);
      const auto now = std::chrono::steady_clock::now();
      if (next < now) {
        next = now;  // a slow device does not try to catch up
      }
    }
    std::unique_lock lock(slot.mutex);
    slot.wake.wait_until(lock, next, [&] { return stopping_.load(); });
  }
}

}  // namespace kirchhoff::devices
