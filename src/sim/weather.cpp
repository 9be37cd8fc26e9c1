#include "sim/weather.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace kirchhoff::sim {

Weather::Weather(std::uint64_t seed, Climate climate) : rng_(seed), climate_(climate) {}

void Weather::advance(std::int64_t unix_s) {
  constexpr double kTwoPi = 2.0 * std::numbers::pi;
  const std::int64_t day = unix_s / 86400;
  const std::int64_t minute = unix_s / 60;
  const double day_of_year = std::fmod(static_cast<double>(day), 365.2425);
  if (day != day_) {
    day_ = day;
    // Summer (around day 180) has more clear days than winter.
    const double summer = 0.5 - 0.5 * std::cos(kTwoPi * (day_of_year - 10.0) / 365.2425);
    const double p_clear = 0.15 + 0.25 * summer;
    const double p_overcast = 0.40 - 0.20 * summer;
    const double draw = rng_.uniform();
    if (draw < p_clear) {
      day_mean_k_ = rng_.uniform(0.85, 1.0);
      day_spread_k_ = 0.03;
    } else if (draw < 1.0 - p_overcast) {
      day_mean_k_ = rng_.uniform(0.45, 0.8);
      day_spread_k_ = 0.25;
    } else {
      day_mean_k_ = rng_.uniform(0.1, 0.35);
      day_spread_k_ = 0.06;
    }
  }
  if (minute != minute_) {
    // AR(1) per minute: phi = exp(-1 / 2880) gives a two-day memory and the
    // innovation keeps the stationary standard deviation at 2.5 C. Over a gap
    // of k minutes the exact transition is phi^k, with the variance to match,
    // so callers may advance by a second or by a day.
    const double k = minute_ < 0 ? 1.0 : static_cast<double>(minute - minute_);
    minute_ = minute;
    constexpr double kPhi = 0.99965283;
    const double phi_k = std::pow(kPhi, k);
    anomaly_c_ = phi_k * anomaly_c_ + 2.5 * std::sqrt(1.0 - phi_k * phi_k) * rng_.normal();
    clear_sky_index_ = std::clamp(day_mean_k_ + day_spread_k_ * rng_.normal(), 0.05, 1.0);
  }
  const double hour = static_cast<double>(unix_s % 86400) / 3600.0;
  outdoor_c_ = climate_.mean_c -
               climate_.seasonal_amplitude_c * std::cos(kTwoPi * (day_of_year - 20.0) / 365.2425) -
               climate_.daily_amplitude_c * std::cos(kTwoPi * (hour - 3.0) / 24.0) + anomaly_c_;
}

}  // namespace kirchhoff::sim
