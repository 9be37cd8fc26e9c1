// One MQTT message's payload and the values at JSON paths in it
// (docs/devices.md, "MQTT devices"). Payloads come from the network and are
// untrusted: nothing here throws or crashes on any bytes (fuzzed by
// fuzz/fuzz_json_path.cpp).
//
// A payload is parsed once, as JSON when it is JSON; otherwise it is kept as
// text, which only the empty path can name (Shelly Gen 1 sends bare words
// such as `on`). Plain value; not thread-safe, used by one thread at a time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.hpp"
#include "model/json_path.hpp"

namespace kirchhoff::devices::mqtt {

// Larger payloads are refused unparsed: a device's status is a few KiB.
inline constexpr std::size_t kMaxPayloadBytes = 256 * 1024;

class Payload {
 public:
  explicit Payload(std::string_view bytes);

  // The number at `path`: a JSON number, or a JSON string (or bare text for
  // the empty path) that holds a decimal number ("12.5"). Finite only.
  common::Result<double> number(const model::JsonPath& path) const;
  // The scalar at `path` as text: a string as is, true/false, a number as
  // JSON writes it; bare text (trimmed) for the empty path. Objects, arrays
  // and null are errors.
  common::Result<std::string> text(const model::JsonPath& path) const;

 private:
  common::Result<const nlohmann::json*> at(const model::JsonPath& path) const;

  std::string raw_;  // trimmed; used when the payload is not JSON
  nlohmann::json json_;
  bool is_json_ = false;
  bool too_large_ = false;
};

}  // namespace kirchhoff::devices::mqtt
