#include "app/history_csv.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>

#include "common/time.hpp"

namespace kirchhoff::app {
namespace {

// The reference is what `history read` printed before: libc's printf.
std::string printf_g10(double v) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.10g", v);
  return buffer;
}

TEST(HistoryCsv, NumbersAreWhatPrintfG10Writes) {
  const double special[] = {0.0,
                            -0.0,
                            1.0,
                            -1.5,
                            0.1,
                            1234.5678,
                            1e10,
                            12345678901.0,  // 11 digits: exponent form
                            1e-5,
                            0.0001,
                            123456789.05,
                            9999999999.5,  // rounds up to 1e+10
                            9999999999.0,
                            1e6,  // the shortest form would be 1e+06; %g writes 1000000
                            0.00012345,
                            0.000099999,
                            123456.7891,   // 10 digits
                            123456.78912,  // 11 digits: rounded to 10
                            0.30000000000000004,
                            std::numeric_limits<double>::max(),
                            std::numeric_limits<double>::denorm_min(),
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity(),
                            std::numeric_limits<double>::quiet_NaN(),
                            -std::numeric_limits<double>::quiet_NaN()};
  for (double v : special) {
    std::string text;
    append_number(text, v);
    EXPECT_EQ(text, printf_g10(v)) << v;
  }
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> watts(-20000.0, 20000.0);
  std::uniform_int_distribution<int> decimals(0, 6);
  std::uniform_int_distribution<int> exponent(-12, 10);
  for (int i = 0; i < 300000; ++i) {
    // Measured values carry few decimals, at any magnitude (around the
    // fixed/exponent switch at 1e-4 and 1e10 too); raw bit patterns cover
    // the rest.
    const double scale = std::pow(10.0, decimals(rng));
    const double rounded = std::round(watts(rng) * scale) / scale;
    const double v = i % 3 == 0   ? rounded
                     : i % 3 == 1 ? rounded * std::pow(10.0, exponent(rng))
                                  : std::bit_cast<double>(rng());
    std::string text;
    append_number(text, v);
    ASSERT_EQ(text, printf_g10(v)) << i;
  }
}

TEST(HistoryCsv, TimesAreWhatFormatUtcTimeWrites) {
  UtcTimeFormatter formatter;
  // Hand-checked anchors: the epoch, 2026-01-01, a leap day, and the last
  // second of a leap year (2024-12-31T23:59:59Z = 1735689599).
  std::string text;
  formatter.append(text, 0);
  EXPECT_EQ(text, "1970-01-01T00:00:00Z");
  text.clear();
  formatter.append(text, 1767225600000);
  EXPECT_EQ(text, "2026-01-01T00:00:00Z");
  text.clear();
  formatter.append(text, 1709164800999);  // 2024-02-29, the ms truncated
  EXPECT_EQ(text, "2024-02-29T00:00:00Z");
  text.clear();
  formatter.append(text, 1735689599000);
  EXPECT_EQ(text, "2024-12-31T23:59:59Z");
  // Every second of a few days in order (the cached date), then random
  // times from before 1970 to after 9999 (the fallback), against the
  // gmtime-based original.
  for (std::int64_t t = 1709078400000; t < 1709078400000 + 3 * 86'400'000LL; t += 1000) {
    text.clear();
    formatter.append(text, t);
    ASSERT_EQ(text, common::format_utc_time(t)) << t;
  }
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<std::int64_t> ms(-100'000'000'000'000LL, 300'000'000'000'000LL);
  for (int i = 0; i < 200000; ++i) {
    const std::int64_t t = ms(rng);
    text.clear();
    formatter.append(text, t);
    ASSERT_EQ(text, common::format_utc_time(t)) << t;
  }
}

}  // namespace
}  // namespace kirchhoff::app
