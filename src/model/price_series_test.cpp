#include "model/price_series.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace kirchhoff::model {
namespace {

using ::testing::HasSubstr;

// 2026-03-01T00:00:00Z: 2026-01-01 is 1767225600, plus 31 + 28 days.
constexpr std::int64_t kMarch1Utc = 1767225600 + 59 * 86400;

TEST(PriceSeries, Iso8601WithOffsets) {
  EXPECT_EQ(parse_iso8601_with_offset("2026-03-01T00:00:00Z"), kMarch1Utc);
  EXPECT_EQ(parse_iso8601_with_offset("2026-03-01T00:00Z"), kMarch1Utc);
  EXPECT_EQ(parse_iso8601_with_offset("2026-03-01T01:00:00+01:00"), kMarch1Utc);
  EXPECT_EQ(parse_iso8601_with_offset("2026-02-28T19:00:00-05:00"), kMarch1Utc);
  EXPECT_EQ(parse_iso8601_with_offset("2026-03-01T05:30:00+05:30"), kMarch1Utc);
  EXPECT_EQ(parse_iso8601_with_offset("2028-02-29T00:00:00Z").has_value(), true);  // leap year
  for (const char* bad : {"2026-02-29T00:00:00Z", "2026-03-01T00:00:00", "2026-03-01 00:00+1",
                          "2026-13-01T00:00Z", "2026-03-01T24:00Z", "2026-03-01T00:00:00+01",
                          "2026-03-01T00:00:60Z", "", "x", "2026-03-01T00:00:00Zz"}) {
    EXPECT_FALSE(parse_iso8601_with_offset(bad).has_value()) << bad;
  }
}

TEST(PriceSeries, TwoHoursWithANegativeHour) {
  const auto series = PriceSeries::parse(
      "# two hours\r\n"
      "start,import_eur_per_kwh,export_eur_per_kwh\r\n"
      "\r\n"
      "2026-03-01T00:00:00+01:00,0.25,0.05\r\n"
      "2026-03-01T01:00:00+01:00,-0.10,-0.20\r\n",
      "p.csv");
  ASSERT_TRUE(series.ok()) << series.error().message;
  EXPECT_EQ(series->size(), 2u);
  EXPECT_EQ(series->step_s(), 3600);
  // Local midnight at +01:00 is 23:00 UTC the day before.
  EXPECT_EQ(series->first_unix_s(), kMarch1Utc - 3600);
  EXPECT_EQ(series->end_unix_s(), kMarch1Utc + 3600);
  EXPECT_FALSE(series->price_at(kMarch1Utc - 3601).has_value());
  EXPECT_EQ(series->price_at(kMarch1Utc - 3600)->import_per_kwh, 0.25);
  EXPECT_EQ(series->price_at(kMarch1Utc - 1)->export_per_kwh, 0.05);
  EXPECT_EQ(series->price_at(kMarch1Utc)->import_per_kwh, -0.10);
  EXPECT_EQ(series->price_at(kMarch1Utc + 3599)->export_per_kwh, -0.20);
  EXPECT_FALSE(series->price_at(kMarch1Utc + 3600).has_value());
}

TEST(PriceSeries, QuarterHoursAndGaps) {
  const auto series = PriceSeries::parse(
      "start,import_eur_per_kwh,export_eur_per_kwh\n"
      "2026-03-01T00:00:00Z,0.1,0\n"
      "2026-03-01T00:15:00Z,0.2,0\n"
      "2026-03-01T01:00:00Z,0.3,0\n",  // 00:30 and 00:45 missing
      "q.csv");
  ASSERT_TRUE(series.ok()) << series.error().message;
  EXPECT_EQ(series->step_s(), 900);
  EXPECT_EQ(series->price_at(kMarch1Utc + 899)->import_per_kwh, 0.1);
  EXPECT_EQ(series->price_at(kMarch1Utc + 900)->import_per_kwh, 0.2);
  EXPECT_FALSE(series->price_at(kMarch1Utc + 1800).has_value());
  EXPECT_FALSE(series->price_at(kMarch1Utc + 3599).has_value());
  EXPECT_EQ(series->price_at(kMarch1Utc + 3600)->import_per_kwh, 0.3);
  EXPECT_FALSE(series->price_at(kMarch1Utc + 4500).has_value());
}

// EU summer time 2026: clocks go from 02:00 CET to 03:00 CEST on 29 March
// (01:00 UTC) and back from 03:00 CEST to 02:00 CET on 25 October (01:00 UTC).
TEST(PriceSeries, DaylightSavingChanges) {
  const auto spring = PriceSeries::parse(
      "start,import_eur_per_kwh,export_eur_per_kwh\n"
      "2026-03-29T01:00:00+01:00,0.1,0\n"
      "2026-03-29T03:00:00+02:00,0.2,0\n",  // the next hour: 02:00 does not exist
      "spring.csv");
  ASSERT_TRUE(spring.ok()) << spring.error().message;
  EXPECT_EQ(spring->step_s(), 3600);
  const std::int64_t march29 = kMarch1Utc + 28 * 86400;
  EXPECT_EQ(spring->price_at(march29 + 1800)->import_per_kwh, 0.1);  // 00:30 UTC
  EXPECT_EQ(spring->price_at(march29 + 5400)->import_per_kwh, 0.2);  // 01:30 UTC
  const auto autumn = PriceSeries::parse(
      "start,import_eur_per_kwh,export_eur_per_kwh\n"
      "2026-10-25T02:00:00+02:00,0.3,0\n"
      "2026-10-25T02:00:00+01:00,0.4,0\n",  // the same wall-clock hour again
      "autumn.csv");
  ASSERT_TRUE(autumn.ok()) << autumn.error().message;
  // 2026-10-25T00:00Z: 2026-03-01 plus 31+30+31+30+31+31+30 days to Oct 1, plus 24.
  const std::int64_t october25 = kMarch1Utc + (214 + 24) * 86400;
  EXPECT_EQ(autumn->first_unix_s(), october25);
  EXPECT_EQ(autumn->price_at(october25 + 3600)->import_per_kwh, 0.4);
}

void expect_error(const std::string& body, const std::string& where, const std::string& reason) {
  const auto series =
      PriceSeries::parse("start,import_eur_per_kwh,export_eur_per_kwh\n" + body, "f.csv");
  ASSERT_FALSE(series.ok()) << body;
  EXPECT_THAT(series.error().message, HasSubstr("f.csv:" + where + ": ")) << body;
  EXPECT_THAT(series.error().message, HasSubstr(reason)) << body;
}

TEST(PriceSeries, ErrorsNameLineColumnAndReason) {
  expect_error("2026-03-01T00:00:00,0.1,0\n", "2:1", "bad time");
  expect_error("2026-03-01T00:00:00Z,0.1,abc\n", "2:26", "bad number");
  expect_error("2026-03-01T00:00:00Z,0.1,\n", "2:26", "bad number");
  expect_error("2026-03-01T00:00:00Z,nan,0\n", "2:22", "bad number");
  expect_error("2026-03-01T00:00:00Z,11,0\n", "2:22", "out of range");
  expect_error("2026-03-01T00:00:00Z,0.1\n", "2:25", "3 fields");
  expect_error("2026-03-01T00:00:00Z,0.1,0,4\n", "2:28", "3 fields");
  expect_error("2026-03-01T00:00:00Z,0.1,0\n2026-03-01T00:30:00Z,0.1,0\n", "3:1",
               "step not 15 or 60 minutes");
  expect_error(
      "2026-03-01T00:00:00Z,0.1,0\n2026-03-01T01:00:00Z,0.1,0\n2026-03-01T01:15:00Z,0.1,0\n", "4:1",
      "step not 60 minutes");
  expect_error("2026-03-01T01:00:00Z,0.1,0\n2026-03-01T00:00:00Z,0.1,0\n", "3:1", "out of order");
  expect_error("2026-03-01T01:00:00Z,0.1,0\n2026-03-01T02:00:00+01:00,0.1,0\n", "3:1", "duplicate");
  expect_error("", "1:1", "no prices");
  const auto no_header = PriceSeries::parse("2026-03-01T00:00:00Z,0.1,0\n", "f.csv");
  ASSERT_FALSE(no_header.ok());
  EXPECT_THAT(no_header.error().message, HasSubstr("f.csv:1:1: the header must be"));
  const auto missing = PriceSeries::load("/nonexistent/prices.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("/nonexistent/prices.csv: cannot read"));
}

}  // namespace
}  // namespace kirchhoff::model
