#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "sim/battery.hpp"
#include "sim/breaker.hpp"
#include "sim/ev.hpp"
#include "sim/heat_pump.hpp"
#include "sim/household.hpp"
#include "sim/random.hpp"
#include "sim/solar.hpp"
#include "sim/weather.hpp"

namespace kirchhoff::sim {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;
constexpr double kLat = 50.85;  // Brussels
constexpr double kLon = 4.35;

// The highest elevation of the sun over one UTC day, sampled each minute.
double noon_elevation_deg(std::int64_t day_start) {
  double best = -90.0;
  for (std::int64_t t = day_start; t < day_start + 86400; t += 60) {
    best = std::max(best, sun_position(t, kLat, kLon).elevation_rad / kDeg);
  }
  return best;
}

TEST(Sun, NoonElevationAtSolsticesAndEquinox) {
  // At solar noon the elevation is 90 - latitude + declination, with the
  // declination +23.44 deg at the June solstice, -23.44 in December, 0 at the
  // March equinox (~20 March). Spencer's series is good to ~0.3 deg.
  EXPECT_NEAR(noon_elevation_deg(1782000000 - 1782000000 % 86400), 90 - kLat + 23.44,
              0.4);                                                     // 2026-06-21
  EXPECT_NEAR(noon_elevation_deg(1797811200), 90 - kLat - 23.44, 0.4);  // 2026-12-21
  EXPECT_NEAR(noon_elevation_deg(1773964800), 90 - kLat + 0.0, 0.6);    // 2026-03-20
}

TEST(Sun, SolarNoonIsSouthAndMidnightIsDark) {
  // Solar noon in Brussels is near 11:43 UTC (12:00 - 4 min/deg * 4.35 deg,
  // +-15 min equation of time); the sun then stands due south (azimuth 180).
  const std::int64_t june21 = 1782000000 - 1782000000 % 86400;
  const SunPosition noon = sun_position(june21 + 11 * 3600 + 43 * 60, kLat, kLon);
  EXPECT_NEAR(noon.azimuth_rad / kDeg, 180.0, 5.0);
  EXPECT_LT(sun_position(june21, kLat, kLon).elevation_rad, 0.0);
}

TEST(ClearSky, HaurwitzAtZenith) {
  // 1098 * exp(-0.057) = 1037.17 W/m2 with the sun overhead.
  EXPECT_NEAR(clear_sky_ghi(90 * kDeg), 1098.0 * std::exp(-0.057), 1e-9);
  EXPECT_EQ(clear_sky_ghi(-1 * kDeg), 0.0);
}

TEST(Pv, FlatPanelUnderClearZenithSunAndClipping) {
  // A horizontal panel sees GHI (no ground reflection at tilt 0).
  SunPosition zenith{90 * kDeg, 180 * kDeg};
  const double poa = plane_of_array_irradiance(zenith, {0.0, 180.0}, 1.0);
  EXPECT_NEAR(poa, clear_sky_ghi(90 * kDeg), 1e-6);
  // 1000 W/m2 at 25 C cell temperature: outdoor 25 - 1000*25/800 = -6.25 C;
  // AC = 5000 * 0.96 = 4800 W.
  PvSystem pv{5000.0, 10000.0, {}};
  EXPECT_NEAR(pv_ac_power_w(pv, 1000.0, 25.0 - 1000.0 * 25.0 / 800.0), 4800.0, 1e-9);
  pv.inverter_max_w = 3000.0;
  EXPECT_DOUBLE_EQ(pv_ac_power_w(pv, 1000.0, 0.0), 3000.0);
}

TEST(Battery, EfficiencyAndLimits) {
  BatteryParams params;  // 10 kWh, 5 kW, 90 % round trip, SoC 10-95 %, starts at 50 %
  SimBattery battery(params);
  battery.set_power_w(-1000.0);
  for (int i = 0; i < 3600; ++i) {
    EXPECT_DOUBLE_EQ(battery.step(0.0, 1.0), -1000.0);
  }
  // One hour at 1 kW stores 1000 * sqrt(0.9) Wh.
  EXPECT_NEAR(battery.stored_wh(), 5000.0 + 1000.0 * std::sqrt(0.9), 1e-6);
  battery.set_power_w(20000.0);
  EXPECT_DOUBLE_EQ(battery.step(0.0, 1.0), 5000.0);  // clamped to the discharge limit
  // Never below the minimum SoC however long it discharges.
  for (int i = 0; i < 4 * 3600; ++i) {
    battery.step(0.0, 1.0);
  }
  EXPECT_NEAR(battery.soc(), 0.10, 1e-9);
  EXPECT_EQ(battery.step(0.0, 1.0), 0.0);
  // Released, it follows the site: covers import, absorbs export.
  battery.release();
  EXPECT_DOUBLE_EQ(battery.step(-800.0, 1.0), -800.0);
}

TEST(EvCharger, PausesBelowSixAmpsAndObeysItsLimit) {
  SimEvCharger ev({3, 16.0, 16.0, 0.92}, 42);
  // Find the first moment a car is plugged in.
  std::int64_t t = 1767225600;
  double current = 0.0;
  for (int i = 0; i < 14 * 86400 && current == 0.0; ++i) {
    current = ev.step(++t, 230.0, 1.0);
  }
  ASSERT_TRUE(ev.plugged());
  EXPECT_DOUBLE_EQ(current, 16.0);  // unmanaged: full current
  EXPECT_DOUBLE_EQ(ev.power_w(), 16.0 * 230.0 * 3);
  ev.set_current_limit_a(10.0);
  EXPECT_DOUBLE_EQ(ev.step(++t, 230.0, 1.0), 10.0);
  ev.set_current_limit_a(5.9);
  EXPECT_DOUBLE_EQ(ev.step(++t, 230.0, 1.0), 0.0);
  ev.set_current_limit_a(32.0);
  ev.set_phases(1);
  ev.step(++t, 230.0, 1.0);
  EXPECT_DOUBLE_EQ(ev.power_w(), 16.0 * 230.0);  // car limit 16 A, one phase
}

TEST(HeatPump, CopAndSgReady) {
  // COP = 0.5 * 308.15 K / (35 - 5) K = 5.136 at 5 C outdoors.
  EXPECT_NEAR(SimHeatPump::cop(5.0), 0.5 * 308.15 / 30.0, 1e-9);
  // At -30 C: 0.5 * 308.15 / 65 = 2.370; at 33 C the 5 K minimum lift caps it at 5.5.
  EXPECT_NEAR(SimHeatPump::cop(-30.0), 0.5 * 308.15 / 65.0, 1e-9);
  EXPECT_DOUBLE_EQ(SimHeatPump::cop(33.0), 5.5);
  HeatPumpParams params;
  params.initial_indoor_c = 18.0;  // cold house: wants heat
  SimHeatPump hp(params);
  EXPECT_DOUBLE_EQ(hp.step(0.0, 1.0), 2000.0);
  hp.set_sg_ready(devices::SgReadyState::kBlocked);
  EXPECT_DOUBLE_EQ(hp.step(0.0, 1.0), 0.0);  // blocked stops it at once
  hp.set_sg_ready(devices::SgReadyState::kForced);
  for (int i = 0; i < 599; ++i) {
    EXPECT_DOUBLE_EQ(hp.step(0.0, 1.0), 0.0);  // 10 min pause protects the compressor
  }
  EXPECT_DOUBLE_EQ(hp.step(0.0, 1.0), 2000.0);
}

TEST(HeatPump, HouseCoolsWithTheRightTimeConstant) {
  // Blocked heat pump, no gains: T_in - T_out decays as exp(-t UA / C);
  // after 10 h with UA 180 W/K and C 36 MJ/K: 20 * exp(-0.18).
  HeatPumpParams params;
  params.internal_gains_w = 0.0;
  params.initial_indoor_c = 20.0;
  SimHeatPump hp(params);
  hp.set_sg_ready(devices::SgReadyState::kBlocked);
  for (int i = 0; i < 36000; ++i) {
    hp.step(0.0, 1.0);
  }
  EXPECT_NEAR(hp.indoor_c(), 20.0 * std::exp(-36000.0 * 180.0 / 36e6), 0.01);
}

TEST(Boiler, HeatsOnlyWhenPoweredAndConservesEnergy) {
  SimBoiler boiler;
  // Draw 100 l of 10 C water into 200 l at 55 C: mix to (55*100 + 10*100)/200 = 32.5 C.
  EXPECT_DOUBLE_EQ(boiler.step(false, 100.0, 0.0), 0.0);
  EXPECT_NEAR(boiler.temperature_c(), 32.5, 1e-9);
  EXPECT_DOUBLE_EQ(boiler.step(false, 0.0, 1.0), 0.0);  // relay open: cold stays cold
  EXPECT_DOUBLE_EQ(boiler.step(true, 0.0, 1.0), 2400.0);
}

TEST(Weather, DeterministicAndSeasonal) {
  Weather a(7);
  Weather b(7);
  double january = 0.0;
  double july = 0.0;
  for (std::int64_t day = 0; day < 365; ++day) {
    const std::int64_t t = 1767225600 + day * 86400 + 12 * 3600;
    a.advance(t);
    b.advance(t);
    ASSERT_EQ(a.outdoor_c(), b.outdoor_c());
    ASSERT_GE(a.clear_sky_index(), 0.05);
    ASSERT_LE(a.clear_sky_index(), 1.0);
    if (day < 31) {
      january += a.outdoor_c() / 31;
    } else if (day >= 181 && day < 212) {
      july += a.outdoor_c() / 31;
    }
  }
  // Noon means: 10.5 -+ 7.5*cos(~15 deg) seasonal + 4*cos(45 deg) daily; the
  // anomaly (sd 2.5 C, two-day memory) averages to sd ~0.9 C over 31 days.
  EXPECT_NEAR(january, 10.5 - 7.5 * 0.97 + 4.0 * 0.71, 3.0);
  EXPECT_NEAR(july, 10.5 + 7.5 * 0.97 + 4.0 * 0.71, 3.0);
}

TEST(Rng, UniformAndNormalMoments) {
  Rng rng(123);
  double sum = 0.0;
  double sum_sq = 0.0;
  constexpr int kN = 200000;
  for (int i = 0; i < kN; ++i) {
    const double x = rng.normal();
    sum += x;
    sum_sq += x * x;
  }
  // Mean 0 and variance 1 within ~5 standard errors (1/sqrt(N) = 0.0022).
  EXPECT_NEAR(sum / kN, 0.0, 0.011);
  EXPECT_NEAR(sum_sq / kN, 1.0, 0.02);
}

// IEC 60898-1 conventional currents: 1.13 In must not trip within an hour,
// 1.45 In must trip within an hour, 2.55 In trips between 1 and 60 s (In <= 32 A).
// Expected times from t = -tau ln(1 - 1.29^2 / m^2) with tau = 120 s.
TEST(Breaker, ThermalTripTimes) {
  EXPECT_TRUE(std::isinf(BreakerModel::thermal_trip_s(1.13)));
  EXPECT_NEAR(BreakerModel::thermal_trip_s(1.45), 188.13, 0.01);
  EXPECT_NEAR(BreakerModel::thermal_trip_s(2.55), 35.47, 0.01);
  // Stepped once a second from cold at 2.55 In: the 36th second trips.
  BreakerModel breaker(25.0, TripCurve::kC);
  int seconds = 0;
  while (!breaker.step({2.55 * 25.0, 0.0, 0.0}, 1.0) && seconds < 100) {
    ++seconds;
  }
  EXPECT_EQ(seconds + 1, 36);
  // 1.13 In for ten hours never trips.
  BreakerModel steady(25.0, TripCurve::kB);
  bool tripped = false;
  for (int s = 0; s < 36000; ++s) {
    tripped = tripped || steady.step({1.13 * 25.0, 1.13 * 25.0, 0.0}, 1.0);
  }
  EXPECT_FALSE(tripped);
}

TEST(Breaker, MagneticReleaseByCurve) {
  // 5 In: a B curve trips at once; a C curve only thermally, after
  // -120 ln(1 - 1.6641 / 25) = 8.26 s, so in its 9th second.
  BreakerModel b(16.0, TripCurve::kB);
  EXPECT_TRUE(b.step({0.0, 80.0, 0.0}, 1.0));
  BreakerModel c(16.0, TripCurve::kC);
  int seconds = 1;
  while (!c.step({0.0, 80.0, 0.0}, 1.0)) {
    ++seconds;
  }
  EXPECT_EQ(seconds, 9);
  EXPECT_TRUE(c.step({0.0, 0.0, -160.0}, 0.1));  // 10 In, exporting: instantly
}

}  // namespace
}  // namespace kirchhoff::sim
