// The planning problem of a site at the start of a slot: the devices and
// limits from the energy manager's input and the installation, the horizon's
// forecasts and prices from the caller (the daemon, or `simulate`, which
// each know what a site could know then). docs/planner.md.
#pragma once

#include <cstdint>
#include <vector>

#include "control/input.hpp"
#include "model/installation.hpp"
#include "planner/plan_problem.hpp"

namespace kirchhoff::planner {

// Per slot of the horizon, from its first slot on.
struct Outlook {
  std::vector<double> load_w;  // forecast consumption the planner does not move
  std::vector<double> pv_w;    // forecast PV
  std::vector<double> import_price, export_price;
  std::vector<int> month;  // billing month key (LocalClock)
};

struct PlanningSettings {
  double round_trip_efficiency = 0.90;  // the battery's, split evenly both ways
  double wear_per_kwh = 0.01;           // per kWh charged and per kWh discharged
  // A kWh left in the battery at the horizon's end is worth this share of
  // the horizon's mean import price (times the discharge efficiency): it will
  // most likely displace import after the horizon, but not surely.
  double terminal_share = 0.8;
  double breaker_use = 0.9;  // the plan stays within this share of the main breaker
  // ... and of a peak limit: the quarter hour's load varies within it and
  // peak shaving holds the car back when the mean would go over.
  double peak_limit_use = 0.95;
  // A car's plan ends this long before its departure (at most a quarter of
  // its stay), so that a shortfall can still be made up.
  double deadline_margin_s = 900.0;
};

// The slots of a plan starting at `start_s` (slot_s long) that the time
// from `from_s` to `to_s` covers (both inside the plan, from < to), with the
// share of the first and last slot it covers; need_wh is left 0.
EnergyNeed energy_need_between(double start_s, double slot_s, double from_s, double to_s);

// `start_unix_s` is the first slot's start; `now` the energy manager's input
// of the moment (battery state, plugged cars and their declared sessions,
// the breaker); `month_peak_w` the billing month's highest 15-minute import
// so far. Cars without a declared session, or in mode off or now, are not
// planned (the rules charge them).
PlanProblem site_problem(const model::Installation& installation, const control::ControlInput& now,
                         std::int64_t start_unix_s, const Outlook& outlook, double month_peak_w,
                         const PlanningSettings& settings = {});

}  // namespace kirchhoff::planner
