#include "common/log.hpp"

#include <sys/stat.h>

#include <charconv>
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

// The syslog priority of a level (sd-daemon(3): SD_DEBUG 7, SD_INFO 6,
// SD_WARNING 4, SD_ERR 3).
const char* journal_prefix(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "<7>";
    case LogLevel::kInfo:
      return "<6>";
    case LogLevel::kWarning:
      return "<4>";
    case LogLevel::kError:
      return "<3>";
  }
  return "<6>";
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (name == level_name(level)) {
      return level;
    }
  }
  return std::nullopt;
}

bool is_journal_stream(const char* journal_stream, int fd) {
  if (journal_stream == nullptr) {
    return false;
  }
  const std::string_view text(journal_stream);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  unsigned long long device = 0;
  unsigned long long inode = 0;
  const char* end = text.data() + text.size();
  const auto [device_end, device_ec] = std::from_chars(text.data(), text.data() + colon, device);
  const auto [inode_end, inode_ec] = std::from_chars(text.data() + colon + 1, end, inode);
  if (device_ec != std::errc() || device_end != text.data() + colon || inode_ec != std::errc() ||
      inode_end != end || colon == 0 || colon + 1 == text.size()) {
    return false;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    return false;
  }
  return static_cast<unsigned long long>(info.st_dev) == device &&
         static_cast<unsigned long long>(info.st_ino) == inode;
}

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
  // Appends only: GCC 12 at -O3 warns falsely about `"literal" + std::string`
  // (bug 105651).
  std::string line;
  line.reserve(128);
  if (format_ == LogFormat::kJournal) {
    line += journal_prefix(level);
  } else {
    line += "time=";
    line += utc_now();
    line += ' ';
  }
  line += "level=";
  line += level_name(level);
  line += " msg=";
  line += logfmt_value(message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    line += logfmt_value(value);
  }
  line += "\n";
  std::lock_guard lock(mutex_);
  sink_ << line << std::flush;
}

}  // namespace kirchhoff::common
