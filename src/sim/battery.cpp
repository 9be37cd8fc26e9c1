#include "sim/battery.hpp"

#include <algorithm>
#include <cmath>

namespace kirchhoff::sim {

SimBattery::SimBattery(BatteryParams params)
    : params_(params), stored_wh_(params.capacity_wh * params.initial_soc) {}

double SimBattery::step(double net_site_w, double dt_s) {
  const double request = setpoint_w_ ? *setpoint_w_ : net_site_w;
  const double one_way = std::sqrt(params_.round_trip_efficiency);
  const double hours = dt_s / 3600.0;
  double power_w = std::clamp(request, -params_.max_charge_w, params_.max_discharge_w);
  if (power_w > 0.0) {
    // Discharge: the cells give power / eta_one_way.
    const double available_wh = std::max(0.0, stored_wh_ - params_.soc_min * params_.capacity_wh);
    power_w = std::min(power_w, available_wh * one_way / hours);
    stored_wh_ -= power_w * hours / one_way;
  } else if (power_w < 0.0) {
    const double room_wh = std::max(0.0, params_.soc_max * params_.capacity_wh - stored_wh_);
    power_w = std::max(power_w, -room_wh / one_way / hours);
    stored_wh_ += -power_w * hours * one_way;
  }
  power_w_ = power_w;
  return power_w;
}

}  // namespace kirchhoff::sim
