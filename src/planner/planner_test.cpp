// The planner's linear program on problems small enough to solve by hand.
// Slots of an hour make the energies equal to the powers in kW.
#include <gtest/gtest.h>

#include <random>

#include "planner/planner.hpp"
#include "planner/site_problem.hpp"

namespace kirchhoff::planner {
namespace {

PlanProblem hours(std::vector<double> load_w, std::vector<double> import_price,
                  double export_price = 0.0) {
  PlanProblem p;
  p.slot_s = 3600;
  for (std::size_t t = 0; t < load_w.size(); ++t) {
    p.slots.push_back({load_w[t], 0.0, import_price[t], export_price, 0});
  }
  return p;
}

BatteryModel battery(double efficiency) {
  BatteryModel b;
  b.present = true;
  b.capacity_wh = 10000.0;
  b.soc_wh = 0.0;
  b.min_wh = 0.0;
  b.max_wh = 10000.0;
  b.max_charge_w = 5000.0;
  b.max_discharge_w = 5000.0;
  b.charge_efficiency = efficiency;
  b.discharge_efficiency = efficiency;
  b.wear_per_kwh = 0.0;
  return b;
}

TEST(Planner, ChargesWhenCheapForTheDearHour) {
  // 1 kW of load in two hours at 0.10 and 0.30. Covering the second hour
  // from the battery at 90 % each way takes 1 / 0.9 / 0.9 = 1.2346 kWh
  // bought at 0.10 = 0.12346, less than 0.30: cost 0.10 + 0.12346.
  PlanProblem p = hours({1000.0, 1000.0}, {0.10, 0.30});
  p.battery = battery(0.9);
  Planner planner;
  const Plan plan = planner.solve(p);
  ASSERT_TRUE(plan.ok) << plan.error;
  EXPECT_NEAR(plan.objective, 0.10 + 0.1 / 0.81, 1e-6);
  EXPECT_NEAR(plan.slots[0].battery_w, -1000.0 / 0.81, 1e-3);
  EXPECT_NEAR(plan.slots[0].grid_w, 1000.0 + 1000.0 / 0.81, 1e-3);
  EXPECT_NEAR(plan.slots[1].battery_w, 1000.0, 1e-3);
  EXPECT_NEAR(plan.slots[1].grid_w, 0.0, 1e-3);
  EXPECT_NEAR(plan.slots[1].soc_wh, 0.0, 1e-3);
  // A kWh stored in either hour saves 1 / 0.9 kWh bought at 0.10.
  EXPECT_NEAR(plan.slots[0].stored_value_per_kwh, 0.10 / 0.9, 1e-6);
  EXPECT_NEAR(plan.slots[1].stored_value_per_kwh, 0.10 / 0.9, 1e-6);
}

TEST(Planner, KeepsTheBatteryWhenTheSpreadDoesNotPayTheLosses) {
  // 0.25 then 0.30: 1.2346 kWh at 0.25 = 0.309 > 0.30, so no cycling.
  PlanProblem p = hours({1000.0, 1000.0}, {0.25, 0.30});
  p.battery = battery(0.9);
  const Plan plan = Planner().solve(p);
  ASSERT_TRUE(plan.ok);
  EXPECT_NEAR(plan.objective, 0.55, 1e-9);
  EXPECT_NEAR(plan.slots[0].battery_w, 0.0, 1e-6);
}

TEST(Planner, ChargesTheCarInTheCheapestHoursBeforeItLeaves) {
  // The car is there in hours 1 and 2 and needs 10 kWh; hour 2 is cheapest
  // of the two (0.10) and 11 kW fit: all of it then, cost 1.00.
  PlanProblem p = hours({0.0, 0.0, 0.0, 0.0}, {0.30, 0.20, 0.10, 0.05});
  p.cars.push_back({"car", 11000.0, {{1, 2, 1.0, 1.0, 10000.0}}});
  const Plan plan = Planner().solve(p);
  ASSERT_TRUE(plan.ok);
  EXPECT_NEAR(plan.objective, 1.00, 1e-9);
  EXPECT_NEAR(plan.slots[2].car_w[0], 10000.0, 1e-3);
  EXPECT_NEAR(plan.slots[1].car_w[0], 0.0, 1e-3);
  EXPECT_NEAR(plan.slots[3].car_w[0], 0.0, 1e-3);  // gone by then, though cheaper
  EXPECT_NEAR(plan.car_unmet_wh[0], 0.0, 1e-6);
}

TEST(Planner, ReportsWhatADeadlineCannotGet) {
  // 30 kWh in two hours at 11 kW: 22 kWh, 8 kWh unmet.
  PlanProblem p = hours({0.0, 0.0}, {0.30, 0.30});
  p.cars.push_back({"car", 11000.0, {{0, 1, 1.0, 1.0, 30000.0}}});
  const Plan plan = Planner().solve(p);
  ASSERT_TRUE(plan.ok);
  EXPECT_NEAR(plan.car_unmet_wh[0], 8000.0, 1e-3);
  EXPECT_NEAR(plan.slots[0].car_w[0] + plan.slots[1].car_w[0], 22000.0, 1e-3);
}

TEST(Planner, PartialSlotsBoundTheCarsPower) {
  // Plugged in for the last quarter of hour 0 and the first half of hour 1:
  // at most 11 * 0.25 + 11 * 0.5 = 8.25 kWh of the 9 wanted.
  PlanProblem p = hours({0.0, 0.0}, {0.30, 0.30});
  p.cars.push_back({"car", 11000.0, {{0, 1, 0.25, 0.5, 9000.0}}});
  const Plan plan = Planner().solve(p);
  ASSERT_TRUE(plan.ok);
  EXPECT_NEAR(plan.car_unmet_wh[0], 750.0, 1e-3);
}

TEST(Planner, SpreadsTheCarUnderACapacityTariff) {
  // 8 kWh over two hours at a flat 0.30 and 4 per kW of monthly peak: 4 kW
  // in each hour (peak 4 kW) costs 2.40 + 16 = 18.40; 8 kW in one would
  // cost 2.40 + 32.
  PlanProblem p = hours({0.0, 0.0}, {0.30, 0.30});
  p.cars.push_back({"car", 11000.0, {{0, 1, 1.0, 1.0, 8000.0}}});
  p.capacity_per_kw_month = 4.0;
  const Plan plan = Planner().solve(p);
  ASSERT_TRUE(plan.ok);
  EXPECT_NEAR(plan.objective, 18.40, 1e-6);
  EXPECT_NEAR(plan.slots[0].grid_w, 4000.0, 1e-3);
  EXPECT_NEAR(plan.slots[1].grid_w, 4000.0, 1e-3);
}

TEST(Planner, APeakAlreadyBilledIsFreeToUse) {
  // The month's peak is 8 kW already: the car may take 8 kW in the cheaper
  // hour at no capacity cost: 8 * 0.20 = 1.60.
  PlanProblem p = hours({0.0, 0.0}, {0.30, 0.20});
  p.cars.push_back({"car", 11000.0, {{0, 1, 1.0, 1.0, 8000.0}}});
  p.capacity_per_kw_month = 4.0;
  p.capacity_billed_w = 8000.0;
  const Plan plan = Planner().solve(p);
  ASSERT_TRUE(plan.ok);
  EXPECT_NEAR(plan.objective, 1.60, 1e-6);
}

TEST(Planner, CurtailsRatherThanPayToExport) {
  // 5 kW of sun, 1 kW of load, exporting costs 0.10 per kWh: use 1 kW of PV.
  PlanProblem p = hours({1000.0}, {0.30}, -0.10);
  p.slots[0].pv_w = 5000.0;
  const Plan plan = Planner().solve(p);
  ASSERT_TRUE(plan.ok);
  EXPECT_NEAR(plan.slots[0].pv_w, 1000.0, 1e-3);
  EXPECT_NEAR(plan.slots[0].grid_w, 0.0, 1e-3);
  EXPECT_NEAR(plan.objective, 0.0, 1e-9);
}

TEST(Planner, RespectsTheBreakerAndTheExportLimit) {
  // The car wants 20 kWh in an hour; the breaker leaves 12 kW with 3 kW of
  // load: 9 kWh, 11 unmet. 6 kW of PV with 1 kW exportable: 2 kW curtailed
  // in the second hour (3 kW of load).
  PlanProblem p = hours({3000.0, 3000.0}, {0.30, 0.30}, 0.05);
  p.import_max_w = 12000.0;
  p.export_max_w = 1000.0;
  p.slots[1].pv_w = 6000.0;
  p.cars.push_back({"car", 22000.0, {{0, 0, 1.0, 1.0, 20000.0}}});
  const Plan plan = Planner().solve(p);
  ASSERT_TRUE(plan.ok);
  EXPECT_NEAR(plan.slots[0].car_w[0], 9000.0, 1e-3);
  EXPECT_NEAR(plan.car_unmet_wh[0], 11000.0, 1e-3);
  EXPECT_NEAR(plan.slots[1].grid_w, -1000.0, 1e-3);
  EXPECT_NEAR(plan.slots[1].pv_w, 4000.0, 1e-3);
}

TEST(Planner, WarmStartGivesTheSameAnswer) {
  // The horizon moves on by a slot: the warm-started solve must find the
  // same optimum as a cold one.
  Planner warm;
  for (int shift = 0; shift < 6; ++shift) {
    PlanProblem p;
    p.slot_s = 900;
    p.start_unix_s = std::int64_t{shift} * 900;
    for (int t = 0; t < 96; ++t) {
      const int q = (t + shift) % 96;
      p.slots.push_back({500.0 + 10.0 * (q % 7), q > 30 && q < 60 ? 3000.0 : 0.0,
                         0.2 + 0.1 * ((q / 8) % 3), 0.05, 0});
    }
    p.battery = battery(0.95);
    p.battery.soc_wh = 5000.0;
    p.battery.terminal_value_per_kwh = 0.15;
    const Plan cold = Planner().solve(p);
    const Plan hot = warm.solve(p);
    ASSERT_TRUE(cold.ok && hot.ok);
    EXPECT_NEAR(hot.objective, cold.objective, 1e-6) << "shift " << shift;
  }
  EXPECT_EQ(warm.stats().solves, 6);
  EXPECT_EQ(warm.stats().failures, 0);
}

TEST(PlannerProperty, EveryPlanKeepsThePhysicsAndTheLimits) {
  // Random days (load, sun, prices down to negative, a battery in any state,
  // cars with any deadline): whatever the optimum, each plan must balance,
  // keep the stored energy's dynamics and bounds, the powers' limits, the
  // breaker and export limits, and give each car its need or say what is unmet.
  std::mt19937 rng(20261204);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Planner planner;
  for (int round = 0; round < 40; ++round) {
    PlanProblem p;
    p.start_unix_s = std::int64_t{round} * 900;
    const int n = 96 + static_cast<int>(u(rng) * 96);
    for (int t = 0; t < n; ++t) {
      const double price = -0.05 + 0.45 * u(rng);
      p.slots.push_back(
          {3000.0 * u(rng), 6000.0 * u(rng) * u(rng), price, price - 0.02 - 0.1 * u(rng), 0});
    }
    p.battery = battery(0.9 + 0.09 * u(rng));
    p.battery.soc_wh = 10000.0 * u(rng);
    p.battery.min_wh = 1000.0;
    p.battery.max_wh = 9500.0;
    p.battery.terminal_value_per_kwh = 0.2 * u(rng);
    p.import_max_w = 8000.0 + 8000.0 * u(rng);
    p.export_max_w = 2000.0 + 8000.0 * u(rng);
    FlexibleDevice car{"car", 3700.0 + 7300.0 * u(rng), {}};
    const int first = static_cast<int>(u(rng) * n / 2);
    const int last = std::min(n - 1, first + static_cast<int>(u(rng) * 40));
    car.needs.push_back({first, last, u(rng), u(rng), 40000.0 * u(rng)});
    p.cars.push_back(car);
    p.capacity_per_kw_month = round % 2 == 0 ? 4.0 : 0.0;
    const Plan plan = planner.solve(p);
    ASSERT_TRUE(plan.ok) << plan.error;
    const double eta = p.battery.charge_efficiency;
    double soc = p.battery.soc_wh;
    double car_wh = 0.0;
    for (int t = 0; t < n; ++t) {
      const PlanSlot& s = plan.slots[t];
      const double car_w = s.car_w[0];
      // Balance: grid = load + car - PV used - battery (W, to solver tolerance).
      EXPECT_NEAR(s.grid_w, p.slots[t].load_w + car_w - s.pv_w - s.battery_w, 1e-3) << t;
      EXPECT_LE(s.pv_w, p.slots[t].pv_w + 1e-3);
      EXPECT_LE(s.grid_w, std::max(p.import_max_w, p.slots[t].load_w) + 1e-3);
      EXPECT_GE(s.grid_w, -p.export_max_w - 1e-3);
      EXPECT_LE(std::abs(s.battery_w), 5000.0 + 1e-3);
      EXPECT_GE(car_w, -1e-6);
      EXPECT_LE(car_w, car.max_w + 1e-3);
      if (t < first || t > last) {
        EXPECT_NEAR(car_w, 0.0, 1e-6) << "car planned while away, slot " << t;
      }
      // The stored energy moves as the battery's power says. The plan gives
      // net power; charging and discharging in one slot would make the
      // stored energy fall by more than the net says, never rise by more.
      const double dt_h = 0.25;
      const double stored =
          s.battery_w < 0.0 ? -s.battery_w * dt_h * eta : -s.battery_w * dt_h / eta;
      EXPECT_LE(s.soc_wh - soc, stored + 1e-3) << t;
      EXPECT_GE(s.soc_wh, std::min(p.battery.min_wh, p.battery.soc_wh) - 1e-3);
      EXPECT_LE(s.soc_wh, std::max(p.battery.max_wh, p.battery.soc_wh) + 1e-3);
      soc = s.soc_wh;
      car_wh += car_w * dt_h;
    }
    EXPECT_NEAR(car_wh + plan.car_unmet_wh[0], std::max(car_wh, car.needs[0].need_wh), 1e-2);
  }
}

}  // namespace
// Slots of 900 s from 0: 450 s to 2250 s covers the second half of slot 0,
// all of slot 1 and the first half of slot 2; 900 s to 1800 s is exactly
// slot 1.
TEST(EnergyNeedBetween, SlotsAndTheSharesOfTheEdgeSlots) {
  const EnergyNeed halves = energy_need_between(0.0, 900.0, 450.0, 2250.0);
  EXPECT_EQ(halves.first_slot, 0);
  EXPECT_EQ(halves.last_slot, 2);
  EXPECT_DOUBLE_EQ(halves.first_fraction, 0.5);
  EXPECT_DOUBLE_EQ(halves.last_fraction, 0.5);
  const EnergyNeed whole = energy_need_between(0.0, 900.0, 900.0, 1800.0);
  EXPECT_EQ(whole.first_slot, 1);
  EXPECT_EQ(whole.last_slot, 1);
  EXPECT_DOUBLE_EQ(whole.first_fraction, 1.0);
  EXPECT_DOUBLE_EQ(whole.last_fraction, 1.0);
}

}  // namespace kirchhoff::planner
