#include <algorithm>
#include <cmath>
#include <cstdio>

#include "control/controllers.hpp"

namespace kirchhoff::control {

namespace {

// Prices and values closer than this are a tie: the plan's own decision for
// the slot breaks it (the program is indifferent at the margin, the sign of
// its battery power says what it chose).
constexpr double kTiePerKwh = 1e-3;
// Powers below this are "none" in the plan (a solver's tolerances).
constexpr double kIdleW = 50.0;

}  // namespace

bool planned_car(const model::ControlConfig& config, const EvInput& ev) {
  if (!ev.present || !ev.plugged || !ev.session || ev.session->remaining_wh() <= 0.0) {
    return false;
  }
  const model::EvMode mode = ev.mode.value_or(config.ev.mode);
  return mode == model::EvMode::kPv || mode == model::EvMode::kMinPv;
}

bool plan_steers_car(const ControlInput& input, const model::ControlConfig& config, std::size_t k) {
  return input.plan_slot() != nullptr && k < input.plan->car_planned.size() &&
         input.plan->car_planned[k] && k < input.evs.size() && planned_car(config, input.evs[k]);
}

bool plan_steers_battery(const ControlInput& input) {
  return input.plan_slot() != nullptr && input.plan->battery.present && input.battery.present;
}

Request PlanFollower::decide(const ControlInput& input) {
  Request request;
  const planner::PlanSlot* slot = input.plan_slot();
  if (slot == nullptr) {
    return request;
  }
  const planner::Plan& plan = *input.plan;
  const std::int64_t slot_ms = std::int64_t{plan.slot_s} * 1000;
  const std::int64_t slot_start_ms =
      plan.start_unix_s * 1000 + (input.now_ms - plan.start_unix_s * 1000) / slot_ms * slot_ms;
  if (slot_start_ms != slot_start_ms_) {
    // What a car did not get in the last slot (a higher controller held it
    // back) is still owed under the same plan, or under a new one made from
    // the state the last slot was expected to end in; a plan made from the
    // measured state has counted it.
    const bool same_plan =
        input.plan.get() == last_plan_ || (input.plan && input.plan->predicted_start);
    owed_wh_.resize(input.evs.size(), 0.0);
    for (std::size_t k = 0; k < owed_wh_.size(); ++k) {
      owed_wh_[k] = same_plan && k < slot_target_wh_.size()
                        ? std::max(0.0, slot_target_wh_[k] - slot_wh_[k])
                        : 0.0;
    }
    slot_start_ms_ = slot_start_ms;
    slot_wh_.assign(input.evs.size(), 0.0);
  }
  last_plan_ = input.plan.get();
  slot_wh_.resize(input.evs.size(), 0.0);
  owed_wh_.resize(input.evs.size(), 0.0);
  slot_target_wh_.assign(input.evs.size(), 0.0);
  std::string what;

  // The battery, by the value of stored energy against this slot's prices.
  const BatteryInput& b = input.battery;
  if (b.present && plan.battery.present) {
    const planner::BatteryModel& m = plan.battery;
    const double v = slot->stored_value_per_kwh;
    // Covering a kWh of import from the battery costs v / eta_d + wear and
    // saves the import price; storing a kWh of surplus is worth
    // v * eta_c - wear and forgoes the export price.
    const double discharge_gain =
        slot->import_price - (v / m.discharge_efficiency + m.wear_per_kwh);
    const double charge_gain = v * m.charge_efficiency - m.wear_per_kwh - slot->export_price;
    const bool plan_discharges = slot->battery_w > kIdleW;
    const bool plan_charges = slot->battery_w < -kIdleW;
    const bool discharge_ok =
        discharge_gain > kTiePerKwh || (discharge_gain > -kTiePerKwh && plan_discharges);
    const bool charge_ok = charge_gain > kTiePerKwh || (charge_gain > -kTiePerKwh && plan_charges);
    const double net_w = input.grid_w + b.power_w;  // the site without the battery
    double want = 0.0;
    if (plan_charges && slot->grid_w > kIdleW) {
      // Charging from the grid as planned: at the planned power.
      want = slot->battery_w;
      what = "battery charging from the grid";
    } else if (plan_discharges && slot->grid_w < -kIdleW) {
      want = slot->battery_w;  // selling stored energy at a high export price
      what = "battery discharging to the grid";
    } else if (std::abs(net_w) < config_.battery.deadband_w) {
      want = 0.0;  // too little to move the battery for (as self-consumption)
    } else if (net_w > 0.0) {
      want = discharge_ok ? std::min(net_w, b.max_discharge_w) : 0.0;
      what = discharge_ok ? "battery covering the house" : "battery kept for later";
    } else {
      want = charge_ok ? std::max(net_w, -b.max_charge_w) : 0.0;
      what = charge_ok ? "battery storing surplus" : "surplus exported, battery kept for later";
    }
    request.battery_w.want = want;
    request.battery_w.weak = true;
  }

  // Cars with a declared session: the plan's energy for the slot, at the
  // power that delivers it by the slot's end (at least the car's minimum,
  // stopping once delivered).
  const std::int64_t slot_end_ms = slot_start_ms + slot_ms;
  int cars = 0;
  for (std::size_t k = 0; k < input.evs.size() && k < slot->car_w.size(); ++k) {
    const EvInput& ev = input.evs[k];
    if (!plan_steers_car(input, config_, k)) {
      continue;
    }
    slot_wh_[k] += ev.power_w * input.cycle_s / 3600.0;
    const double planned_wh = slot->car_w[k] * plan.slot_s / 3600.0 + owed_wh_[k];
    slot_target_wh_[k] = planned_wh;
    const double remaining_wh = planned_wh - slot_wh_[k];
    const int phases = std::max(1, ev.wired_count());
    double a = 0.0;
    // The slot's energy by its end, or by the departure when that is sooner.
    const std::int64_t due_ms = std::min(slot_end_ms, ev.session->departure_unix_s * 1000);
    const double left_s = static_cast<double>(due_ms - input.now_ms) / 1000.0;
    if (remaining_wh > 1.0 && left_s > 0.0) {
      const double need_w = remaining_wh * 3600.0 / left_s;
      a = std::clamp(need_w / (input.v_ln * phases), config_.ev.min_a,
                     std::min(ev.max_a, config_.ev.max_a));
    }
    request.ev(k).want = a;
    request.ev(k).weak = true;
    request.phases(k).want = 3;
    request.phases(k).weak = true;
    cars += a > 0.0 ? 1 : 0;
  }
  if (input.explain) {
    request.reason = what.empty() ? "following the plan" : what;
    if (cars > 0) {
      request.reason += cars == 1 ? "; car charging as planned" : "; cars charging as planned";
    }
  } else {
    request.reason = "active";
  }
  return request;
}

}  // namespace kirchhoff::control
