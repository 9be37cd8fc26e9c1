// Parsing of `--name value` command-line options for the subcommands.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace kirchhoff::app {

class Options {
 public:
  // Every argument must be `--name value` with a name from `known`; errors
  // name the argument and suggest the closest known name.
  static common::Result<Options> parse(std::span<const std::string> args,
                                       std::span<const std::string_view> known);

  std::optional<std::string> get(std::string_view name) const;
  // A whole number within [min, max]; the error names the option.
  common::Result<long long> integer(std::string_view name, long long fallback, long long min,
                                    long long max) const;

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace kirchhoff::app
