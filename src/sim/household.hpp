// The everyday appliances of a household, as power per appliance group.
//
// - standby: 60 W always (routers, chargers, sleeping electronics);
// - fridge: 120 W compressor, 12 min on in every 35 min;
// - lighting: 150-400 W when it is dark and people are up (06-08 h, 17-23 h);
// - cooking: a hob of 2.5 kW cycling on and off, 30 min around 12:15 on half of
//   the days and 45 min around 18:30 on nine days in ten;
// - washing: one machine or dishwasher cycle on 70 % of days, 2 kW heating for
//   20 min then 200 W for an hour;
// - hot water: an electric boiler of 200 l with a 2.4 kW element, thermostat
//   at 55 +- 5 C, draws of 60 l at 07:00 and 40 l at 19:00 (10 C cold water),
//   losses 2 W/K; it heats only while its relay lets it.
// Gas and water meters count their own use: gas for a gas oven used while
// cooking (0.2 m3 per day of cooking), water the hot water draws and washing.
#pragma once

#include <cstdint>

#include "sim/random.hpp"

namespace kirchhoff::sim {

enum class ApplianceGroup { kStandby, kFridge, kLighting, kCooking, kWashing, kCount };

class Household {
 public:
  explicit Household(std::uint64_t seed);

  // Advances to `unix_s`; `dark` says whether the sun is down (for lights).
  void step(std::int64_t unix_s, bool dark, double dt_s);

  double power_w(ApplianceGroup group) const { return power_w_[static_cast<int>(group)]; }
  double total_w() const;

  // Hot water the household draws this step (litres), for the boiler.
  double hot_water_l() const { return hot_water_l_; }
  // Cumulative use, for the pulse meters.
  double water_l() const { return water_l_; }
  double gas_m3() const { return gas_m3_; }

 private:
  void plan_day(std::int64_t day_start);

  Rng rng_;
  std::int64_t day_ = -1;
  double power_w_[static_cast<int>(ApplianceGroup::kCount)] = {};
  double fridge_offset_s_ = 0.0;
  double lunch_start_h_ = -1.0;
  double dinner_start_h_ = -1.0;
  double wash_start_h_ = -1.0;
  double light_level_w_ = 250.0;
  double hot_water_l_ = 0.0;
  double water_l_ = 0.0;
  double gas_m3_ = 0.0;
};

class SimBoiler {
 public:
  SimBoiler() = default;
  // Returns the electric power (W); `powered` is the relay contact state.
  double step(bool powered, double draw_l, double dt_s);
  double temperature_c() const { return temperature_c_; }

 private:
  double temperature_c_ = 55.0;
  bool heating_ = false;
};

}  // namespace kirchhoff::sim
