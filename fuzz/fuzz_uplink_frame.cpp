// Fuzz target: the uplink outbox's packed frames (docs/uplink-format.md), as
// a damaged database row could hold them. The first byte is the point count
// the row claims; decoding must fail with a message or give exactly that
// many points, and what decodes must encode back to the same bytes it came
// from when the points fill the data exactly.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mqtt/uplink/outbox.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace uplink = kirchhoff::mqtt::uplink;
  if (size == 0) {
    return 0;
  }
  const std::int64_t count = data[0];
  const std::string_view frame(reinterpret_cast<const char*>(data + 1), size - 1);
  auto points = uplink::decode_frame(frame, count);
  if (!points) {
    if (points.error().message.empty()) {
      __builtin_trap();
    }
    return 0;
  }
  if (static_cast<std::int64_t>(points->size()) != count) {
    __builtin_trap();
  }
  // Encoding what was decoded and decoding it again gives the same points
  // (a value may have several encodings, so compare values, not bytes).
  std::string again;
  for (const auto& [id, value] : *points) {
    uplink::encode_point(id, value, again);
  }
  auto back = uplink::decode_frame(again, count);
  if (!back || back->size() != points->size()) {
    __builtin_trap();
  }
  for (std::size_t i = 0; i < points->size(); ++i) {
    const double a = (*points)[i].second;
    const double b = (*back)[i].second;
    if ((*points)[i].first != (*back)[i].first || !(a == b || (std::isnan(a) && std::isnan(b)))) {
      __builtin_trap();
    }
  }
  return 0;
}
