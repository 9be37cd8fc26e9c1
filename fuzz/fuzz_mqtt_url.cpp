// Fuzz target: MQTT broker URLs ("mqtt://[user@]host[:port]", "mqtts://...",
// IPv6 in brackets) and topic filters on arbitrary bytes. A parse must fail
// with a message or give a host and a port in range whose to_string() parses
// back to the same broker; nothing may crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mqtt/client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace mqtt = kirchhoff::mqtt;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto url = mqtt::parse_broker_url(text);
  if (!url) {
    if (url.error().message.empty()) {
      __builtin_trap();
    }
  } else {
    if (url->host.empty() || url->port < 1 || url->port > 65535) {
      __builtin_trap();
    }
    auto again = mqtt::parse_broker_url(mqtt::to_string(*url));
    if (!again || again->host != url->host || again->port != url->port || again->tls != url->tls) {
      __builtin_trap();
    }
  }
  // The input split at its first newline: a filter and a topic.
  const std::size_t newline = text.find('\n');
  if (newline != std::string_view::npos) {
    (void)mqtt::topic_matches(text.substr(0, newline), text.substr(newline + 1));
  }
  return 0;
}
