#include "app/options.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>
#include <vector>

#include "common/text.hpp"

namespace kirchhoff::app {

using common::ErrorKind;
using common::make_error;

common::Result<Options> Options::parse(std::span<const std::string> args,
                                       std::span<const std::string_view> known,
                                       std::span<const std::string_view> flags) {
  Options options;
  std::vector<std::string> names;
  for (std::string_view k : known) {
    names.push_back("--" + std::string(k));
  }
  for (std::string_view f : flags) {
    names.push_back("--" + std::string(f));
  }
  std::vector<std::string_view> name_views(names.begin(), names.end());
  for (std::size_t i = 0; i < args.size(); i += 2) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      return make_error(ErrorKind::kInvalidArgument, "unexpected argument '" + arg + "'");
    }
    const std::string name = arg.substr(2);
    bool is_flag = false;
    for (std::string_view f : flags) {
      is_flag = is_flag || f == name;
    }
    if (is_flag) {
      options.flags_.insert(name);
      --i;  // a flag takes no value
      continue;
    }
    bool is_known = false;
    for (std::string_view k : known) {
      is_known = is_known || k == name;
    }
    if (!is_known) {
      return make_error(ErrorKind::kInvalidArgument,
                        "unknown option '" + arg + "'" + common::did_you_mean(arg, name_views));
    }
    if (i + 1 >= args.size()) {
      return make_error(ErrorKind::kInvalidArgument, "option '" + arg + "' needs a value");
    }
    if (!options.values_.emplace(name, args[i + 1]).second) {
      return make_error(ErrorKind::kInvalidArgument, "option '" + arg + "' is given twice");
    }
  }
  return options;
}

std::optional<std::string> Options::get(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) {
    return std::nullopt;
  }
  return it->second;
}

common::Result<long long> Options::integer(std::string_view name, long long fallback, long long min,
                                           long long max) const {
  const auto text = get(name);
  if (!text) {
    return fallback;
  }
  long long value = 0;
  const char* end = text->data() + text->size();
  const auto [stop, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || stop != end || value < min || value > max) {
    return make_error(ErrorKind::kInvalidArgument,
                      "--" + std::string(name) + " must be a whole number from " +
                          std::to_string(min) + " to " + std::to_string(max) + ", not '" + *text +
                          "'");
  }
  return value;
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

}  // namespace kirchhoff::app
