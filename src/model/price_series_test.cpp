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

namespace kirchhoff::model {
namespace {

// Day-ahead JSON: the object form with a negative hour; instants from
// kMarch1Utc (2026-03-01T00:00Z, worked out above).
TEST(PriceSeriesJson, ObjectFormWithANegativeHour) {
  const auto series = PriceSeries::parse_json(
      R"({"prices": [
        {"start": "2026-03-01T01:00:00+01:00", "import_eur_per_kwh": 0.25, "export_eur_per_kwh": 0.05, "area": "BE"},
        {"start": "2026-03-01T02:00:00+01:00", "import_eur_per_kwh": -0.1, "export_eur_per_kwh": -0.2}
      ]})",
      "http://host/p.json");
  ASSERT_TRUE(series.ok()) << series.error().message;
  EXPECT_EQ(series->size(), 2u);
  EXPECT_EQ(series->step_s(), 3600);
  EXPECT_EQ(series->first_unix_s(), kMarch1Utc);
  EXPECT_DOUBLE_EQ(series->price_at(kMarch1Utc + 3599)->import_per_kwh, 0.25);
  EXPECT_DOUBLE_EQ(series->price_at(kMarch1Utc + 3600)->export_per_kwh, -0.2);
  EXPECT_FALSE(series->price_at(kMarch1Utc + 7200).has_value());
}

TEST(PriceSeriesJson, ArrayFormInQuarterHours) {
  const auto series = PriceSeries::parse_json(
      R"([{"start": "2026-03-01T00:00Z", "import_eur_per_kwh": 1, "export_eur_per_kwh": 0},
          {"start": "2026-03-01T00:15Z", "import_eur_per_kwh": 2, "export_eur_per_kwh": 0}])",
      "t");
  ASSERT_TRUE(series.ok()) << series.error().message;
  EXPECT_EQ(series->step_s(), 900);
  EXPECT_DOUBLE_EQ(series->price_at(kMarch1Utc + 900)->import_per_kwh, 2.0);
}

TEST(PriceSeriesJson, ErrorsNameThePlace) {
  auto error_of = [](const std::string& text) {
    const auto series = PriceSeries::parse_json(text, "src");
    return series.ok() ? std::string("ok") : series.error().message;
  };
  EXPECT_EQ(error_of("{"), "src: not JSON");
  EXPECT_EQ(error_of("{\"data\": []}"),
            "src: expected an array of prices or an object with \"prices\"");
  EXPECT_EQ(error_of("[]"), "src: prices: no prices: the list is empty");
  EXPECT_EQ(error_of("[1]"),
            "src: prices[0]: expected an object with start, import_eur_per_kwh, "
            "export_eur_per_kwh");
  EXPECT_THAT(error_of(R"([{"start": "2026-13-01T00:00Z", "import_eur_per_kwh": 0,
                            "export_eur_per_kwh": 0}])"),
              HasSubstr("src: prices[0].start: bad time '2026-13-01T00:00Z'"));
  EXPECT_EQ(error_of(R"([{"start": "2026-03-01T00:00Z", "import_eur_per_kwh": "0.1",
                         "export_eur_per_kwh": 0}])"),
            "src: prices[0].import_eur_per_kwh: missing, or not a number");
  EXPECT_THAT(error_of(R"([{"start": "2026-03-01T00:00Z", "import_eur_per_kwh": 0,
                           "export_eur_per_kwh": 11}])"),
              HasSubstr("src: prices[0].export_eur_per_kwh: price out of range"));
  EXPECT_THAT(
      error_of(R"([{"start": "2026-03-01T00:00Z", "import_eur_per_kwh": 0, "export_eur_per_kwh": 0},
                           {"start": "2026-03-01T00:30Z", "import_eur_per_kwh": 0, "export_eur_per_kwh": 0}])"),
      HasSubstr("src: prices[1].start: step not 15 or 60 minutes: 1800 s"));
  EXPECT_THAT(
      error_of(R"([{"start": "2026-03-01T01:00Z", "import_eur_per_kwh": 0, "export_eur_per_kwh": 0},
                           {"start": "2026-03-01T00:00Z", "import_eur_per_kwh": 0, "export_eur_per_kwh": 0}])"),
      HasSubstr("src: prices[1].start: out of order"));
}

PriceSeries json_series(const std::string& text) {
  auto series = PriceSeries::parse_json(text, "t");
  EXPECT_TRUE(series.ok()) << series.error().message;
  return series.ok() ? std::move(*series) : PriceSeries{};
}

// An hourly day (00:00-02:00 at 0.10, 0.20) with newer quarter hours over
// 01:00-01:30 (0.50, 0.60): the merged series is in quarter hours, the newer
// prices win where they exist and the hour holds for its other quarters.
TEST(PriceSeriesJson, MergeNewerWinsInQuarterHours) {
  const auto older = json_series(R"([
      {"start": "2026-03-01T00:00Z", "import_eur_per_kwh": 0.1, "export_eur_per_kwh": 0.01},
      {"start": "2026-03-01T01:00Z", "import_eur_per_kwh": 0.2, "export_eur_per_kwh": 0.02}])");
  const auto newer = json_series(R"([
      {"start": "2026-03-01T01:00Z", "import_eur_per_kwh": 0.5, "export_eur_per_kwh": 0.05},
      {"start": "2026-03-01T01:15Z", "import_eur_per_kwh": 0.6, "export_eur_per_kwh": 0.06}])");
  const auto merged = PriceSeries::merge(older, newer, 0);
  EXPECT_EQ(merged.step_s(), 900);
  EXPECT_EQ(merged.size(), 8u);  // two hours of quarters
  EXPECT_DOUBLE_EQ(merged.price_at(kMarch1Utc + 2700)->import_per_kwh, 0.1);
  EXPECT_DOUBLE_EQ(merged.price_at(kMarch1Utc + 3600)->import_per_kwh, 0.5);
  EXPECT_DOUBLE_EQ(merged.price_at(kMarch1Utc + 4500)->import_per_kwh, 0.6);
  EXPECT_DOUBLE_EQ(merged.price_at(kMarch1Utc + 5400)->import_per_kwh, 0.2);
  EXPECT_FALSE(merged.price_at(kMarch1Utc + 7200).has_value());
  // Rows ending at or before 01:00 are dropped.
  const auto pruned = PriceSeries::merge(older, newer, kMarch1Utc + 3600);
  EXPECT_EQ(pruned.first_unix_s(), kMarch1Utc + 3600);
  // rows() lists the steps overlapping a range.
  const auto rows = merged.rows(kMarch1Utc + 3700, kMarch1Utc + 4600);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].start_unix_s, kMarch1Utc + 3600);
  EXPECT_EQ(rows[1].start_unix_s, kMarch1Utc + 4500);
  // Merging into nothing keeps the series as it is.
  const auto alone = PriceSeries::merge(PriceSeries{}, older, 0);
  EXPECT_EQ(alone.step_s(), 3600);
  EXPECT_EQ(alone.size(), 2u);
}

TEST(PriceSeriesJson, MisalignedGridsTheNewerReplaces) {
  const auto older = json_series(R"([
      {"start": "2026-03-01T00:00Z", "import_eur_per_kwh": 0.1, "export_eur_per_kwh": 0}])");
  const auto newer = json_series(R"([
      {"start": "2026-03-01T00:10Z", "import_eur_per_kwh": 0.3, "export_eur_per_kwh": 0}])");
  const auto merged = PriceSeries::merge(older, newer, 0);
  EXPECT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged.first_unix_s(), kMarch1Utc + 600);
}

}  // namespace
}  // namespace kirchhoff::model
