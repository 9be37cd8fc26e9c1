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
                                       std::span<const std::string_view> flags,
                                       std::span<const std::string_view> repeatable) {
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
    bool is_repeatable = false;
    for (std::string_view r : repeatable) {
      is_repeatable = is_repeatable || r == name;
    }
    if (is_repeatable) {
      options.repeated_[name].push_back(args[i + 1]);
      continue;
    }
    if (!options.values_.emplace(name, args[i + 1]).second) {
      return make_error(ErrorKind::kInvalidArgument, "option '" + arg + "' is given twice");
    }
  }
  return options;
}

std::vector<std::string> Options::all(std::string_view name) const {
  const auto it = repeated_.find(name);
  return it == repeated_.end() ? std::vector<std::string>{} : it->second;
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

}  // namespace kirchhoff::app
