#include "app/history_csv.hpp"

#include <algorithm>
#include <charconv>

#include "common/time.hpp"

namespace kirchhoff::app {

namespace {

// 9999-12-31T23:59:59Z: the last second with a four-digit year.
constexpr std::int64_t kLastFourDigitSecond = 253402300799;

void two_digits(char* at, int value) {
  at[0] = static_cast<char>('0' + value / 10);
  at[1] = static_cast<char>('0' + value % 10);
}

// Proleptic Gregorian date of a day count since 1970-01-01 (day >= 0), by
// counting 400-year eras from 0000-03-01 so that leap days end each year.
void civil_date(std::int64_t day, int& year, int& month, int& mday) {
  const std::int64_t z = day + 719468;  // days since 0000-03-01
  const std::int64_t era = z / 146097;  // 400-year eras of 146097 days
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  // from March 1
  const std::int64_t mp = (5 * doy + 2) / 153;                       // March = 0
  mday = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(yoe + era * 400 + (month <= 2 ? 1 : 0));
}

}  // namespace

void UtcTimeFormatter::append(std::string& out, std::int64_t unix_ms) {
  const std::int64_t seconds = unix_ms / 1000;  // toward zero, as format_utc_time
  if (seconds < 0 || seconds > kLastFourDigitSecond) {
    out += common::format_utc_time(unix_ms);
    return;
  }
  const std::int64_t day = seconds / 86400;
  if (day != day_) {
    int year = 0;
    int month = 0;
    int mday = 0;
    civil_date(day, year, month, mday);
    two_digits(date_, year / 100);
    two_digits(date_ + 2, year % 100);
    date_[4] = '-';
    two_digits(date_ + 5, month);
    date_[7] = '-';
    two_digits(date_ + 8, mday);
    day_ = day;
  }
  const int second_of_day = static_cast<int>(seconds - day * 86400);
  char text[20];
  std::copy(date_, date_ + 10, text);
  text[10] = 'T';
  two_digits(text + 11, second_of_day / 3600);
  text[13] = ':';
  two_digits(text + 14, second_of_day / 60 % 60);
  text[16] = ':';
  two_digits(text + 17, second_of_day % 60);
  out.append(text, 19);
  out += 'Z';
}

void append_number(std::string& out, double value) {
  char text[40];
  // Fast path: where %.10g prints without an exponent (1e-4 <= |v| < 1e10)
  // and the shortest decimal that reads back as `value` has at most 10
  // significant digits, %.10g prints exactly that decimal: rounding the
  // exact binary value to 10 digits lands on it, as doubles are far denser
  // than 10-digit decimals. The shortest form is the cheaper one to find.
  const double magnitude = value < 0.0 ? -value : value;
  if (value == 0.0 || (magnitude >= 1e-4 && magnitude < 1e10)) {
    const auto result = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed);
    int digits = 0;
    bool leading = true;
    for (const char* c = text; c != result.ptr; ++c) {
      if (*c >= '0' && *c <= '9') {
        leading = leading && *c == '0';
        digits += leading ? 0 : 1;
      }
    }
    if (result.ec == std::errc() && digits <= 10) {
      out.append(text, result.ptr);
      return;
    }
  }
  // to_chars with a precision is specified as printf's %.{precision}g.
  const auto result =
      std::to_chars(text, text + sizeof text, value, std::chars_format::general, 10);
  out.append(text, result.ptr);
}

}  // namespace kirchhoff::app
