#include "common/time.hpp"

#include <chrono>

#include <charconv>
#include <cstdio>
#include <ctime>

namespace kirchhoff::common {

std::int64_t days_from_civil(int year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const int yoe = year - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::optional<std::int64_t> parse_utc_time(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char tail[8] = {};
  const int fields =
      std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%7s", &y, &mo, &d, &h, &mi, &s, tail);
  if (fields >= 3 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 && mi >= 0 &&
      mi < 60 && s >= 0 && s < 61) {
    std::tm fields_tm{};
    fields_tm.tm_year = y - 1900;
    fields_tm.tm_mon = mo - 1;
    fields_tm.tm_mday = d;
    fields_tm.tm_hour = h;
    fields_tm.tm_min = mi;
    fields_tm.tm_sec = s;
    return static_cast<std::int64_t>(timegm(&fields_tm));
  }
  long long value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (!text.empty() && ec == std::errc() && stop == end) {
    return value;
  }
  return std::nullopt;
}

std::string format_utc_time(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

LocalClock::Local LocalClock::at(std::int64_t unix_s) {
  const std::int64_t hour = unix_s / 3600;
  if (hour != hour_) {
    hour_ = hour;
    const std::time_t t = static_cast<std::time_t>(unix_s);
    std::tm local{};
    localtime_r(&t, &local);
    offset_s_ = local.tm_gmtoff;
  }
  const std::int64_t local_s = unix_s + offset_s_;
  const std::int64_t day = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
  if (day != day_) {
    day_ = day;
    const std::time_t t = static_cast<std::time_t>(day * 86400);
    std::tm date{};
    gmtime_r(&t, &date);
    month_key_ = (date.tm_year + 1900) * 12 + date.tm_mon;
  }
  // 1970-01-01 was a Thursday (weekday 3 when Monday is 0).
  const std::int64_t weekday = ((day + 3) % 7 + 7) % 7;
  return {static_cast<int>((local_s - day * 86400) / 60), month_key_, day,
          static_cast<int>(weekday)};
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace kirchhoff::common
