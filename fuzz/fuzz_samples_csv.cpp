// Fuzz target: the samples CSV reader and the metering engine behind it, on
// arbitrary bytes. Errors must be reported, never crash or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "metering/engine.hpp"
#include "metering/samples_csv.hpp"
#include "model/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const kirchhoff::model::Installation installation =
      *kirchhoff::model::load_installation_text(
          "site: {name: f, topology: 3P-230, main_breaker_a: 25}\ngateway: genius\nbus:\n"
          "  - ct_hub: hub1\n    inputs: {1: {ct: split-50A}, 2: {ct: rogowski-400A}}\n"
          "loads:\n  - {name: Grid, kind: grid, phases: [L1, L2], inputs: [hub1/1, hub1/2]}\n",
          "fuzz");
  kirchhoff::metering::MeterEngine engine(installation, {true});
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  auto reader = kirchhoff::metering::SamplesCsvReader::open(in, engine.layout(), "fuzz.csv");
  if (!reader) {
    return 0;
  }
  std::vector<float> v(engine.layout().voltages.size());
  std::vector<float> i(engine.layout().currents.size());
  double t = 0;
  for (int rows = 0; rows < 100000; ++rows) {
    auto more = reader->next(t, v, i);
    if (!more || !*more) {
      break;
    }
    engine.feed(t, v.data(), i.data());
  }
  (void)engine.results();
  return 0;
}
