// Outdoor temperature and cloud cover, deterministic from a seed.
//
// Temperature: a yearly cosine (coldest around 20 January) plus a daily cosine
// (warmest at 15:00) plus a slow random anomaly (first-order autoregressive,
// correlation time about two days). Defaults are Brussels' climate normals
// (mean 10.5 C, seasonal swing +-7.5 C, daily +-4 C).
//
// Clouds: each day draws a regime (clear, broken or overcast; clear days are
// likelier in summer); within a day the clear-sky index wanders around the
// regime's mean, minute by minute, as broken clouds pass.
#pragma once

#include <cstdint>

#include "sim/random.hpp"

namespace kirchhoff::sim {

struct Climate {
  double mean_c = 10.5;
  double seasonal_amplitude_c = 7.5;
  double daily_amplitude_c = 4.0;
};

class Weather {
 public:
  Weather(std::uint64_t seed, Climate climate = {});

  // Advances to `unix_s` (call with increasing times) and updates the values.
  void advance(std::int64_t unix_s);

  double outdoor_c() const { return outdoor_c_; }
  double clear_sky_index() const { return clear_sky_index_; }

 private:
  Rng rng_;
  Climate climate_;
  std::int64_t day_ = -1;
  std::int64_t minute_ = -1;
  double anomaly_c_ = 0.0;
  double day_mean_k_ = 0.8;
  double day_spread_k_ = 0.05;
  double outdoor_c_ = 10.0;
  double clear_sky_index_ = 1.0;
};

}  // namespace kirchhoff::sim
