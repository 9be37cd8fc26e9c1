#include "forecast/forecast.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace kirchhoff::forecast {
namespace {

// Unix times (from Python's calendar.timegm), in UTC.
constexpr std::int64_t kJun21 = 1782000000;          // 2026-06-21T00:00Z
constexpr std::int64_t kJun21_1130 = 1782041400;     // 2026-06-21T11:30Z
constexpr std::int64_t kDec21_1130 = 1797852600;     // 2026-12-21T11:30Z
constexpr std::int64_t kMonday = 1767567600;         // 2026-01-04T23:00Z = Mon 5 Jan 00:00 CET
constexpr std::int64_t kMar29Midnight = 1774738800;  // 2026-03-28T23:00Z = 29 Mar 00:00 CET
constexpr std::int64_t kMar30Midnight = 1774821600;  // 2026-03-29T22:00Z = 30 Mar 00:00 CEST
constexpr std::int64_t kMar31Midnight = 1774908000;  // 2026-03-30T22:00Z
constexpr std::int64_t kOct25Midnight = 1792879200;  // 2026-10-24T22:00Z = 25 Oct 00:00 CEST
constexpr std::int64_t kOct26Midnight = 1792969200;  // 2026-10-25T23:00Z = 26 Oct 00:00 CET
constexpr std::int64_t kDay = 86400;

// Local time follows the box's zone; these tests fix it to Brussels' rules
// (CET, CEST from the last Sunday of March 01:00 UTC to the last Sunday of
// October 01:00 UTC), as a POSIX zone so no zone database is needed.
class Forecast : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
    tzset();
  }
};

PvArray brussels(double tilt_deg) {
  PvArray array;
  array.panel.tilt_deg = tilt_deg;
  array.panel.azimuth_deg = 180.0;
  array.peak_w = 1000.0;
  array.inverter_max_w = 10000.0;  // no clipping
  return array;
}

TEST_F(Forecast, SlotStartFloorsToQuarterHours) {
  EXPECT_EQ(slot_start(0), 0);
  EXPECT_EQ(slot_start(899), 0);
  EXPECT_EQ(slot_start(900), 900);
  EXPECT_EQ(slot_start(-1), -900);
}

// A horizontal 1 kWp array in Brussels (50.85 N) at solar noon of the June
// solstice: elevation = 90 - 50.85 + 23.44 = 62.59 deg, cos z = 0.88774;
// Haurwitz GHI = 1098 * 0.88774 * exp(-0.057 / 0.88774) = 914.1 W/m2; on a
// horizontal plane the isotropic model gives GHI back (beam + diffuse, no
// ground term). Cell at 15 + 914.1 * 25 / 800 = 43.57 C; AC = 1000 * 0.9141 *
// (1 - 0.004 * 18.57) * 0.96 = 812.4 W. Solar noon is near 11:44 UTC (4 min
// per degree east, equation of time -1.7 min); the 11:30 slot's samples lie
// within 12 minutes of it, where the elevation is lower by under 0.1 deg
// (0.1 % of power), so 0.5 % covers that and Spencer's declination.
TEST_F(Forecast, ClearSkyAtSolarNoonOfTheSolsticeMatchesAHandCalculation) {
  const PvForecast pv(brussels(0.0));
  EXPECT_NEAR(pv.clear_sky_w(kJun21_1130), 812.4, 812.4 * 0.005);
}

TEST_F(Forecast, ClearSkyIsZeroAtNightSymmetricAroundNoonAndHigherInJune) {
  const PvForecast pv(brussels(35.0));
  EXPECT_EQ(pv.clear_sky_w(kJun21), 0.0);              // 02:00 local
  EXPECT_EQ(pv.clear_sky_w(kJun21 + 22 * 3600), 0.0);  // 00:00 local
  // Slots whose middles lie 2 h 7.5 min either side of 11:45 UTC, ~1 min from
  // solar noon: a south-facing array sees the same sun on both.
  const double morning = pv.clear_sky_w(kJun21 + 9 * 3600 + 1800);     // 09:30-09:45 UTC
  const double afternoon = pv.clear_sky_w(kJun21 + 13 * 3600 + 2700);  // 13:45-14:00 UTC
  EXPECT_GT(morning, 300.0);
  EXPECT_NEAR(morning, afternoon, 0.01 * morning);
  EXPECT_GT(pv.clear_sky_w(kJun21_1130), morning);
  EXPECT_GT(pv.clear_sky_w(kJun21_1130), pv.clear_sky_w(kDec21_1130));
  EXPECT_GT(pv.clear_sky_w(kDec21_1130), 0.0);
}

