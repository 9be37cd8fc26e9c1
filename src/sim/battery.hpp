// A home battery behind an AC inverter. + discharge, - charge (W, AC side).
// Round-trip efficiency is split evenly between charging and discharging
// (sqrt(eta) each way). Stored energy stays between the SoC limits; power
// stays within the charge and discharge limits.
//
// Unless a setpoint holds it, the battery runs its own self-consumption logic
// from its own meter, as home batteries do out of the box: it discharges to
// cover net import and charges from net export.
#pragma once

#include <algorithm>
#include <optional>

#include "devices/capabilities.hpp"

namespace kirchhoff::sim {

struct BatteryParams {
  double capacity_wh = 10000.0;
  double max_charge_w = 5000.0;
  double max_discharge_w = 5000.0;
  double round_trip_efficiency = 0.90;
  double soc_min = 0.10;
  double soc_max = 0.95;
  double initial_soc = 0.50;
};

class SimBattery : public devices::Battery {
 public:
  explicit SimBattery(BatteryParams params);

  void set_power_w(double power_w) override { setpoint_w_ = power_w; }
  void release() override { setpoint_w_.reset(); }

  // One step of `dt_s` seconds. `net_site_w` is the site's net import (+) or
  // export (-) without the battery, used by the built-in mode. Returns the AC
  // power delivered (+ discharge, - charge).
  double step(double net_site_w, double dt_s);

  double soc() const { return stored_wh_ / params_.capacity_wh; }
  // Replay: starts from a recorded state of charge (0..1, kept within the
  // battery's limits).
  void set_soc(double soc) {
    stored_wh_ = std::clamp(soc, params_.soc_min, params_.soc_max) * params_.capacity_wh;
  }
  double stored_wh() const { return stored_wh_; }
  const BatteryParams& params() const { return params_; }
  devices::BatteryState state() const override {
    return {true,
            power_w_,
            soc() * 100.0,
            params_.soc_min * 100.0,
            params_.soc_max * 100.0,
            params_.max_charge_w,
            params_.max_discharge_w,
            params_.capacity_wh};
  }

 private:
  BatteryParams params_;
  double power_w_ = 0.0;  // delivered in the last step
  double stored_wh_;
  std::optional<double> setpoint_w_;
};

}  // namespace kirchhoff::sim
