// The daemon's planner service on hand-made cycles: it plans on its thread,
// learns each measured quarter hour, tells when a car will be ready, and
// raises no alarm while a plan is in force.
#include "daemon/planning_service.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "model/loader.hpp"

namespace kirchhoff::daemon {
namespace {

constexpr std::int64_t kStart = 1767225600;  // 2026-01-01T00:00Z, a quarter-hour start

control::ControlInput cycle_at(std::int64_t unix_s) {
  control::ControlInput in;
  in.now_ms = unix_s * 1000;
  in.measured_ms = in.now_ms - 1000;
  in.cycle_s = 1.0;
  in.v_ln = 230.0;
  in.main_breaker_a = 25.0;
  in.phase_count = 3;
  in.grid_w = 1000.0;  // the house draws 1 kW, no sun, battery idle
  in.battery.present = true;
  in.battery.soc_pct = 50.0;
  in.battery.max_charge_w = in.battery.max_discharge_w = 5000.0;
  in.battery.capacity_wh = 10000.0;
  control::EvInput ev;
  ev.name = "EV charger";
  ev.present = ev.plugged = true;
  ev.wired = {true, true, true};
  ev.max_a = 16.0;
  // 11 kWh by 07:00 UTC: 1 h at 11 kW, well within the night.
  ev.session = control::EvSession{kStart + 7 * 3600, 11000.0, kStart, 0.0, 0.0};
  ev.mode = model::EvMode::kPv;
  in.evs.push_back(ev);
  return in;
}

nlohmann::json wait_for_plan(const PlanningService& service, int replans) {
  for (int i = 0; i < 200; ++i) {
    nlohmann::json j = service.json();
    if (j["status"] == "ok" && j["replans"].get<int>() >= replans) {
      return j;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return service.json();
}

TEST(PlanningService, PlansLearnsAndSaysWhenTheCarIsReady) {
  auto installation =
      model::load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
  ASSERT_TRUE(installation.ok());
  PlanningService service(*installation);
  EXPECT_FALSE(service.alarm(kStart).active);  // nothing failed yet

  control::ControlInput in = cycle_at(kStart);
  service.on_cycle(in, installation->control.tariff);
  nlohmann::json plan = wait_for_plan(service, 1);
  ASSERT_EQ(plan["status"], "ok") << plan.dump();
  // The demo's tariff has no day-ahead prices: 36 h from the quarter hour.
  EXPECT_EQ(plan["slots"].size(), 144u);
  EXPECT_EQ(plan["start"], "2026-01-01T00:00:00Z");
  ASSERT_EQ(plan["cars"].size(), 1u);
  const auto& car = plan["cars"][0];
  EXPECT_TRUE(car["planned"].get<bool>());
  EXPECT_DOUBLE_EQ(car["need_kwh"].get<double>(), 11.0);
  EXPECT_NEAR(car["planned_kwh"].get<double>(), 11.0, 0.01);
  EXPECT_DOUBLE_EQ(car["unmet_kwh"].get<double>(), 0.0);
  ASSERT_TRUE(car["expected_finish"].is_string());
  EXPECT_LE(car["expected_finish"].get<std::string>(), std::string("2026-01-01T07:00:00Z"));
  EXPECT_FALSE(service.alarm(kStart).active);

  // A whole quarter hour of 1 kW, then the next one starts: the measured
  // quarter hour is in `actual` and a second plan is made.
  for (std::int64_t s = kStart + 1; s <= kStart + 900; ++s) {
    in = cycle_at(s);
    service.on_cycle(in, installation->control.tariff);
  }
  EXPECT_NE(in.plan, nullptr);  // the plan in force goes into the input
  plan = wait_for_plan(service, 2);
  ASSERT_EQ(plan["actual"].size(), 1u) << plan.dump();
  EXPECT_EQ(plan["actual"][0]["start"], "2026-01-01T00:00:00Z");
  EXPECT_DOUBLE_EQ(plan["actual"][0]["load_w"].get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(plan["actual"][0]["pv_w"].get<double>(), 0.0);
  EXPECT_EQ(plan["start"], "2026-01-01T00:15:00Z");
}

}  // namespace
}  // namespace kirchhoff::daemon