TEST_F(Forecast, ClearSkyIsClippedAtTheInverterLimit) {
  PvArray array = brussels(35.0);
  array.inverter_max_w = 500.0;
  const PvForecast pv(array);
  EXPECT_EQ(pv.clear_sky_w(kJun21_1130), 500.0);
}

// Ten overcast days at 30 % of clear sky: tomorrow's forecast at midnight is
// 30 % of tomorrow's clear sky (both the recent and the 30-day ratio are 0.3).
TEST_F(Forecast, PvAfterOvercastDaysIsTheObservedShareOfClearSky) {
  PvForecast pv(brussels(35.0));
  const std::int64_t first = kJun21 - 10 * kDay;
  for (std::int64_t t = first; t < kJun21; t += kSlotS) {
    pv.observe(t, 0.3 * pv.clear_sky_w(t));
  }
  EXPECT_NEAR(pv.ratio(kJun21_1130, kJun21), 0.3, 1e-12);
  EXPECT_NEAR(pv.forecast_w(kJun21_1130, kJun21), 0.3 * pv.clear_sky_w(kJun21_1130), 1e-9);
  EXPECT_EQ(pv.forecast_w(kJun21, kJun21), 0.0);  // night
}

TEST_F(Forecast, PvBeforeAnyDataUsesThePriorRatio) {
  PvOptions options;
  options.prior_ratio = 0.6;
  const PvForecast pv(brussels(35.0), options);
  EXPECT_NEAR(pv.forecast_w(kJun21_1130, kJun21), 0.6 * pv.clear_sky_w(kJun21_1130), 1e-9);
}

// Three clear days, then a morning at half of clear sky until 11:30 UTC: the
// next slot gets mostly the morning's ratio, tomorrow mostly the long one.
// r = w 0.5 + (1 - w) r_long, w = exp(-(age + lead) / 6 h) (docs/forecasts.md).
TEST_F(Forecast, PvBlendsTheRecentRatioIntoTheLongTermOne) {
  PvForecast pv(brussels(35.0));
  const std::int64_t now = kJun21_1130;
  double clear_sum = 0.0, measured_sum = 0.0;
  for (std::int64_t t = kJun21 - 3 * kDay; t < now; t += kSlotS) {
    const double clear = pv.clear_sky_w(t);
    const double measured = t < kJun21 ? clear : 0.5 * clear;
    pv.observe(t, measured);
    if (clear >= 0.05 * 10000.0) {  // daylight slots only
      clear_sum += clear;
      measured_sum += measured;
    }
  }
  const double r_long = measured_sum / clear_sum;
  ASSERT_GT(r_long, 0.8);  // mostly the clear days
  ASSERT_LT(r_long, 1.0);
  // The next slot: age 0, lead to its middle 450 s.
  const double w_next = std::exp(-450.0 / 21600.0);
  EXPECT_NEAR(pv.ratio(now, now), w_next * 0.5 + (1 - w_next) * r_long, 1e-12);
  // The same time tomorrow: lead 24 h + 450 s.
  const double w_tomorrow = std::exp(-(86400.0 + 450.0) / 21600.0);
  EXPECT_NEAR(pv.ratio(now + kDay, now), w_tomorrow * 0.5 + (1 - w_tomorrow) * r_long, 1e-12);
}

// A forecast at `now` reads only slots that ended by then: observing the
// following days (as a replay would) changes nothing.
TEST_F(Forecast, PvForecastDoesNotPeekPastNow) {
  PvForecast replay(brussels(35.0));
  PvForecast live(brussels(35.0));
  const std::int64_t now = kJun21 + 10 * 3600 + 900;  // mid-morning
  for (std::int64_t t = kJun21 - 5 * kDay; t < now; t += kSlotS) {
    const double measured =
        (0.2 + 0.1 * static_cast<double>((t / kSlotS) % 7)) * live.clear_sky_w(t);
    replay.observe(t, measured);
    live.observe(t, measured);
  }
  std::vector<double> before;
  for (int j = 0; j < 192; ++j) {
    before.push_back(replay.forecast_w(now + j * kSlotS, now));
  }
  // The slot starting at `now` and two more days, far from the history.
  for (std::int64_t t = now; t < now + 2 * kDay; t += kSlotS) {
    replay.observe(t, 0.01 * replay.clear_sky_w(t));
  }
  for (int j = 0; j < 192; ++j) {
    EXPECT_EQ(replay.forecast_w(now + j * kSlotS, now), before[static_cast<std::size_t>(j)]) << j;
    EXPECT_EQ(live.forecast_w(now + j * kSlotS, now), before[static_cast<std::size_t>(j)]) << j;
  }
}

