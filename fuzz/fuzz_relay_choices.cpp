// Fuzz target: the relay choices file in the data directory (relays.json),
// as a damaged disk or a hand edit could leave it. Any bytes give choices or
// an error, never a crash or an exception; choices written back read back
// the same (one per relay, numbers in range).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/relay_memory.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto choices = kirchhoff::daemon::parse_relay_choices(input);
  if (!choices) {
    return 0;
  }
  for (std::size_t i = 0; i < choices->size(); ++i) {
    const auto& c = (*choices)[i];
    if (c.output < 1 || c.output > 1000) {
      std::abort();
    }
    for (std::size_t j = i + 1; j < choices->size(); ++j) {
      if ((*choices)[j].module == c.module && (*choices)[j].output == c.output) {
        std::abort();
      }
    }
  }
  const auto again =
      kirchhoff::daemon::parse_relay_choices(kirchhoff::daemon::relay_choices_json(*choices));
  if (!again || again->size() != choices->size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < choices->size(); ++i) {
    const auto& a = (*choices)[i];
    const auto& b = (*again)[i];
    if (a.module != b.module || a.output != b.output || a.name != b.name || a.on != b.on ||
        a.user != b.user || a.time_ms != b.time_ms) {
      std::abort();
    }
  }
  return 0;
}
