#include "common/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace kirchhoff::common {

namespace {

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

}  // namespace

std::string logfmt_value(std::string_view value) {
  bool plain = !value.empty();
  for (char c : value) {
    plain = plain && c > ' ' && c != '"' && c != '=' && c != '\\' && c < 127;
  }
  if (plain) {
    return std::string(value);
  }
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < ' ') {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
      out += escaped;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void Logger::log(LogLevel level, std::string_view message, std::initializer_list<Field> fields) {
  if (level < min_level_) {
    return;
  }
  std::string line =
      "time=" + utc_now() + " level=" + level_name(level) + " msg=" + logfmt_value(message);
  for (const auto& [key, value] : fields) {
    line += " ";
    line += key;
    line += "=" + logfmt_value(value);
  }
  line += "\n";
  std::lock_guard lock(mutex_);
  sink_ << line << std::flush;
}

}  // namespace kirchhoff::common
