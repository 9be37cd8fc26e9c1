// The plan follower's decisions for one plan slot, from hand-made plans
// whose values and prices make each branch's answer plain arithmetic.
#include <gtest/gtest.h>

#include <memory>

#include "control/controllers.hpp"

namespace kirchhoff::control {
namespace {

constexpr std::int64_t kStart = 1767225600;  // 2026-01-01T00:00Z, a slot start

std::shared_ptr<planner::Plan> one_slot(double value, double battery_w, double grid_w,
                                        double car_w = 0.0) {
  auto plan = std::make_shared<planner::Plan>();
  plan->ok = true;
  plan->start_unix_s = kStart;
  plan->slot_s = 900;
  plan->battery.present = true;
  plan->battery.charge_efficiency = plan->battery.discharge_efficiency = 0.95;
  plan->battery.wear_per_kwh = 0.01;
  planner::PlanSlot slot;
  slot.import_price = 0.30;
  slot.export_price = 0.05;
  slot.stored_value_per_kwh = value;
  slot.battery_w = battery_w;
  slot.grid_w = grid_w;
  slot.car_w = {car_w};
  plan->slots.push_back(slot);
  plan->car_planned = {car_w > 0.0};
  return plan;
}

ControlInput site(double grid_w, std::shared_ptr<planner::Plan> plan) {
  ControlInput in;
  in.now_ms = kStart * 1000;
  in.grid_w = grid_w;
  in.battery.present = true;
  in.battery.soc_pct = 50.0;
  in.battery.max_charge_w = in.battery.max_discharge_w = 5000.0;
  in.battery.capacity_wh = 10000.0;
  in.plan = std::move(plan);
  return in;
}

TEST(PlanFollower, CoversImportWhenStoredEnergyIsWorthLessThanTheImportPrice) {
  // Value 0.20: covering costs 0.20 / 0.95 + 0.01 = 0.2205 < 0.30.
  PlanFollower follower(model::ControlConfig{});
  const Request r = follower.decide(site(1200.0, one_slot(0.20, 0.0, 0.0)));
  EXPECT_DOUBLE_EQ(*r.battery_w.want, 1200.0);
  EXPECT_TRUE(r.battery_w.weak);
}

TEST(PlanFollower, KeepsTheBatteryForADearerHour) {
  // Value 0.35: covering would cost 0.3784 > 0.30: the grid covers the house.
  PlanFollower follower(model::ControlConfig{});
  const Request r = follower.decide(site(1200.0, one_slot(0.35, 0.0, 1200.0)));
  EXPECT_DOUBLE_EQ(*r.battery_w.want, 0.0);
}

TEST(PlanFollower, StoresSurplusWorthMoreThanItsExport) {
  // Value 0.20: storing gives 0.20 * 0.95 - 0.01 = 0.18 > 0.05 export.
  PlanFollower follower(model::ControlConfig{});
  const Request r = follower.decide(site(-2500.0, one_slot(0.20, -2000.0, 0.0)));
  EXPECT_DOUBLE_EQ(*r.battery_w.want, -2500.0);
}

TEST(PlanFollower, ExportsSurplusWhenTheBatteryWillFillAnyway) {
  // Value 0.05: storing gives 0.0375 < 0.05 export: the surplus goes out.
  PlanFollower follower(model::ControlConfig{});
  const Request r = follower.decide(site(-2500.0, one_slot(0.05, 0.0, -2500.0)));
  EXPECT_DOUBLE_EQ(*r.battery_w.want, 0.0);
}

TEST(PlanFollower, OnATieThePlansDirectionDecides) {
  // Value 0.30 * 0.95 - 0.0095 = 0.2755: covering costs exactly 0.30.
  const double tie = (0.30 - 0.01) * 0.95;
  PlanFollower discharging(model::ControlConfig{});
  EXPECT_DOUBLE_EQ(*discharging.decide(site(800.0, one_slot(tie, 800.0, 0.0))).battery_w.want,
                   800.0);
  PlanFollower holding(model::ControlConfig{});
  EXPECT_DOUBLE_EQ(*holding.decide(site(800.0, one_slot(tie, 0.0, 800.0))).battery_w.want, 0.0);
}

TEST(PlanFollower, ChargesFromTheGridAtThePlannedPower) {
  PlanFollower follower(model::ControlConfig{});
  const Request r = follower.decide(site(500.0, one_slot(0.40, -3000.0, 3500.0)));
  EXPECT_DOUBLE_EQ(*r.battery_w.want, -3000.0);
}

TEST(PlanFollower, IgnoresTinyImbalances) {
  // Under the battery's deadband (100 W by default) nothing moves.
  PlanFollower follower(model::ControlConfig{});
  EXPECT_DOUBLE_EQ(*follower.decide(site(60.0, one_slot(0.20, 0.0, 0.0))).battery_w.want, 0.0);
}

EvInput plugged_car(std::int64_t departure_unix_s) {
  EvInput ev;
  ev.name = "EV";
  ev.present = ev.plugged = true;
  ev.wired = {true, true, true};
  ev.max_a = 16.0;
  ev.session = EvSession{departure_unix_s, 20000.0, kStart, 0.0, 11000.0};
  ev.mode = model::EvMode::kPv;
  return ev;
}

TEST(PlanFollower, GivesACarItsSlotsEnergyByTheSlotsEnd) {
  // 6900 W planned for the quarter hour: 1725 Wh in 900 s at 230 V on 3
  // phases is 6900 / 690 = 10 A.
  PlanFollower follower(model::ControlConfig{});
  ControlInput in = site(0.0, one_slot(0.20, 0.0, 6900.0, 6900.0));
  in.v_ln = 230.0;
  in.evs.push_back(plugged_car(kStart + 8 * 3600));
  const Request r = follower.decide(in);
  EXPECT_NEAR(*r.ev_a[0].want, 10.0, 1e-9);
}

TEST(PlanFollower, HurriesWhenTheCarLeavesBeforeTheSlotEnds) {
  // The same energy, but the car leaves after 450 s: twice the current.
  PlanFollower follower(model::ControlConfig{});
  ControlInput in = site(0.0, one_slot(0.20, 0.0, 3450.0, 3450.0));
  in.v_ln = 230.0;
  in.evs.push_back(plugged_car(kStart + 450));
  const Request r = follower.decide(in);
  EXPECT_NEAR(*r.ev_a[0].want, 10.0, 1e-9);  // 862.5 Wh in 450 s = 6900 W
}

TEST(PlanFollower, ACarAtLessThanItsMinimumChargesAtTheMinimumUntilDone) {
  // 1000 W planned (250 Wh): 6 A on 3 phases (4140 W) until 250 Wh are in.
  PlanFollower follower(model::ControlConfig{});
  ControlInput in = site(0.0, one_slot(0.20, 0.0, 1000.0, 1000.0));
  in.v_ln = 230.0;
  in.evs.push_back(plugged_car(kStart + 8 * 3600));
  EXPECT_DOUBLE_EQ(*follower.decide(in).ev_a[0].want, 6.0);
  // After 218 s at 4140 W: 250.7 Wh delivered, nothing left to give.
  in.evs[0].power_w = 4140.0;
  in.cycle_s = 218.0;
  in.now_ms += 218'000;
  EXPECT_DOUBLE_EQ(*follower.decide(in).ev_a[0].want, 0.0);
}

TEST(PlanFollower, WithoutAPlanTheRulesDecide) {
  PlanFollower follower(model::ControlConfig{});
  ControlInput in = site(1000.0, nullptr);
  EXPECT_TRUE(follower.decide(in).battery_w.empty());
  EXPECT_FALSE(plan_steers_battery(in));
  // A plan that has run out is no plan either.
  in = site(1000.0, one_slot(0.2, 0.0, 0.0));
  in.now_ms = (kStart + 900) * 1000;
  EXPECT_TRUE(follower.decide(in).battery_w.empty());
}

}  // namespace
}  // namespace kirchhoff::control