// Local weekday (Monday 0) x quarter hour: 1000 W per weekday plus 1 W per
// quarter hour, so every cell of the week differs.
double weekly_pattern_w(std::int64_t slot) {
  const std::int64_t local_s = slot + 3600;               // CET in January
  const std::int64_t weekday = (local_s / kDay + 3) % 7;  // 1970-01-01 was a Thursday
  return 1000.0 * static_cast<double>(weekday) + static_cast<double>(local_s % kDay / kSlotS);
}

TEST_F(Forecast, AWeeklyLoadPatternIsLearntExactly) {
  EXPECT_EQ(weekly_pattern_w(kMonday), 0.0);                              // Monday 00:00
  EXPECT_EQ(weekly_pattern_w(kMonday + 7 * kDay - kSlotS), 6000.0 + 95);  // Sunday 23:45
  LoadOptions options;
  options.weekday_share = 1.0;
  for (bool median : {false, true}) {
    options.track_median = median;
    LoadForecast load(options);
    for (std::int64_t t = kMonday; t < kMonday + 3 * 7 * kDay; t += kSlotS) {
      load.observe(t, weekly_pattern_w(t));
    }
    // The residual of a pattern learnt exactly is 0, so every lead is exact.
    for (std::int64_t t = kMonday + 21 * kDay; t < kMonday + 28 * kDay; t += kSlotS) {
      ASSERT_EQ(load.forecast_w(t), weekly_pattern_w(t)) << "median " << median << " at " << t;
    }
  }
}

// The same daily pattern every day is learnt exactly with the default options
// (weekday cells and all-days cells agree).
TEST_F(Forecast, ADailyLoadPatternIsLearntExactlyWithTheDefaults) {
  LoadForecast load;
  const auto pattern_w = [](std::int64_t t) {
    return 200.0 + 10.0 * static_cast<double>((t + 3600) % kDay / kSlotS);
  };
  for (std::int64_t t = kMonday; t < kMonday + 8 * kDay; t += kSlotS) {
    load.observe(t, pattern_w(t));
  }
  for (std::int64_t t = kMonday + 8 * kDay; t < kMonday + 10 * kDay; t += kSlotS) {
    ASSERT_EQ(load.forecast_w(t), pattern_w(t)) << t;
  }
}

TEST_F(Forecast, LoadFallsBackToAllDaysThenTheMeanThenZero) {
  LoadOptions options;
  options.residual_time_constant_s = 0.0;  // the profile alone
  LoadForecast load(options);
  const std::int64_t monday_8 = kMonday + 8 * 3600;
  EXPECT_EQ(load.forecast_w(monday_8), 0.0);  // nothing yet
  load.observe(monday_8, 500.0);
  EXPECT_EQ(load.forecast_w(monday_8 + 7 * kDay), 500.0);  // its own cell
  const std::int64_t tuesday_9 = kMonday + kDay + 9 * 3600;
  EXPECT_EQ(load.forecast_w(tuesday_9), 500.0);  // no 09:00 yet: the overall mean
  load.observe(tuesday_9, 300.0);
  // Wednesday 09:00: no Wednesday cell, the all-days 09:00 cell.
  EXPECT_EQ(load.forecast_w(tuesday_9 + kDay), 300.0);
  // Wednesday 12:00: no 12:00 at all, the mean of everything.
  EXPECT_EQ(load.forecast_w(tuesday_9 + kDay + 3 * 3600), 400.0);
  // Monday 08:00 again: half the Monday cell, half the all-days cell (both 500).
  EXPECT_EQ(load.forecast_w(monday_8 + 7 * kDay), 500.0);
}

// The recent-level correction: the last slot's residual, decaying with the
// lead by exp(-lead / 1 h).
TEST_F(Forecast, LoadRecentLevelCorrectionDecaysWithTheLead) {
  LoadForecast load;
  for (std::int64_t t = kMonday; t < kMonday + 7 * kDay; t += kSlotS) {
    load.observe(t, 400.0);
  }
  const std::int64_t last = kMonday + 7 * kDay;
  // The profile has 400 everywhere; this slot comes in 600 W higher.
  load.observe(last, 1000.0);
  EXPECT_EQ(load.profile_w(last + kSlotS), 400.0);  // only Monday 00:00's cells moved
  EXPECT_NEAR(load.forecast_w(last + kSlotS), load.profile_w(last + kSlotS) + 600.0, 1e-9);
  EXPECT_NEAR(load.forecast_w(last + kSlotS + 3600),
              load.profile_w(last + kSlotS + 3600) + 600.0 * std::exp(-1.0), 1e-9);
}

