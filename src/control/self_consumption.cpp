#include <algorithm>
#include <cmath>

#include "control/controllers.hpp"

namespace kirchhoff::control {

using model::EvMode;

SelfConsumption::SelfConsumption(const model::ControlConfig& config) : config_(config) {
  for (std::size_t r = 0; r < config_.relays.size(); ++r) {
    if (config_.relays[r].use == model::RelayUse::kSurplus) {
      surplus_relays_.push_back(r);
    }
  }
  std::stable_sort(surplus_relays_.begin(), surplus_relays_.end(),
                   [&](std::size_t a, std::size_t b) {
                     return config_.relays[a].priority < config_.relays[b].priority;
                   });
}

// The current the car may take from `surplus_w` (0 = not charging), with the
// start and stop thresholds and delays and the choice of 1 or 3 phases.
double SelfConsumption::ev_surplus_current(const ControlInput& input, std::size_t k,
                                           double surplus_w, std::string& why) {
  const model::EvConfig& c = config_.ev;
  const EvInput& ev = input.evs[k];
  EvState& st = evs_[k];
  const bool switching = ev.can_switch_phases && c.phase_switching;
  const double v = input.v_ln;
  const double min_1p_w = c.min_a * v;
  const double min_3p_w = 3.0 * c.min_a * v;
  if (!switching) {
    st.phases = ev.phases;
  }
  const double min_w = c.min_a * v * st.phases;
  if (!st.charging) {
    const double start_w = switching ? min_1p_w : min_w;
    st.timer_s = surplus_w - c.enable_w >= start_w ? st.timer_s + input.cycle_s : 0.0;
    if (st.timer_s >= c.enable_delay_s) {
      st.charging = true;
      st.timer_s = 0.0;
      if (switching) {
        st.phases = surplus_w - c.enable_w >= min_3p_w ? 3 : 1;
      }
    }
  } else {
    // Stops only after importing more than disable_w at the minimum current
    // for the whole delay.
    st.timer_s = surplus_w + c.disable_w < min_w ? st.timer_s + input.cycle_s : 0.0;
    if (st.timer_s >= c.disable_delay_s && !(switching && st.phases == 3)) {
      st.charging = false;
      st.timer_s = 0.0;
    }
  }
  if (st.charging && switching) {
    // 3p -> 1p when three phases cannot be fed for the stop delay; 1p -> 3p
    // when they can for the start delay. The charger pauses while it switches.
    const bool want_three = surplus_w - c.enable_w >= min_3p_w;
    const bool want_one = surplus_w + c.disable_w < min_3p_w;
    if ((st.phases == 1 && want_three) || (st.phases == 3 && want_one)) {
      st.phase_timer_s += input.cycle_s;
      const double delay = st.phases == 1 ? c.enable_delay_s : c.disable_delay_s;
      if (st.phase_timer_s >= delay) {
        st.phases = st.phases == 1 ? 3 : 1;
        st.phase_timer_s = 0.0;
        st.timer_s = 0.0;
      }
    } else {
      st.phase_timer_s = 0.0;
    }
  }
  if (!st.charging) {
    if (input.explain) {
      why = "car waits for " + watts_text(switching ? min_1p_w : min_w) + " of surplus";
    }
    return 0.0;
  }
  const double a = std::floor(surplus_w / (v * st.phases) * 10.0) / 10.0;
  why = "car on surplus";
  return std::clamp(a, c.min_a, std::min(c.max_a, ev.max_a));
}

Request SelfConsumption::decide(const ControlInput& input) {
  Request request;
  const std::size_t relay_count = config_.relays.size();
  const double v = input.v_ln;
  // What the site would import (+) or export (-) without the flexible
  // devices: the surplus is handed out again each cycle, in order.
  // Devices a plan steers are not this controller's to move: their power
  // counts as the house's.
  const bool planned_battery = plan_steers_battery(input);
  double flexible_w = planned_battery ? 0.0 : -input.battery.power_w;
  for (std::size_t k = 0; k < input.evs.size(); ++k) {
    const EvInput& ev = input.evs[k];
    flexible_w += ev.present && !plan_steers_car(input, config_, k) ? ev.power_w : 0.0;
  }
  for (std::size_t r : surplus_relays_) {
    if (r < input.relay_on.size() && input.relay_on[r]) {
      flexible_w += config_.relays[r].power_w;
    }
  }
  if (input.heat_pump.present && hp_boost_ && input.heat_pump.running) {
    flexible_w += input.heat_pump.power_w;
  }
  double surplus = -(input.grid_w - flexible_w);
  std::vector<std::string> parts;
  bool acted = false;
  auto note = [&](auto&& make) {
    acted = true;
    if (input.explain) {
      parts.push_back(make());
    }
  };

  // The cars, the most important first.
  if (evs_.size() < input.evs.size()) {
    evs_.resize(input.evs.size());
  }
  for (std::size_t k = 0; k < input.evs.size(); ++k) {
    const EvInput& ev = input.evs[k];
    if (!ev.present || plan_steers_car(input, config_, k)) {
      continue;
    }
    EvState& st = evs_[k];
    auto car = [&] {
      return input.evs.size() == 1 ? std::string("car") : "car at '" + ev.name + "'";
    };
    const EvMode mode = ev.mode.value_or(config_.ev.mode);
    double ev_a = 0.0;
    if (!ev.plugged) {
      st.charging = false;
      st.timer_s = 0.0;
    } else if (mode == EvMode::kOff) {
      request.ev(k).want = 0.0;
      note([&] { return car() + " off"; });
    } else if (mode == EvMode::kNow) {
      ev_a = std::min(config_.ev.max_a, ev.max_a);
      request.ev(k).want = ev_a;
      request.phases(k).want = 3;
    } else {
      std::string why;
      ev_a = ev_surplus_current(input, k, surplus, why);
      if (mode == EvMode::kMinPv && ev_a < config_.ev.min_a) {
        ev_a = config_.ev.min_a;
        why = "car at its minimum";
      }
      request.ev(k).want = ev_a;
      request.ev(k).weak = true;  // a cheap tariff window may charge faster
      if (ev.can_switch_phases && config_.ev.phase_switching) {
        request.phases(k).want = st.phases;
        request.phases(k).weak = true;
      }
      note([&] {
        std::string text = why;
        if (input.evs.size() > 1 && text.rfind("car", 0) == 0) {
          text = car() + text.substr(3);
        }
        return text + (ev_a > 0.0 ? " at " + amps_text(ev_a) : "") +
               (ev.can_switch_phases && ev_a > 0.0
                    ? (st.phases == 1 ? " on 1 phase" : " on 3 phases")
                    : "");
      });
    }
    surplus -= ev_a * v * (ev.can_switch_phases ? st.phases : ev.phases);
  }

  // The battery: charges from what is left, covers the import; it changes
  // direction only after the other direction has been needed for a while.
  const BatteryInput& b = input.battery;
  if (b.present && !planned_battery) {
    const model::BatteryConfig& c = config_.battery;
    int desired = 0;
    if (surplus > c.deadband_w && b.soc_pct < b.soc_max_pct) {
      desired = -1;
    } else if (surplus < -c.deadband_w && b.soc_pct > b.soc_min_pct) {
      desired = 1;
    }
    if (desired != 0 && battery_direction_ != 0 && desired != battery_direction_) {
      battery_timer_s_ = desired == battery_pending_ ? battery_timer_s_ + input.cycle_s : 0.0;
      battery_pending_ = desired;
      if (battery_timer_s_ >= c.direction_hold_s) {
        battery_direction_ = desired;
        battery_timer_s_ = 0.0;
      } else {
        desired = 0;  // idle while the change is not yet confirmed
      }
    } else {
      battery_timer_s_ = 0.0;
      if (desired != 0) {
        battery_direction_ = desired;
      }
    }
    double want = 0.0;
    if (desired < 0) {
      want = -std::min(surplus, b.max_charge_w);
    } else if (desired > 0) {
      want = std::min(-surplus, b.max_discharge_w);
    }
    request.battery_w.want = want;
    request.battery_w.weak = true;
    // Charging uses surplus; discharging covers import but creates no
    // surplus for the devices below.
    surplus += std::min(want, 0.0);
  }

  // The heat pump: "recommended on" with enough surplus for the delay.
  const HeatPumpInput& hp = input.heat_pump;
  if (hp.present) {
    const bool enough = surplus >= config_.heat_pump.surplus_w;
    const bool short_of = surplus < 0.0;
    if (hp_boost_ ? short_of : enough) {
      hp_timer_s_ += input.cycle_s;
      if (hp_timer_s_ >= config_.heat_pump.delay_s) {
        hp_boost_ = !hp_boost_;
        hp_timer_s_ = 0.0;
      }
    } else {
      hp_timer_s_ = 0.0;
    }
    request.sg_ready.want = hp_boost_ ? 3 : 2;
    request.sg_ready.weak = true;
    if (hp_boost_) {
      note([] { return std::string("heat pump boosted (SG Ready 3)"); });
      if (hp.running) {
        surplus -= hp.power_w;
      }
    }
  }

  // Surplus relays by priority; one that is on stays on while half of its
  // power is still covered (its minimum on time guards the rest).
  for (std::size_t r : surplus_relays_) {
    const auto& relay = config_.relays[r];
    const bool on = r < input.relay_on.size() && input.relay_on[r];
    const bool feed = on ? surplus >= 0.5 * relay.power_w : surplus >= relay.power_w + 100.0;
    request.relay(r, relay_count).want = feed ? 1 : 0;
    request.relay(r, relay_count).weak = true;
    if (feed) {
      surplus -= relay.power_w;
      note([&] { return relay.output + " on surplus"; });
    }
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    request.reason += (i == 0 ? "" : "; ") + parts[i];
  }
  if (acted && !input.explain) {
    request.reason = "active";
  }
  return request;
}

}  // namespace kirchhoff::control
