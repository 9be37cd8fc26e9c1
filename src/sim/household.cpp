#include "sim/household.hpp"

#include <algorithm>
#include <cmath>

namespace kirchhoff::sim {

Household::Household(std::uint64_t seed) : rng_(seed) {
  fridge_offset_s_ = rng_.uniform(0.0, 2100.0);
}

void Household::plan_day(std::int64_t) {
  lunch_start_h_ = rng_.chance(0.5) ? rng_.normal(12.0, 0.3) : -1.0;
  dinner_start_h_ = rng_.chance(0.9) ? rng_.normal(18.25, 0.5) : -1.0;
  wash_start_h_ = rng_.chance(0.7) ? rng_.uniform(9.0, 21.0) : -1.0;
  light_level_w_ = rng_.uniform(150.0, 400.0);
}

double Household::total_w() const {
  double sum = 0.0;
  for (double p : power_w_) {
    sum += p;
  }
  return sum;
}

void Household::step(std::int64_t unix_s, bool dark, double dt_s) {
  const std::int64_t day = unix_s / 86400;
  if (day != day_) {
    day_ = day;
    plan_day(day * 86400);
  }
  const double second_of_day = static_cast<double>(unix_s % 86400);
  const double hour = second_of_day / 3600.0;
  auto within = [&](double start_h, double minutes) {
    return start_h >= 0.0 && hour >= start_h && hour < start_h + minutes / 60.0;
  };
  power_w_[static_cast<int>(ApplianceGroup::kStandby)] = 60.0;
  const double fridge_phase = std::fmod(static_cast<double>(unix_s) + fridge_offset_s_, 2100.0);
  power_w_[static_cast<int>(ApplianceGroup::kFridge)] = fridge_phase < 720.0 ? 120.0 : 0.0;
  const bool awake = (hour >= 6.0 && hour < 8.0) || (hour >= 17.0 && hour < 23.0);
  power_w_[static_cast<int>(ApplianceGroup::kLighting)] = dark && awake ? light_level_w_ : 0.0;
  // A hob element cycles about 40 s on, 20 s off at medium power.
  const bool hob_cycle_on = std::fmod(second_of_day, 60.0) < 40.0;
  const bool cooking = within(lunch_start_h_, 30.0) || within(dinner_start_h_, 45.0);
  power_w_[static_cast<int>(ApplianceGroup::kCooking)] = cooking && hob_cycle_on ? 2500.0 : 0.0;
  double wash = 0.0;
  if (within(wash_start_h_, 20.0)) {
    wash = 2000.0;
  } else if (within(wash_start_h_ + 20.0 / 60.0, 60.0)) {
    wash = 200.0;
  }
  power_w_[static_cast<int>(ApplianceGroup::kWashing)] = wash;

  // Hot water draws: 60 l over 10 min from 07:00, 40 l over 10 min from 19:00.
  hot_water_l_ = 0.0;
  if (hour >= 7.0 && hour < 7.0 + 10.0 / 60.0) {
    hot_water_l_ = 60.0 / 600.0 * dt_s;
  } else if (hour >= 19.0 && hour < 19.0 + 10.0 / 60.0) {
    hot_water_l_ = 40.0 / 600.0 * dt_s;
  }
  // Cold water for washing: 50 l over its hour.
  const double cold_l = wash == 200.0 ? 50.0 / 3600.0 * dt_s : 0.0;
  water_l_ += hot_water_l_ + cold_l;
  // A gas oven beside the electric hob: 0.2 m3 over a day's 75 min of cooking.
  if (cooking) {
    gas_m3_ += 0.2 / (75.0 * 60.0) * dt_s;
  }
}

double SimBoiler::step(bool powered, double draw_l, double dt_s) {
  constexpr double kVolumeL = 200.0;
  constexpr double kElementW = 2400.0;
  constexpr double kWaterJPerLK = 4186.0;
  constexpr double kColdC = 10.0;
  constexpr double kLossWPerK = 2.0;
  // Mixing: the drawn volume is replaced by cold water.
  const double draw = std::min(draw_l, kVolumeL);
  temperature_c_ = (temperature_c_ * (kVolumeL - draw) + kColdC * draw) / kVolumeL;
  if (temperature_c_ < 50.0) {
    heating_ = true;
  } else if (temperature_c_ >= 60.0) {
    heating_ = false;
  }
  const double power_w = powered && heating_ ? kElementW : 0.0;
  const double loss_w = kLossWPerK * (temperature_c_ - 20.0);
  temperature_c_ += (power_w - loss_w) * dt_s / (kVolumeL * kWaterJPerLK);
  return power_w;
}

}  // namespace kirchhoff::sim
