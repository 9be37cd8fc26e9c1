// A path to one value in a JSON document, as written in the installation
// file for MQTT devices: keys separated by dots, each optionally followed by
// [N] array indices ("ENERGY.Power", "aenergy.total", "[0].power"). The empty
// path names the whole document. Parsing never throws; the evaluation over a
// payload lives with the MQTT driver (devices/mqtt/payload.hpp). Plain values.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.hpp"

namespace kirchhoff::model {

// A key of an object or an index into an array.
using JsonPathStep = std::variant<std::string, std::size_t>;

struct JsonPath {
  std::string text;  // as written, for messages
  std::vector<JsonPathStep> steps;
  bool empty() const { return steps.empty(); }
};

// Bounds that keep a path (and its evaluation) small.
inline constexpr std::size_t kMaxJsonPathChars = 256;
inline constexpr std::size_t kMaxJsonPathIndexDigits = 9;

// Fails with the 1-based character where the path goes wrong and why.
common::Result<JsonPath> parse_json_path(std::string_view text);

}  // namespace kirchhoff::model
