#include <algorithm>
#include <cmath>

#include "control/controllers.hpp"

namespace kirchhoff::control {

namespace {

bool signal_active(const ControlInput& input, const std::string& ref, bool active_closed) {
  // An input the site does not report is not a signal (the fail-safe handles
  // missing measurements as a whole).
  for (const auto& [name, closed] : input.status_closed) {
    if (name == ref) {
      return closed == active_closed;
    }
  }
  return false;
}

}  // namespace

Request GridOperatorSignals::decide(const ControlInput& input) {
  Request request;
  std::string reason;
  std::optional<double> strictest;
  std::string strictest_input;
  for (const auto& s : config_.grid.ripple) {
    if (signal_active(input, s.input, s.active_closed) &&
        (!strictest || s.limit_pct < *strictest)) {
      strictest = s.limit_pct;
      strictest_input = s.input;
    }
  }
  if (strictest && input.inverter.present) {
    request.inverter_pct.max = *strictest;
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "inverter limited to %.0f %%: ripple control on %s",
                  *strictest, strictest_input.c_str());
    reason = buffer;
  }
  if (config_.grid.dimming) {
    const auto& d = *config_.grid.dimming;
    if (signal_active(input, d.input, d.active_closed)) {
      // The heat pump keeps what it draws while it fits; the cars get the rest,
      // the most important first.
      double left_w = d.cap_w;
      const HeatPumpInput& hp = input.heat_pump;
      if (hp.present && hp.running) {
        if (hp.power_w > left_w) {
          request.sg_ready.max = 1;
        } else {
          left_w -= hp.power_w;
        }
      }
      for (std::size_t k = 0; k < input.evs.size(); ++k) {
        const EvInput& ev = input.evs[k];
        if (!ev.present) {
          continue;
        }
        const double per_phase_w = input.v_ln * ev.phases;
        double a = std::floor(std::max(0.0, left_w) / per_phase_w * 10.0) / 10.0;
        a = a < 6.0 ? 0.0 : std::min(a, ev.max_a);
        request.ev(k).max = a;
        left_w -= ev.plugged ? a * per_phase_w : 0.0;
      }
      reason += std::string(reason.empty() ? "" : "; ") + "controllable devices dimmed to " +
                kw_text(d.cap_w) + " on " + d.input;
    }
  }
  request.reason = reason;
  return request;
}

double ExportLimitation::limit_w(const model::ControlConfig& config, double pv_peak_w) {
  if (config.grid.export_limit_w) {
    return *config.grid.export_limit_w;
  }
  if (config.grid.export_limit_pct) {
    return *config.grid.export_limit_pct / 100.0 * pv_peak_w;
  }
  return -1.0;
}

Request ExportLimitation::decide(const ControlInput& input) {
  Request request;
  const double limit = limit_w(config_, input.inverter.panel_peak_w);
  if (limit < 0.0) {
    return request;
  }
  // Aim under the limit by more than a typical appliance step (a fridge's
  // compressor), so that what loads do within one cycle rarely crosses it.
  const double target = limit - std::max(150.0, 0.03 * limit);
  const double export_w = -input.grid_w;
  // The export without the battery: what is left to absorb is decided anew
  // each cycle, so a battery that has just filled up is not counted on.
  const BatteryInput& b = input.battery;
  double needed = export_w - (b.present ? b.power_w : 0.0) - target;
  std::string used;
  const bool has_inverter = input.inverter.present && input.inverter.peak_w > 0.0;
  const double cap_w = cap_pct_ / 100.0 * input.inverter.peak_w;
  if (needed <= 0.0) {
    // Room under the target: a curtailed inverter gets it back first (PV
    // thrown away is lost for good), the battery may discharge into the rest.
    double room = -needed;
    if (has_inverter && cap_pct_ < 100.0) {
      const double raised_w = std::min(input.inverter.peak_w, cap_w + room);
      room -= raised_w - cap_w;
      cap_pct_ = raised_w / input.inverter.peak_w * 100.0;
    }
    if (b.present) {
      request.battery_w.max = room;
    }
  } else {
    if (b.present) {
      const double can_charge_w = b.soc_pct < b.soc_max_pct - 0.2 ? b.max_charge_w : 0.0;
      const double take = std::min(needed, can_charge_w);
      request.battery_w.max = -take;
      if (take > 0.0) {
        used = "battery charging";
      }
      needed -= take;
    }
    for (std::size_t k = 0; k < input.evs.size(); ++k) {
      const EvInput& ev = input.evs[k];
      if (needed <= 0.0 || !ev.present || !ev.plugged || ev.current_a < 6.0 ||
          ev.mode.value_or(config_.ev.mode) == model::EvMode::kOff) {
        continue;
      }
      const double per_a = input.v_ln * ev.phases;
      const double more_a = std::min(ev.max_a, config_.ev.max_a) - ev.current_a;
      const double take_a = std::min(more_a, needed / per_a);
      if (take_a > 0.0) {
        request.ev(k).min = ev.current_a + take_a;
        needed -= take_a * per_a;
        if (used.find("car charging faster") == std::string::npos) {
          used += std::string(used.empty() ? "" : ", ") + "car charging faster";
        }
      }
    }
    // The inverter is curtailed for what is left.
    if (needed > 0.0 && has_inverter) {
      const double produced = std::min(input.inverter.pv_w, cap_w);
      cap_pct_ = std::max(0.0, (produced - needed) / input.inverter.peak_w * 100.0);
    }
  }
  if (cap_pct_ < 100.0 && has_inverter) {
    request.inverter_pct.max = cap_pct_;
  }
  if ((request.inverter_pct.max || !used.empty()) && !input.explain) {
    request.reason = "active";
  } else if (request.inverter_pct.max || !used.empty()) {
    char buffer[160];
    std::snprintf(buffer, sizeof buffer, "export held under %s (now %s)", watts_text(limit).c_str(),
                  watts_text(std::max(0.0, export_w)).c_str());
    request.reason = buffer;
    if (!used.empty()) {
      request.reason += ": " + used;
    }
    if (request.inverter_pct.max) {
      char pct[48];
      std::snprintf(pct, sizeof pct, "%sinverter at %.0f %%", used.empty() ? ": " : ", ",
                    *request.inverter_pct.max);
      request.reason += pct;
    }
  }
  return request;
}

