#include "sim/solar.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace kirchhoff::sim {

namespace {
constexpr double kPi = std::numbers::pi;
constexpr double kDeg = kPi / 180.0;
}  // namespace

SunPosition sun_position(std::int64_t unix_s, double latitude_deg, double longitude_deg) {
  const std::int64_t day_index = unix_s / 86400;
  const double seconds_of_day = static_cast<double>(unix_s - day_index * 86400);
  // Day of year from days since 1970-01-01; exact enough for a yearly model:
  // the 365.2425-day mean year keeps it within a day over centuries.
  const double days = static_cast<double>(day_index) + seconds_of_day / 86400.0;
  const double year_fraction = std::fmod(days - 0.5, 365.2425) / 365.2425;  // 0 at ~1 Jan
  const double g = 2.0 * kPi * year_fraction;
  const double eqtime_min = 229.18 * (0.000075 + 0.001868 * std::cos(g) - 0.032077 * std::sin(g) -
                                      0.014615 * std::cos(2 * g) - 0.040849 * std::sin(2 * g));
  const double decl = 0.006918 - 0.399912 * std::cos(g) + 0.070257 * std::sin(g) -
                      0.006758 * std::cos(2 * g) + 0.000907 * std::sin(2 * g) -
                      0.002697 * std::cos(3 * g) + 0.00148 * std::sin(3 * g);
  const double true_solar_min = seconds_of_day / 60.0 + eqtime_min + 4.0 * longitude_deg;
  const double hour_angle = (true_solar_min / 4.0 - 180.0) * kDeg;
  const double lat = latitude_deg * kDeg;
  const double cos_zenith = std::clamp(
      std::sin(lat) * std::sin(decl) + std::cos(lat) * std::cos(decl) * std::cos(hour_angle), -1.0,
      1.0);
  SunPosition sun;
  sun.elevation_rad = kPi / 2 - std::acos(cos_zenith);
  // Azimuth from south, then turned to "from north".
  const double az_south = std::atan2(
      std::sin(hour_angle), std::cos(hour_angle) * std::sin(lat) - std::tan(decl) * std::cos(lat));
  sun.azimuth_rad = az_south + kPi;
  return sun;
}

double clear_sky_ghi(double elevation_rad) {
  const double cos_z = std::sin(elevation_rad);
  if (cos_z <= 0.0) {
    return 0.0;
  }
  return 1098.0 * cos_z * std::exp(-0.057 / cos_z);
}

double plane_of_array_irradiance(const SunPosition& sun, const PanelOrientation& panel,
                                 double clear_sky_index) {
  const double ghi_clear = clear_sky_ghi(sun.elevation_rad);
  if (ghi_clear <= 0.0) {
    return 0.0;
  }
  const double k = std::clamp(clear_sky_index, 0.0, 1.0);
  const double ghi = k * ghi_clear;
  // Diffuse fraction: about 15 % under a clear sky, all of it under full cloud.
  const double diffuse_fraction = 0.15 + 0.85 * (1.0 - k);
  const double dhi = diffuse_fraction * ghi;
  const double cos_z = std::sin(sun.elevation_rad);
  const double dni = (ghi - dhi) / std::max(cos_z, 0.05);
  const double tilt = panel.tilt_deg * kDeg;
  const double cos_aoi =
      cos_z * std::cos(tilt) + std::cos(sun.elevation_rad) * std::sin(tilt) *
                                   std::cos(sun.azimuth_rad - panel.azimuth_deg * kDeg);
  const double beam = dni * std::max(cos_aoi, 0.0);
  const double sky = dhi * (1.0 + std::cos(tilt)) / 2.0;
  const double ground = ghi * 0.2 * (1.0 - std::cos(tilt)) / 2.0;
  return beam + sky + ground;
}

double pv_ac_power_w(const PvSystem& pv, double poa_w_m2, double outdoor_c) {
  if (poa_w_m2 <= 0.0) {
    return 0.0;
  }
  const double cell_c = outdoor_c + poa_w_m2 * (45.0 - 20.0) / 800.0;  // NOCT model
  const double dc = pv.peak_w * poa_w_m2 / 1000.0 * (1.0 - 0.004 * (cell_c - 25.0));
  const double ac = dc * 0.96;  // inverter and wiring losses
  return std::clamp(ac, 0.0, pv.inverter_max_w);
}

}  // namespace kirchhoff::sim
