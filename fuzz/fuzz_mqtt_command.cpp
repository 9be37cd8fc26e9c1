// Fuzz target: MQTT commands (topic, payload) for a fixed installation, and
// the slug rule on the same bytes. The input is "TOPIC\nPAYLOAD" (no newline:
// all topic, empty payload). Errors must be values, never a crash or throw;
// an accepted command must pass control::validate().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "control/commands.hpp"
#include "mqtt/site/commands.hpp"
#include "mqtt/site/test_site.hpp"
#include "mqtt/site/topics.hpp"

namespace {

namespace site = kirchhoff::mqtt::site;

const kirchhoff::model::Installation& installation() {
  static const auto inst = site::testing::test_site();
  return inst;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto newline = text.find('\n');
  const std::string_view topic = text.substr(0, newline);
  const std::string_view payload =
      newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
  for (const bool read_only : {false, true}) {
    const site::TopicConfig config{"kirchhoff/home", "homeassistant", "kirchhoff_home", read_only};
    // 2026-03-01T00:00Z at UTC+1: sessions within 7 days of it are accepted.
    const auto command =
        site::parse_command(topic, payload, installation(), config, {1772323200, 3600});
    if (command.ok()) {
      if (read_only || !kirchhoff::control::validate(*command, installation()).ok()) {
        std::abort();  // read-only must refuse; accepted commands are valid
      }
      (void)kirchhoff::control::describe(*command);
    } else if (command.error().message.empty()) {
      std::abort();
    }
  }
  const std::string s = site::slug(text);
  for (const char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      std::abort();
    }
  }
  if (s.empty() || s.size() > 48 || s.front() == '_' || s.back() == '_') {
    std::abort();
  }
  return 0;
}