Request PeakShaving::decide(const ControlInput& input) {
  Request request;
  if (!config_.grid.peak_limit_kw) {
    return request;
  }
  // The quarter hour on the clock (:00, :15, :30, :45) and the billing month.
  const std::int64_t quarter = input.now_ms / 900'000;
  if (quarter != quarter_) {
    if (quarter_s_ >= 900.0 - input.cycle_s) {
      month_peak_w_ = std::max(month_peak_w_, quarter_wh_ * 3600.0 / 900.0);
    }
    quarter_ = quarter;
    quarter_wh_ = 0.0;
    quarter_s_ = 0.0;
  }
  if (input.month_key != month_key_) {
    month_key_ = input.month_key;
    month_peak_w_ = 0.0;
  }
  quarter_wh_ += input.grid_w * input.cycle_s / 3600.0;
  quarter_s_ = static_cast<double>(input.now_ms % 900'000) / 1000.0 + input.cycle_s;
  const double threshold_w = std::max(*config_.grid.peak_limit_kw * 1000.0, month_peak_w_);
  // The power the rest of the quarter may draw so that its mean stays under
  // the threshold, with 2 % kept back for what changes within a cycle.
  const double left_s = std::max(input.cycle_s, 900.0 - quarter_s_);
  const double allowed_w =
      std::max(0.0, 0.98 * (threshold_w * 900.0 - quarter_wh_ * 3600.0) / left_s);
  // Shares are computed from the import without the car and the battery,
  // not from what they drew last cycle, so the bounds do not chase their own
  // effect (which made car and battery take turns).
  const BatteryInput& b = input.battery;
  double evs_w = 0.0;
  for (const EvInput& ev : input.evs) {
    evs_w += ev.present ? ev.power_w : 0.0;
  }
  const double base_w = input.grid_w - evs_w + (b.present ? b.power_w : 0.0);
  const double battery_can_w = b.present && b.soc_pct > b.soc_min_pct ? b.max_discharge_w : 0.0;
  // The battery backs the car only down to its reserve (on again 5 points
  // above), or the two take turns at the edge of what the battery can give.
  const double reserve_pct = b.reserve_pct.value_or(config_.battery.reserve_pct);
  if (!b.present || b.soc_pct <= reserve_pct) {
    battery_backs_car_ = false;
  } else if (b.soc_pct > reserve_pct + 5.0) {
    battery_backs_car_ = true;
  }
  std::string used;
  // The cars may use what the threshold leaves plus what the battery can
  // give, the most important first.
  double budget_w = allowed_w - base_w + (battery_backs_car_ ? battery_can_w : 0.0);
  double ev_w = 0.0;
  for (std::size_t k = 0; k < input.evs.size(); ++k) {
    const EvInput& ev = input.evs[k];
    if (!ev.present) {
      continue;
    }
    double drawn_w = ev.power_w;
    if (ev.plugged) {
      const double per_a = input.v_ln * ev.phases;
      const double a = std::floor(std::max(0.0, budget_w) / per_a * 10.0) / 10.0;
      if (a < ev.max_a) {
        const double bound = a < 6.0 ? 0.0 : a;
        request.ev(k).max = bound;
        drawn_w = std::min(drawn_w, bound * per_a);
        if (ev.current_a > bound + 0.05 && used.empty()) {
          used = a < 6.0 ? "car paused" : (input.explain ? "car at " + amps_text(a) : "car");
        }
      }
      budget_w -= drawn_w;
    }
    ev_w += drawn_w;
  }
  const double deficit = base_w + ev_w - allowed_w;
  if (b.present) {
    // Positive: the battery must discharge at least that; negative: it may
    // charge from the grid at most that.
    request.battery_w.min = std::min(deficit, battery_can_w);
    if (deficit > 0.0 && battery_can_w > 0.0) {
      used = "battery discharging" + std::string(used.empty() ? "" : ", ") + used;
    }
  }
  if (deficit <= 0.0 && used.empty()) {
    return request;
  }
  const std::size_t relay_count = config_.relays.size();
  for (std::size_t r = 0; r < relay_count; ++r) {
    if (config_.relays[r].use == model::RelayUse::kSurplus) {
      request.relay(r, relay_count).max = 0;
    }
  }
  request.reason = !input.explain
                       ? "active"
                       : "15-min import held under " + kw_text(threshold_w) + " (now " +
                             kw_text(input.grid_w) + ")" + (used.empty() ? "" : ": " + used);
  return request;
}

}  // namespace kirchhoff::control
