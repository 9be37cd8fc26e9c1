// Fuzz target: JSON paths as written in an installation file and their
// evaluation over MQTT payloads, both untrusted. The input's first line is
// the path, the rest the payload; the whole input is also tried as a path
// and as a bare payload. Errors must be reported, never crash or throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "devices/mqtt/payload.hpp"
#include "model/json_path.hpp"

namespace {

namespace mqtt = kirchhoff::devices::mqtt;
namespace model = kirchhoff::model;

void evaluate(const model::JsonPath& path, std::string_view bytes) {
  const mqtt::Payload payload(bytes);
  (void)payload.number(path);
  (void)payload.text(path);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view path_text = input.substr(0, newline);
  const std::string_view payload =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  if (auto path = model::parse_json_path(path_text)) {
    evaluate(*path, payload);
  }
  (void)model::parse_json_path(input);
  evaluate(model::JsonPath{}, input);
  return 0;
}
