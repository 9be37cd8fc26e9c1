// The text of `kirchhoff history read`'s CSV lines, written for speed: a
// month of 1 Hz points is 2.7 million lines, and formatting them through
// gmtime_r, snprintf and an ostream cost over 80 % of the command's time.
// The output is byte for byte what common::format_utc_time and
// printf("%.10g") give (history_csv_test checks it against them).
// Not thread-safe (a formatter caches the last date); cheap to create.
#pragma once

#include <cstdint>
#include <string>

namespace kirchhoff::app {

class UtcTimeFormatter {
 public:
  // Appends "YYYY-MM-DDTHH:MM:SSZ" for `unix_ms` truncated to the second,
  // as common::format_utc_time does. Times before 1970 or after 9999 take
  // that function itself.
  void append(std::string& out, std::int64_t unix_ms);

 private:
  std::int64_t day_ = -1;  // days since 1970-01-01 of `date_`
  char date_[10] = {};     // "YYYY-MM-DD"
};

// Appends `value` as printf's "%.10g" writes it (nan, inf and -0 included).
void append_number(std::string& out, double value);

}  // namespace kirchhoff::app
