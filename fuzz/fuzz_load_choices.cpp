// Fuzz target: the daemon's choices file in the data directory
// (choices.json: charger modes, the SG Ready hold, the battery reserve), as
// a damaged disk or a hand edit could leave it. Any bytes give choices or an
// error, never a crash or an exception; each choice has exactly one value in
// range, and choices written back read back the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/choice_memory.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto choices = kirchhoff::daemon::parse_load_choices(input);
  if (!choices) {
    return 0;
  }
  for (std::size_t i = 0; i < choices->size(); ++i) {
    const auto& c = (*choices)[i];
    const int kinds = (c.ev_mode ? 1 : 0) + (c.sg_ready ? 1 : 0) + (c.reserve_pct ? 1 : 0);
    if (kinds != 1 || c.load.empty() || (c.sg_ready && (*c.sg_ready < 1 || *c.sg_ready > 4)) ||
        (c.reserve_pct && !(*c.reserve_pct >= 0.0 && *c.reserve_pct <= 100.0))) {
      std::abort();
    }
    for (std::size_t j = i + 1; j < choices->size(); ++j) {
      if ((*choices)[j].load == c.load) {
        std::abort();
      }
    }
  }
  const auto again =
      kirchhoff::daemon::parse_load_choices(kirchhoff::daemon::load_choices_json(*choices));
  if (!again || again->size() != choices->size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < choices->size(); ++i) {
    const auto& a = (*choices)[i];
    const auto& b = (*again)[i];
    if (a.load != b.load || a.ev_mode != b.ev_mode || a.sg_ready != b.sg_ready ||
        a.reserve_pct != b.reserve_pct || a.user != b.user || a.time_ms != b.time_ms) {
      std::abort();
    }
  }
  return 0;
}
