#include "control/control.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kirchhoff::control {

namespace {

std::string amps(double a) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f A", a);
  return buffer;
}

}  // namespace

ControlResult EnergyManager::cycle(const ControlInput& input) {
  ControlResult result;
  for (const auto& controller : controllers_) {
    Request request = controller->decide(input);
    if (request.ev_max_a) {
      const double bound = std::max(0.0, *request.ev_max_a);
      result.setpoints.ev_current_a =
          result.setpoints.ev_current_a ? std::min(*result.setpoints.ev_current_a, bound) : bound;
    }
    if (request.battery_w && !result.setpoints.battery_w) {
      result.setpoints.battery_w = request.battery_w;
    }
    if (!request.reason.empty()) {
      result.decisions.push_back({controller->name(), std::move(request.reason)});
    }
  }
  return result;
}

Request FailSafe::decide(const ControlInput& input) {
  Request request;
  const double age_s = static_cast<double>(input.now_ms - input.measured_ms) / 1000.0;
  if (input.measured_ms <= 0 || age_s > 3.0 * input.cycle_s) {
    request.ev_max_a = 0.0;
    request.battery_w = 0.0;
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, "measurements %.1f s old: charger paused, battery idle",
                  input.measured_ms <= 0 ? -1.0 : age_s);
    request.reason =
        input.measured_ms <= 0 ? "no measurements: charger paused, battery idle" : buffer;
  }
  return request;
}

Request OverloadProtection::decide(const ControlInput& input) {
  Request request;
  if (!input.ev_present) {
    return request;
  }
  // Headroom per phase for the charger: the limit minus what the rest of the
  // site draws on that conductor (the grid current without the charger's own).
  double allowed = input.ev_max_a;
  int worst_phase = -1;
  double worst_load = 0.0;
  for (int p = 0; p < input.phase_count; ++p) {
    if (!input.ev_on_phase[p]) {
      continue;
    }
    const double others = input.grid_a[p] - (input.ev_plugged ? input.ev_current_a : 0.0);
    const double headroom = input.main_breaker_a - kMarginA - others;
    if (headroom < allowed) {
      allowed = headroom;
      worst_phase = p;
      worst_load = input.grid_a[p];
    }
  }
  allowed = std::floor(allowed * 10.0) / 10.0;
  if (allowed < kMinCurrentA) {
    paused_ = true;
    resume_ok_s_ = 0.0;
  } else if (paused_) {
    resume_ok_s_ =
        allowed >= kMinCurrentA + kResumeHysteresisA ? resume_ok_s_ + input.cycle_s : 0.0;
    if (resume_ok_s_ >= kResumeDelayS) {
      paused_ = false;
    }
  }
  const std::string phase = worst_phase >= 0 ? "L" + std::to_string(worst_phase + 1) : "";
  if (paused_) {
    request.ev_max_a = 0.0;
    request.reason =
        std::string(input.ev_plugged ? "car paused: " : "charger held: ") +
        (worst_phase >= 0 ? phase + " at " + amps(worst_load) + " of " + amps(input.main_breaker_a)
                          : std::string("waiting for headroom"));
  } else if (allowed < input.ev_max_a) {
    request.ev_max_a = allowed;
    // Without a car the bound still stands (a car that plugs in starts within
    // it), but there is nothing to tell anyone.
    if (input.ev_plugged) {
      request.reason = "car limited to " + amps(allowed) + ": " + phase + " at " +
                       amps(worst_load) + " of " + amps(input.main_breaker_a);
    }
  }
  return request;
}

EnergyManager make_default_manager() {
  EnergyManager manager;
  manager.add(std::make_unique<FailSafe>());
  manager.add(std::make_unique<OverloadProtection>());
  return manager;
}

}  // namespace kirchhoff::control
