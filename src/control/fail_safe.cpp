#include <cstdio>

#include "common/text.hpp"
#include "control/controllers.hpp"

namespace kirchhoff::control {

std::string amps_text(double a) { return common::fixed_number(a, 1) + " A"; }

std::string kw_text(double w) { return common::fixed_number(w / 1000.0, 1) + " kW"; }

std::string watts_text(double w) { return common::fixed_number(w, 0) + " W"; }

Request FailSafe::decide(const ControlInput& input) {
  Request request;
  const double age_s = static_cast<double>(input.now_ms - input.measured_ms) / 1000.0;
  same_s_ = input.grid_a == last_grid_a_ ? same_s_ + input.cycle_s : 0.0;
  last_grid_a_ = input.grid_a;
  std::string why;
  if (input.measured_ms <= 0) {
    why = "no measurements";
  } else if (age_s > 3.0 * input.cycle_s) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "measurements %.1f s old", age_s);
    why = buffer;
  } else if (same_s_ >= kFrozenS) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "meter readings frozen for %.0f s", same_s_);
    why = buffer;
  }
  const std::size_t relay_count = config_.relays.size();
  if (!why.empty()) {
    for (std::size_t k = 0; k < input.evs.size(); ++k) {
      request.ev(k).max = 0.0;
    }
    request.battery_w.want = 0.0;
    request.inverter_pct.max = config_.grid.inverter_safe_pct;
    request.sg_ready.want = 2;
    for (std::size_t i = 0; i < relay_count; ++i) {
      request.relay(i, relay_count).want = config_.relays[i].safe_on ? 1 : 0;
    }
    request.reason = why + ": devices in their safe state (charger paused, battery idle)";
    request.alarm = true;
    return request;
  }
  std::string devices;
  for (std::size_t k = 0; k < input.evs.size(); ++k) {
    if (!input.evs[k].responding) {
      request.ev(k).max = 0.0;
      const std::string which =
          input.evs.size() == 1 ? "the charger" : "charger '" + input.evs[k].name + "'";
      devices += (devices.empty() ? "" : " and ") + which;
    }
  }
  if (input.battery.present && !input.battery.responding) {
    request.battery_w.want = 0.0;
    devices += devices.empty() ? "the battery" : " and the battery";
  }
  if (input.inverter.present && !input.inverter.responding) {
    // Written when it answers again: it comes back at its safe limit.
    request.inverter_pct.max = config_.grid.inverter_safe_pct;
    devices += devices.empty() ? "the inverter" : " and the inverter";
  }
  if (!devices.empty()) {
    request.reason = devices + " not answering: held in its safe state";
    request.alarm = true;
  }
  return request;
}

}  // namespace kirchhoff::control
