// UTC times as people and URLs write them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace kirchhoff::common {

// "2026-06-21", "2026-06-21T12:00", "2026-06-21T12:00:00Z" (UTC) or unix
// seconds, as unix seconds.
std::optional<std::int64_t> parse_utc_time(const std::string& text);

// "2026-06-21T12:00:00Z" for unix milliseconds.
std::string format_utc_time(std::int64_t unix_ms);

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// civil-calendar algorithm); month 1..12.
std::int64_t days_from_civil(int year, int month, int day);

// Days of a month (1..12) of a Gregorian year.
int days_in_month(int year, int month);

// The system clock now, in unix milliseconds (for stamps, not for intervals).
std::int64_t unix_ms_now();

// The box's local time of day and month, for tariff windows and billing
// months. localtime_r is slow enough to matter a year of seconds at a time,
// so the offset from UTC is looked up once per hour (zone changes happen on
// the hour). Not thread-safe: one per user.
class LocalClock {
 public:
  struct Local {
    int minute_of_day = 0;  // 0..1439
    int month_key = 0;      // year * 12 + month (0-based)
    std::int64_t day = 0;   // local days since 1970-01-01
    int weekday = 0;        // 0 = Monday .. 6 = Sunday
  };
  Local at(std::int64_t unix_s);

 private:
  std::int64_t hour_ = -1;
  std::int64_t offset_s_ = 0;
  std::int64_t day_ = -1;
  int month_key_ = 0;
};

}  // namespace kirchhoff::common
