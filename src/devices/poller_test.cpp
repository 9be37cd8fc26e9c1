#include "devices/poller.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

namespace kirchhoff::devices {
namespace {

// A driver whose answers the test scripts: up or down, and every setpoint
// it received.
class ScriptedDriver : public Driver {
 public:
  common::Result<Reading> poll(std::int64_t now_unix_ms) override {
    ++polls;
    if (!up.load()) {
      return common::make_error(common::ErrorKind::kIoError, "inverter: connection refused");
    }
    Reading r;
    r.unix_ms = now_unix_ms;
    r.power_w = 4200.0;
    std::lock_guard lock(mutex);
    r.limit_pct = limit;
    return r;
  }
  void reset() override { ++resets; }
  common::Status set_limit_pct(double pct) override {
    std::lock_guard lock(mutex);
    limit = pct;
    ++limit_writes;
    return common::Status::success();
  }

  std::atomic<bool> up{true};
  std::atomic<int> polls{0};
  std::atomic<int> resets{0};
  std::mutex mutex;
  double limit = 100.0;
  int limit_writes = 0;
};

// Waits (up to 10 s, then fails the test) for `condition`.
template <class F>
bool eventually(F condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

model::DeviceConfig config(int poll_ms) {
  model::DeviceConfig c;
  c.name = "Inverter";
  c.driver = "scripted";
  c.load = "Solar";
  c.poll_ms = poll_ms;
  return c;
}

TEST(DevicePoller, KeepsTheLatestReadingAndSendsChangedSetpointsOnce) {
  auto owned = std::make_unique<ScriptedDriver>();
  ScriptedDriver& driver = *owned;
  DevicePoller poller(steady_ms);
  const std::size_t i = poller.add(config(20), std::move(owned));
  EXPECT_EQ(poller.find_load("Solar"), i);
  EXPECT_FALSE(poller.find_load("Grid"));
  poller.start();
  ASSERT_TRUE(eventually([&] { return !poller.status(i).stale; }));
  EXPECT_EQ(poller.status(i).reading->power_w, 4200.0);
  Setpoint half;
  half.limit_pct = 50.0;
  poller.request(i, half);
  poller.request(i, half);  // the same again: nothing new to send
  ASSERT_TRUE(eventually([&] { return poller.status(i).reading->limit_pct == 50.0; }));
  const int polls = driver.polls.load();
  ASSERT_TRUE(eventually([&] { return driver.polls.load() >= polls + 3; }));
  std::lock_guard lock(driver.mutex);
  EXPECT_EQ(driver.limit_writes, 1);
}

TEST(DevicePoller, ADeviceThatStopsAnsweringGoesStaleAndRecoversByItself) {
  auto owned = std::make_unique<ScriptedDriver>();
  ScriptedDriver& driver = *owned;
  DevicePoller poller(steady_ms);
  const std::size_t i = poller.add(config(20), std::move(owned));
  poller.start();
  ASSERT_TRUE(eventually([&] { return poller.status(i).connected; }));
  driver.up = false;
  // Three polls without an answer: stale, with the driver's error kept.
  ASSERT_TRUE(eventually([&] { return poller.status(i).stale; }));
  const DeviceStatus down = poller.status(i);
  EXPECT_FALSE(down.connected);
  EXPECT_EQ(down.last_error, "inverter: connection refused");
  EXPECT_GE(down.failures, 1);
  EXPECT_GE(driver.resets.load(), 1);
  EXPECT_TRUE(down.reading.has_value());  // the last good one stays
  driver.up = true;
  ASSERT_TRUE(eventually([&] { return !poller.status(i).stale; }));
  EXPECT_TRUE(poller.status(i).last_error.empty());
}

TEST(DevicePoller, BacksOffWhileADeviceIsDown) {
  auto owned = std::make_unique<ScriptedDriver>();
  ScriptedDriver& driver = *owned;
  driver.up = false;
  DevicePoller poller(steady_ms);
  poller.add(config(20), std::move(owned));
  poller.start();
  // Waits of 20, 40, 80, 160, 320 ms after each failure: in the first 600 ms
  // at most 6 attempts, where a poller without back-off would make 30.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  poller.stop();
  EXPECT_LE(driver.polls.load(), 6);
  EXPECT_GE(driver.polls.load(), 2);
}

}  // namespace
}  // namespace kirchhoff::devices
