// Parsing of `--name value` command-line options for the subcommands.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/time.hpp"

namespace kirchhoff::app {

class Options {
 public:
  // Every argument must be `--name value` with a name from `known`; errors
  // name the argument and suggest the closest known name.
  // `flags` take no value (`--rogowski-raw`); `repeatable` options (also in
  // `known`) may be given many times (`--vary A=1 --vary B=2`), read with all().
  static common::Result<Options> parse(std::span<const std::string> args,
                                       std::span<const std::string_view> known,
                                       std::span<const std::string_view> flags = {},
                                       std::span<const std::string_view> repeatable = {});

  bool flag(std::string_view name) const { return flags_.contains(std::string(name)); }

  std::optional<std::string> get(std::string_view name) const;
  // Every value of a repeatable option, in the order given.
  std::vector<std::string> all(std::string_view name) const;
  // A whole number within [min, max]; the error names the option.
  common::Result<long long> integer(std::string_view name, long long fallback, long long min,
                                    long long max) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
  std::set<std::string> flags_;
  std::map<std::string, std::vector<std::string>, std::less<>> repeated_;
};

using common::format_utc_time;
using common::parse_utc_time;

}  // namespace kirchhoff::app
