// Fuzz target: the simulator's --miswire spec (sim/miswire.hpp) for two fixed
// installations, a star and a 3P-230 one. Errors must be values with a
// message; an accepted spec must name each used input at most once, print
// back to a spec that parses to the same entries, and drive the waveform
// generator without trouble. The lenient parse keeps exactly the strict
// parse's entries when the strict one accepts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string_view>

#include "model/loader.hpp"
#include "sim/miswire.hpp"
#include "sim/waveform.hpp"

namespace {

namespace model = kirchhoff::model;
namespace sim = kirchhoff::sim;

model::Installation load(std::string_view yaml) {
  auto r = model::check_installation(yaml);
  if (r.has_errors() || !r.installation) {
    std::abort();  // the fixed installations are valid
  }
  return *r.installation;
}

const model::Installation& star() {
  static const auto inst = load(
      "site: {name: f, topology: 3P+N-400, main_breaker_a: 40}\ngateway: genius\n"
      "bus:\n  - ct_hub: hub1\n    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}, "
      "3: {ct: split-100A}, 4: {ct: split-50A}}\n"
      "  - ct_hub: hub2\n    inputs: {1: {ct: split-50A}, 2: {ct: split-50A}, "
      "3: {ct: split-50A}, 4: {ct: split-50A}}\n"
      "loads:\n"
      "  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [hub1/1, hub1/2, hub1/3]}\n"
      "  - {name: EV, kind: ev, phases: [L1, L2, L3], inputs: [hub2/1, hub2/2, hub2/3]}\n"
      "  - {name: Solar, kind: solar, phases: [L2], inputs: [hub2/4], reversed: [true]}\n");
  return inst;
}

const model::Installation& delta() {
  static const auto inst = load(
      "site: {name: f, topology: 3P-230, main_breaker_a: 40}\ngateway: genius\n"
      "bus:\n  - ct_hub: hub1\n    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}, "
      "3: {ct: split-50A}, 4: {ct: split-50A}}\n"
      "loads:\n"
      "  - {name: Grid, kind: grid, phases: [L1, L2], inputs: [hub1/1, hub1/2]}\n"
      "  - {name: Oven, kind: consumer, phases: [L3], inputs: [hub1/3]}\n");
  return inst;
}

void check(std::string_view spec, const model::Installation& inst) {
  const auto parsed = sim::parse_miswire(spec, inst);
  std::vector<std::string> dropped;
  const sim::Miswiring lenient = sim::parse_miswire_lenient(spec, inst, dropped);
  if (!parsed.ok()) {
    if (parsed.error().message.empty()) {
      std::abort();
    }
    return;
  }
  std::set<model::InputRef> seen;
  for (const auto& entry : parsed->entries) {
    if (!seen.insert(entry.input).second || inst.find_input(entry.input) == nullptr) {
      std::abort();
    }
  }
  const auto again = sim::parse_miswire(parsed->to_string(), inst);
  if (!again.ok() || !(*again == *parsed) || !dropped.empty() || !(lenient == *parsed)) {
    std::abort();
  }
  sim::WaveformGenerator generator(inst, 200.0, *parsed);
  sim::SiteState state;
  state.v_ln = {230.0, 230.0, 230.0};
  state.loads.resize(inst.loads.size());
  for (auto& flow : state.loads) {
    flow.p_w = {1000.0, 500.0, 250.0};
  }
  state.unmeasured_w = 300.0;
  (void)generator.generate(state);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view spec(reinterpret_cast<const char*>(data), size);
  check(spec, star());
  check(spec, delta());
  return 0;
}
