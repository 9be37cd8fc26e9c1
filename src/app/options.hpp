// Parsing of `--name value` command-line options for the subcommands.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace kirchhoff::app {

class Options {
 public:
  // Every argument must be `--name value` with a name from `known`; errors
  // name the argument and suggest the closest known name.
  // `flags` take no value (`--rogowski-raw`).
  static common::Result<Options> parse(std::span<const std::string> args,
                                       std::span<const std::string_view> known,
                                       std::span<const std::string_view> flags = {});

  bool flag(std::string_view name) const { return flags_.contains(std::string(name)); }

  std::optional<std::string> get(std::string_view name) const;
  // A whole number within [min, max]; the error names the option.
  common::Result<long long> integer(std::string_view name, long long fallback, long long min,
                                    long long max) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::set<std::string> flags_;
};

// "2026-06-21", "2026-06-21T12:00", "2026-06-21T12:00:00Z" (UTC) or unix
// seconds, as unix seconds.
std::optional<std::int64_t> parse_utc_time(const std::string& text);

// "2026-06-21T12:00:00Z" for unix milliseconds.
std::string format_utc_time(std::int64_t unix_ms);

}  // namespace kirchhoff::app
