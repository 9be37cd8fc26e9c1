// What the planner is asked: the site over the next slots (forecast load and
// PV, prices), the devices it may move (battery, cars with a deadline,
// flexible loads with an energy need) and the limits they must respect; and
// what it answers: a plan per slot (docs/planner.md).
//
// Powers in W, energies in Wh, prices per kWh, slots of `slot_s` seconds
// (900: the quarter hour prices and capacity tariffs are counted in).
// Battery power is + discharge, grid + import, as everywhere in Kirchhoff.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kirchhoff::planner {

struct SlotInput {
  double load_w = 0.0;  // forecast consumption the planner cannot move
  double pv_w = 0.0;    // forecast PV the panels can give (curtailment is allowed)
  double import_price = 0.0;
  double export_price = 0.0;
  int month = 0;  // billing month (year * 12 + month) for the capacity tariff
};

struct BatteryModel {
  bool present = false;
  double capacity_wh = 0.0;
  double soc_wh = 0.0;  // stored now (start of the first slot)
  double min_wh = 0.0;
  double max_wh = 0.0;
  double max_charge_w = 0.0;
  double max_discharge_w = 0.0;
  double charge_efficiency = 0.95;     // AC -> stored (0.95 each way: 90 % round trip)
  double discharge_efficiency = 0.95;  // stored -> AC
  double wear_per_kwh = 0.01;          // per kWh through the inverter, each way
  // What a kWh left in the battery at the horizon's end is worth; 0 when the
  // plan covers the whole run (nothing is gained by keeping energy).
  double terminal_value_per_kwh = 0.0;
};

// Energy a device must receive between two instants: a car's session
// ("ready by 07:00 with 20 kWh") or a boiler's daily heat. Slots are indices
// into the plan; `first_fraction`/`last_fraction` are the shares of the first
// and last slot the device can use (a car plugged in at :10 has 5/15 of its
// first slot).
struct EnergyNeed {
  int first_slot = 0;
  int last_slot = 0;  // inclusive
  double first_fraction = 1.0;
  double last_fraction = 1.0;
  double need_wh = 0.0;  // AC energy still wanted
};

struct FlexibleDevice {
  std::string name;
  double max_w = 0.0;
  std::vector<EnergyNeed> needs;  // non-overlapping, in time order
};

struct PlanProblem {
  std::int64_t start_unix_s = 0;  // start of the first slot
  int slot_s = 900;
  std::vector<SlotInput> slots;
  BatteryModel battery;
  std::vector<FlexibleDevice> cars;   // one per charger, same order as the chargers
  std::vector<FlexibleDevice> loads;  // boiler, heat pump boost
  double import_max_w = 1e9;          // main breaker (less a margin)
  double export_max_w = 1e9;          // export limit
  // Capacity tariff: per kW of the month's highest 15-minute mean import.
  double capacity_per_kw_month = 0.0;
  double capacity_billed_w = 0.0;  // the first month's peak so far
  double capacity_min_w = 0.0;     // every month is billed at least this
  // Energy a device needed but does not get costs this much: far above any
  // price, so a deadline is met whenever it can be.
  double unmet_per_kwh = 5.0;
};

struct PlanSlot {
  double grid_w = 0.0;     // + import
  double battery_w = 0.0;  // + discharge
  double soc_wh = 0.0;     // at the slot's end
  double pv_w = 0.0;       // PV used (less than forecast when curtailed)
  double import_price = 0.0;
  double export_price = 0.0;
  // What a kWh stored during this slot is worth to the rest of the plan (the
  // dual of the slot's stored-energy row). The plan follower compares it with
  // the slot's prices to decide, second by second, whether to cover import
  // from the battery or store surplus (docs/planner.md).
  double stored_value_per_kwh = 0.0;
  std::vector<double> car_w;
  std::vector<double> load_w;
};

struct Plan {
  bool ok = false;
  BatteryModel battery;  // as planned with (efficiencies and wear for the follower)
  std::string error;     // why there is no plan
  std::int64_t start_unix_s = 0;
  int slot_s = 900;
  std::vector<PlanSlot> slots;
  std::vector<double> car_unmet_wh;  // per car: what the plan cannot deliver by the deadline
  // Per car: the plan has an energy need for it (a car declared after the
  // plan was made is not in it: the rules charge it until the next plan).
  std::vector<bool> car_planned;
  // Made from the state its start was expected to have (simulate makes each
  // plan a quarter hour ahead): what a car did not get in the quarter hour
  // before it is still owed under this plan.
  bool predicted_start = false;
  double objective = 0.0;  // cost of the plan in the model (currency)
  double solve_ms = 0.0;
  int iterations = 0;
};

}  // namespace kirchhoff::planner
