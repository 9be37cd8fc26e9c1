// What the controllers see of the site in one cycle: measurements (with the
// time they were taken), the state of each controllable device, the status
// inputs and the local time for tariffs. Built by site_input.hpp from
// measurements and device read-backs; built by hand in scenario tests. Units
// in names; currents per phase, + import for the grid; battery + discharge.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/control_config.hpp"
#include "planner/plan_problem.hpp"

namespace kirchhoff::control {

// What a person said of the car now plugged in (dashboard, API, MQTT; in the
// simulator the car says it on arrival): when it leaves and how much energy
// it needs by then. The planner charges it by the deadline.
struct EvSession {
  std::int64_t departure_unix_s = 0;
  double need_wh = 0.0;              // AC energy wanted from the moment it was said
  std::int64_t declared_unix_s = 0;  // when it was said
  double delivered_wh = 0.0;         // AC energy charged since then
  // The most the car takes (its on-board charger), when known; 0: the
  // charger's rating.
  double max_w = 0.0;
  double remaining_wh() const { return need_wh > delivered_wh ? need_wh - delivered_wh : 0.0; }
};

struct EvInput {
  std::string name;  // the EV load's name, for reasons
  bool present = false;
  bool plugged = false;
  bool responding = true;
  std::array<bool, 3> wired{};  // conductors the charger is connected to
  int phases = 3;               // phases it charges on now: 1 (the first wired) or 3
  bool can_switch_phases = false;
  double current_a = 0.0;  // drawn per phase now
  double max_a = 32.0;     // the charger's rating
  double power_w = 0.0;
  // A person's mode for this charger (dashboard, API, MQTT); empty: the
  // installation's control.ev.mode.
  std::optional<model::EvMode> mode;
  std::optional<EvSession> session;  // a deadline and an energy need, if declared

  // How many conductors the charger is connected to (0 when not known).
  int wired_count() const {
    int n = 0;
    for (bool w : wired) {
      n += w ? 1 : 0;
    }
    return n;
  }
  // The conductors it draws on now: all wired ones, or the first on one phase.
  std::array<bool, 3> active() const {
    std::array<bool, 3> on = wired;
    if (phases == 1) {
      bool first = true;
      for (bool& p : on) {
        p = p && first;
        first = first && !p;
      }
    }
    return on;
  }
};

struct BatteryInput {
  bool present = false;
  bool responding = true;
  double power_w = 0.0;  // + discharge
  double soc_pct = 0.0;
  double soc_min_pct = 10.0;
  double soc_max_pct = 95.0;
  double max_charge_w = 0.0;
  double max_discharge_w = 0.0;
  double capacity_wh = 0.0;  // 0: unknown (the planner then leaves the battery to the rules)
  // A person's reserve (dashboard, API); empty: the installation's
  // control.battery.reserve_pct.
  std::optional<double> reserve_pct;
  std::array<bool, 3> phases{true, false, false};  // conductors of its inverter
};

struct HeatPumpInput {
  bool present = false;
  bool running = false;
  double power_w = 0.0;
  std::array<bool, 3> phases{};
  int sg_state = 2;  // 1 blocked, 2 normal, 3 recommended, 4 forced
};

struct InverterInput {
  bool present = false;
  double pv_w = 0.0;
  double peak_w = 0.0;        // rated AC power: the base of the limit in %
  double panel_peak_w = 0.0;  // the panels' peak (kWp), base of an export limit in %
  double limit_pct = 100.0;
  bool responding = true;
};

struct ControlInput {
  std::int64_t now_ms = 0;
  std::int64_t measured_ms = 0;  // when the measurements below were taken; 0 = never
  double cycle_s = 1.0;
  int phase_count = 3;
  double v_ln = 230.0;
  double main_breaker_a = 25.0;
  std::array<double, 3> grid_a{};  // per phase, + import
  double grid_w = 0.0;             // + import
  // Per configured circuit (control.circuits, same order): its current per phase.
  std::vector<std::array<double, 3>> circuit_a;
  // The EV chargers, one per EV load in the installation's order: the first
  // has the highest priority when the current is shared by priority.
  std::vector<EvInput> evs;
  BatteryInput battery;
  HeatPumpInput heat_pump;
  InverterInput inverter;
  std::vector<bool> relay_on;  // per configured relay (control.relays order)
  // Status inputs, "in1/3" -> contact closed (a few entries: a list, not a map).
  std::vector<std::pair<std::string, bool>> status_closed;
  int minute_of_day = 0;  // local time
  // Reasons for people cost string formatting; a batch simulation turns them
  // off and gets "active" from each controller that acted instead.
  bool explain = true;
  int month_key = 0;  // year * 12 + month: the billing month
  // The planner's plan in force (docs/planner.md), or none: the rules alone.
  // The plan follower turns its slot into weak wishes; self-consumption and
  // time of use then leave the battery and the planned cars to it.
  std::shared_ptr<const planner::Plan> plan;

  // The plan's slot at this cycle, or null when no plan covers it.
  const planner::PlanSlot* plan_slot() const {
    if (!plan || !plan->ok || plan->slot_s <= 0) {
      return nullptr;
    }
    const std::int64_t offset_ms = now_ms - plan->start_unix_s * 1000;
    if (offset_ms < 0) {
      return nullptr;
    }
    const auto index = static_cast<std::size_t>(offset_ms / (plan->slot_s * std::int64_t{1000}));
    return index < plan->slots.size() ? &plan->slots[index] : nullptr;
  }
};

}  // namespace kirchhoff::control
