// A heat pump heating a house, with the SG Ready interface.
//
// House: one thermal resistance and one capacity (1R1C):
//   C dT_in/dt = (T_out - T_in) / R + Q_hp + Q_internal
// with UA = 1/R = 180 W/K and C = 10 kWh/K, a typical insulated family house
// (time constant C/UA = 55 h). Internal gains 300 W.
// Heat pump: fixed electrical power when running; heat = COP * P_el with
// COP = 0.5 * Carnot for a 35 C floor-heating flow, between 1.5 and 5.5.
// Control: thermostat at the setpoint with +-0.5 K hysteresis and the
// compressor's minimum run and pause times (10 min each). SG Ready shifts the
// setpoint: 1 blocked (off), 2 normal, 3 recommended (+1 K), 4 forced (+3 K,
// on at once). No heating above 16 C outdoors.
#pragma once

#include "devices/capabilities.hpp"

namespace kirchhoff::sim {

struct HeatPumpParams {
  double electric_w = 2000.0;
  double setpoint_c = 20.5;
  double house_ua_w_per_k = 180.0;
  double house_capacity_j_per_k = 10.0 * 3.6e6;
  double internal_gains_w = 300.0;
  double initial_indoor_c = 20.5;
};

class SimHeatPump : public devices::SgReadyHeatPump {
 public:
  explicit SimHeatPump(HeatPumpParams params);

  void set_sg_ready(devices::SgReadyState state) override { state_ = state; }

  // One step; returns the electrical power (W).
  double step(double outdoor_c, double dt_s);

  double indoor_c() const { return indoor_c_; }
  bool running() const { return running_; }
  devices::SgReadyState sg_ready() const { return state_; }
  static double cop(double outdoor_c);
  devices::HeatPumpState state() const override {
    return {true, running_, power_w_, static_cast<int>(state_)};
  }

 private:
  HeatPumpParams params_;
  devices::SgReadyState state_ = devices::SgReadyState::kNormal;
  double indoor_c_;
  bool running_ = false;
  double power_w_ = 0.0;  // drawn in the last step
  double since_switch_s_ = 1e9;
};

}  // namespace kirchhoff::sim
