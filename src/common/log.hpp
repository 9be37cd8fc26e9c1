// Structured logs: one line per event, `time=... level=... msg="..." key=value`
// (logfmt), easy to read on a terminal and to parse. The sink is passed in; no
// global logger. Thread-safe: lines from several threads never interleave.
// For the systemd journal (LogFormat::kJournal) a line starts with its syslog
// priority `<N>` (sd-daemon(3)) so the journal keeps the level, and has no
// time: the journal stamps every line itself.
// Never log secrets: passwords, tokens and setup codes have no place here.
#pragma once

#include <initializer_list>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace kirchhoff::common {

enum class LogLevel { kDebug, kInfo, kWarning, kError };
enum class LogFormat { kPlain, kJournal };

// "debug", "info", "warning", "error"; nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view name);

// Whether `fd` is the stream systemd connected to the journal: the
// $JOURNAL_STREAM value ("DEVICE:INODE", may be null) names its device and
// inode (systemd.exec(5)). A stderr redirected elsewhere by a child's shell
// keeps the variable but not the inode, hence the comparison.
bool is_journal_stream(const char* journal_stream, int fd);

class Logger {
 public:
  using Field = std::pair<std::string_view, std::string>;

  explicit Logger(std::ostream& sink, LogLevel min_level = LogLevel::kInfo,
                  LogFormat format = LogFormat::kPlain)
      : sink_(sink), min_level_(min_level), format_(format) {}

  void log(LogLevel level, std::string_view message, std::initializer_list<Field> fields = {});
  void debug(std::string_view m, std::initializer_list<Field> f = {}) {
    log(LogLevel::kDebug, m, f);
  }
  void info(std::string_view m, std::initializer_list<Field> f = {}) { log(LogLevel::kInfo, m, f); }
  void warning(std::string_view m, std::initializer_list<Field> f = {}) {
    log(LogLevel::kWarning, m, f);
  }
  void error(std::string_view m, std::initializer_list<Field> f = {}) {
    log(LogLevel::kError, m, f);
  }

 private:
  std::ostream& sink_;
  LogLevel min_level_;
  LogFormat format_;
  std::mutex mutex_;
};

// A value as logfmt writes it: bare when it is a plain word, else quoted with
// quotes, backslashes and control characters escaped.
std::string logfmt_value(std::string_view value);

}  // namespace kirchhoff::common
