#include "sim/miswire.hpp"

#include <gtest/gtest.h>

#include "model/loader.hpp"

namespace kirchhoff::sim {
namespace {

model::Installation parse(const std::string& yaml) {
  auto r = model::check_installation(yaml);
  EXPECT_FALSE(r.has_errors());
  return *r.installation;
}

// hub1/4 is on the bus but no load uses it.
const char* kStar =
    "site: {name: t, topology: 3P+N-400, main_breaker_a: 40}\ngateway: genius\n"
    "bus:\n  - ct_hub: hub1\n    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}, "
    "3: {ct: split-100A}, 4: {ct: split-50A}}\n"
    "  - ct_hub: hub2\n    inputs: {1: {ct: split-50A}, 2: {ct: split-50A}}\n"
    "loads:\n"
    "  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [hub1/1, hub1/2, hub1/3]}\n"
    "  - {name: Oven, kind: consumer, phases: [L1], inputs: [hub2/1]}\n"
    "  - {name: Lamp, kind: consumer, phases: [L2], inputs: [hub2/2], reversed: [true]}\n";

std::string error_of(std::string_view spec, const model::Installation& inst) {
  const auto r = parse_miswire(spec, inst);
  return r.ok() ? std::string("(parsed)") : r.error().message;
}

TEST(Miswire, ParsesTheThreeForms) {
  const auto inst = parse(kStar);
  const auto m = parse_miswire("hub1/2=L3, hub2/1=L1:reversed,hub2/2=reversed", inst);
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->entries.size(), 3u);
  EXPECT_EQ(m->entries[0], (CtTruth{{"hub1", 2}, model::Phase::kL3, false}));
  EXPECT_EQ(m->entries[1], (CtTruth{{"hub2", 1}, model::Phase::kL1, true}));
  EXPECT_EQ(m->entries[2], (CtTruth{{"hub2", 2}, std::nullopt, true}));
  EXPECT_EQ(m->find({"hub2", 1}), &m->entries[1]);
  EXPECT_EQ(m->find({"hub1", 1}), nullptr);
  EXPECT_EQ(m->to_string(), "hub1/2=L3,hub2/1=L1:reversed,hub2/2=reversed");
  // The text it prints parses back to the same entries.
  const auto again = parse_miswire(m->to_string(), inst);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *m);
}

TEST(Miswire, ErrorsNameTheEntryAndTheReason) {
  const auto inst = parse(kStar);
  EXPECT_EQ(error_of("hub1/2=L3,hub9/1=L1", inst),
            "entry 'hub9/1=L1': no CT input hub9/1 on the bus (did you mean 'hub1/1'?)");
  EXPECT_EQ(error_of("hub1/4=L2", inst), "entry 'hub1/4=L2': no load uses input hub1/4");
  EXPECT_EQ(error_of("hub2/1=L1,hub2/1=reversed", inst),
            "entry 'hub2/1=reversed': input hub2/1 is named twice");
  EXPECT_EQ(error_of("hub2/1=L4", inst),
            "entry 'hub2/1=L4': 'L4' is not a phase (L1, L2 or L3) (did you mean 'L1'?)");
  EXPECT_EQ(error_of("hub2/1=reversd", inst),
            "entry 'hub2/1=reversd': 'reversd' is not a phase (L1, L2 or L3) (did you mean "
            "'reversed'?)");
  EXPECT_EQ(error_of("hub2/1=L1:backwards", inst),
            "entry 'hub2/1=L1:backwards': 'backwards' after ':' is not 'reversed'");
  EXPECT_EQ(error_of("hub2/1", inst),
            "entry 'hub2/1': no '='; write INPUT=PHASE, INPUT=PHASE:reversed or INPUT=reversed");
  EXPECT_EQ(error_of("hub2=L1", inst),
            "entry 'hub2=L1': 'hub2' is not a CT input; write it as on the bus, e.g. hub1/3");
  EXPECT_EQ(error_of("hub2/1=L1,", inst),
            "entry '': empty; write INPUT=PHASE, INPUT=PHASE:reversed or INPUT=reversed");
  EXPECT_EQ(error_of(" ", inst),
            "empty; write INPUT=PHASE, INPUT=PHASE:reversed or INPUT=reversed, comma-separated");
}

TEST(Miswire, PhasesFollowTheTopology) {
  const auto split = parse(
      "site: {name: t, topology: 2P+N-240, main_breaker_a: 40}\ngateway: genius\n"
      "bus:\n  - ct_hub: h\n    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}}\n"
      "loads:\n  - {name: Grid, kind: grid, phases: [L1, L2], inputs: [h/1, h/2]}\n");
  EXPECT_EQ(error_of("h/1=L3", split),
            "entry 'h/1=L3': the 2P+N-240 topology has no L3 (L1 or L2)");
  EXPECT_TRUE(parse_miswire("h/1=L2:reversed", split).ok());
  // 3P-230 names three voltages (L3 = v12) on its two conductors.
  const auto delta = parse(
      "site: {name: t, topology: 3P-230, main_breaker_a: 40}\ngateway: genius\n"
      "bus:\n  - ct_hub: h\n    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}}\n"
      "loads:\n  - {name: Grid, kind: grid, phases: [L1, L2], inputs: [h/1, h/2]}\n");
  EXPECT_TRUE(parse_miswire("h/1=L3", delta).ok());
}

TEST(Miswire, LenientKeepsWhatANewInstallationCanTake) {
  const auto inst = parse(kStar);
  std::vector<std::string> dropped;
  const Miswiring m =
      parse_miswire_lenient("hub2/1=L3,hub7/1=L2,hub2/2=reversed,hub2/1=L2", inst, dropped);
  EXPECT_EQ(m.to_string(), "hub2/1=L3,hub2/2=reversed");
  EXPECT_EQ(dropped, (std::vector<std::string>{
                         "entry 'hub7/1=L2': no CT input hub7/1 on the bus (did you mean "
                         "'hub1/1'?)",
                         "entry 'hub2/1=L2': input hub2/1 is named twice"}));
  dropped.clear();
  EXPECT_TRUE(parse_miswire_lenient("", inst, dropped).empty());
  EXPECT_TRUE(dropped.empty());
}

}  // namespace
}  // namespace kirchhoff::sim
