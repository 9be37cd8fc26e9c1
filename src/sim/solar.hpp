// Sun and PV: where the sun is, how much light reaches a tilted panel, and what
// a PV system makes of it.
//
// Sun position: NOAA's formulas after Spencer (1971) for declination and the
// equation of time, accurate to about 0.5 degree. Clear-sky irradiance:
// Haurwitz (1945), GHI = 1098 cos(z) exp(-0.057 / cos(z)) W/m2. Plane of
// array: isotropic sky (Liu & Jordan) with ground albedo 0.2. Cell temperature
// from the NOCT model (45 C at 800 W/m2) and a power coefficient of -0.4 %/K.
#pragma once

#include <cstdint>

namespace kirchhoff::sim {

struct SunPosition {
  double elevation_rad = 0.0;  // above the horizon; negative at night
  double azimuth_rad = 0.0;    // clockwise from north (south = pi)
};

SunPosition sun_position(std::int64_t unix_s, double latitude_deg, double longitude_deg);

// Clear-sky global horizontal irradiance (W/m2) for a solar elevation.
double clear_sky_ghi(double elevation_rad);

struct PanelOrientation {
  double tilt_deg = 35.0;      // from horizontal
  double azimuth_deg = 180.0;  // clockwise from north; 180 = facing south
};

// Irradiance on the panel (W/m2) for a sun position and a clear-sky index
// (1 = clear, towards 0 = overcast). Cloud makes the light more diffuse.
double plane_of_array_irradiance(const SunPosition& sun, const PanelOrientation& panel,
                                 double clear_sky_index);

struct PvSystem {
  double peak_w = 5000.0;        // DC rating at 1000 W/m2, 25 C
  double inverter_max_w = 5000;  // AC limit of the inverter
  PanelOrientation panel;
};

// AC power (W) of a PV system for a plane-of-array irradiance and outdoor
// temperature, before any export limit.
double pv_ac_power_w(const PvSystem& pv, double poa_w_m2, double outdoor_c);

}  // namespace kirchhoff::sim
