// Fuzz target: diagnosis and the corrected installation file on arbitrary
// installation texts, with currents at angles drawn from the text itself.
// Whatever the layout of the file (flow or block style, comments, quotes,
// odd columns), diagnosing must not crash, and a corrected text, when one is
// written, must load and carry exactly the fixes.
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "diagnostics/diagnose.hpp"
#include "model/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto installation = kirchhoff::model::load_installation_text(text, "fuzz.yaml");
  if (!installation) {
    return 0;
  }
  // A small generator seeded by the text: the same input, the same currents.
  std::uint64_t state = std::hash<std::string>{}(text) | 1;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<double>(state % 100000) / 100000.0;
  };
  kirchhoff::metering::WindowPhasors phasors;
  phasors.seconds = 1.0;
  for (int k = 0; k < 3; ++k) {
    phasors.v_star[static_cast<std::size_t>(k)] = std::polar(230.0, -2.0944 * k);
  }
  phasors.v_ref = phasors.v_star;
  for (const auto& load : installation->loads) {
    for (const auto& channel : load.channels) {
      const double amps = 60.0 * next();
      phasors.currents.push_back(
          {channel.input, std::polar(amps, 6.2832 * next()), amps * (1.0 + 0.1 * next())});
    }
  }
  const auto diagnosis = kirchhoff::diagnostics::diagnose(*installation, phasors);
  (void)kirchhoff::diagnostics::to_json(diagnosis).dump();
  const auto corrected =
      kirchhoff::diagnostics::corrected_installation(text, *installation, diagnosis);
  if (corrected && diagnosis.fixes() == 0 && *corrected != text) {
    __builtin_trap();  // nothing to fix must leave the text as it was
  }
  return 0;
}
