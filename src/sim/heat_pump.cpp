#include "sim/heat_pump.hpp"

#include <algorithm>

namespace kirchhoff::sim {

namespace {
constexpr double kMinRunS = 600.0;
constexpr double kMinPauseS = 600.0;
constexpr double kFlowC = 35.0;
}  // namespace

SimHeatPump::SimHeatPump(HeatPumpParams params)
    : params_(params), indoor_c_(params.initial_indoor_c) {}

double SimHeatPump::cop(double outdoor_c) {
  const double flow_k = kFlowC + 273.15;
  const double lift_k = std::max(kFlowC - outdoor_c, 5.0);
  return std::clamp(0.5 * flow_k / lift_k, 1.5, 5.5);
}

double SimHeatPump::step(double outdoor_c, double dt_s) {
  using devices::SgReadyState;
  double setpoint = params_.setpoint_c;
  if (state_ == SgReadyState::kRecommended) {
    setpoint += 1.0;
  } else if (state_ == SgReadyState::kForced) {
    setpoint += 3.0;
  }
  const bool heating_season = outdoor_c < 16.0;
  bool want = running_;
  if (state_ == SgReadyState::kBlocked || !heating_season) {
    want = false;
  } else if (indoor_c_ < setpoint - 0.5 ||
             (state_ == SgReadyState::kForced && indoor_c_ < setpoint)) {
    want = true;
  } else if (indoor_c_ > setpoint + 0.5) {
    want = false;
  }
  since_switch_s_ += dt_s;
  // Compressor protection: keep the minimum run and pause times, except that
  // "blocked" (a grid operator's order) stops it at once.
  const bool may_switch = running_
                              ? (since_switch_s_ >= kMinRunS || state_ == SgReadyState::kBlocked)
                              : since_switch_s_ >= kMinPauseS;
  if (want != running_ && may_switch) {
    running_ = want;
    since_switch_s_ = 0.0;
  }
  const double electric_w = running_ ? params_.electric_w : 0.0;
  const double heat_w = electric_w * cop(outdoor_c);
  const double loss_w = params_.house_ua_w_per_k * (indoor_c_ - outdoor_c);
  indoor_c_ += (heat_w + params_.internal_gains_w - loss_w) * dt_s / params_.house_capacity_j_per_k;
  power_w_ = electric_w;
  return electric_w;
}

}  // namespace kirchhoff::sim