TEST_F(Forecast, LoadIgnoresNonFiniteValues) {
  LoadForecast load;
  load.observe(kMonday, std::nan(""));
  EXPECT_EQ(load.forecast_w(kMonday + kSlotS), 0.0);
  EXPECT_EQ(load.observed_until_unix_s(), INT64_MIN);
  load.observe(kMonday, 100.0);
  load.observe(kMonday - kSlotS, 100.0);  // late, older: the newest stays
  EXPECT_EQ(load.observed_until_unix_s(), kMonday + kSlotS);
}

// |100 - 80| = 20, |50 - 60| = 10, |0 - 30| = 30: MAE 20 on the first day;
// |5 - 0| = 5 on the next; over all slots (20 + 10 + 30 + 5) / 4 = 16.25.
TEST_F(Forecast, DailyErrorIsTheMeanAbsoluteErrorPerLocalDay) {
  DailyError error;
  EXPECT_EQ(error.mean_mae_w(), 0.0);
  const std::int64_t day1 = kMonday;  // local midnight
  error.add(day1 + 10 * 3600, 100.0, 80.0);
  error.add(day1 + 10 * 3600 + kSlotS, 50.0, 60.0);
  error.add(day1 + 23 * 3600 + 3 * kSlotS, 0.0, 30.0);  // 23:45 local: still day 1
  error.add(day1 + kDay, 5.0, 0.0);                     // 00:00 local: day 2
  ASSERT_EQ(error.days().size(), 2u);
  EXPECT_EQ(error.days()[0].day_start_unix_s, day1);
  EXPECT_EQ(error.days()[0].slots, 3);
  EXPECT_DOUBLE_EQ(error.days()[0].mae_w, 20.0);
  EXPECT_EQ(error.days()[1].day_start_unix_s, day1 + kDay);
  EXPECT_EQ(error.days()[1].slots, 1);
  EXPECT_DOUBLE_EQ(error.days()[1].mae_w, 5.0);
  EXPECT_DOUBLE_EQ(error.mean_mae_w(), 16.25);
}

// 29 March 2026 has 23 local hours (92 slots), 25 October 100; the days start
// at local midnight, which moves by an hour in UTC across each change.
TEST_F(Forecast, DailyErrorDaysFollowLocalMidnightAcrossSummerTime) {
  DailyError spring;
  for (std::int64_t t = kMar29Midnight; t < kMar31Midnight; t += kSlotS) {
    spring.add(t, 1.0, 0.0);
  }
  ASSERT_EQ(spring.days().size(), 2u);
  EXPECT_EQ(spring.days()[0].day_start_unix_s, kMar29Midnight);
  EXPECT_EQ(spring.days()[0].slots, 92);
  EXPECT_EQ(spring.days()[1].day_start_unix_s, kMar30Midnight);
  EXPECT_EQ(spring.days()[1].slots, 96);

  DailyError autumn;
  // Added out of order (the afternoon first): the day's start is still found.
  autumn.add(kOct25Midnight + 15 * 3600, 1.0, 0.0);
  for (std::int64_t t = kOct25Midnight - kDay; t < kOct26Midnight; t += kSlotS) {
    if (t != kOct25Midnight + 15 * 3600) {
      autumn.add(t, 1.0, 0.0);
    }
  }
  ASSERT_EQ(autumn.days().size(), 2u);
  EXPECT_EQ(autumn.days()[0].day_start_unix_s, kOct25Midnight - kDay);
  EXPECT_EQ(autumn.days()[0].slots, 96);
  EXPECT_EQ(autumn.days()[1].day_start_unix_s, kOct25Midnight);
  EXPECT_EQ(autumn.days()[1].slots, 100);
}

// The load profile's cells are local: the same local hour before and after the
// spring change (an hour apart in UTC) is one cell.
TEST_F(Forecast, LoadCellsAreInLocalTimeAcrossSummerTime) {
  LoadOptions options;
  options.residual_time_constant_s = 0.0;
  LoadForecast load(options);
  // Saturday 28 March 08:00 CET = 07:00Z.
  load.observe(kMar29Midnight - kDay + 8 * 3600, 700.0);
  // Saturday 4 April 08:00 CEST = 06:00Z: the same cell.
  EXPECT_EQ(load.forecast_w(kMar30Midnight + 5 * kDay + 8 * 3600), 700.0);
}

}  // namespace
}  // namespace kirchhoff::forecast
