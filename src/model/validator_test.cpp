#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "model/loader.hpp"

namespace kirchhoff::model {
namespace {

using ::testing::HasSubstr;

// Builds an installation file from a site line, a gateway, bus, loads and modules.
std::string file(const std::string& topology, const std::string& bus, const std::string& loads,
                 const std::string& gateway = "genius", const std::string& modules = "",
                 int main_breaker = 25) {
  return "site: {name: t, topology: " + topology +
         ", main_breaker_a: " + std::to_string(main_breaker) + "}\ngateway: " + gateway +
         "\nbus:\n" + bus + "loads:\n" + loads + (modules.empty() ? "" : "modules:\n" + modules);
}

const std::string kHub1 =
    "  - ct_hub: hub1\n    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}, "
    "3: {ct: split-100A}, 4: {ct: split-50A}}\n";

std::vector<std::string> errors(const CheckResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) {
    if (d.severity == Severity::kError) {
      out.push_back(d.message);
    }
  }
  return out;
}

std::vector<std::string> warnings(const CheckResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.diagnostics) {
    if (d.severity == Severity::kWarning) {
      out.push_back(d.message);
    }
  }
  return out;
}

TEST(Validator, ValidThreePhaseSiteHasNoDiagnostics) {
  const auto r = check_installation(
      file("3P+N-400", kHub1,
           "  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [hub1/1, hub1/2, hub1/3]}\n"
           "  - {name: Oven, kind: consumer, phases: [L2], inputs: [hub1/4]}\n"));
  EXPECT_TRUE(r.diagnostics.empty()) << format_diagnostic("f", r.diagnostics[0]);
}

TEST(Validator, AtMost28MeasurementPoints) {
  // 7 CT Hubs = 28 points is the limit; an eighth device crosses it.
  std::string bus;
  for (int i = 1; i <= 7; ++i) {
    bus += "  - ct_hub: h" + std::to_string(i) + "\n";
  }
  const std::string grid = "  - {name: Grid, kind: grid, phases: [L1], inputs: [h1/1]}\n";
  std::string seven = bus;
  seven.replace(seven.find("h1\n"), 3, "h1\n    inputs: {1: {ct: split-100A}}\n");
  EXPECT_TRUE(errors(check_installation(file("1P-230", seven, grid))).empty());

  const std::string eight = seven + "  - solid_core_ct: sc8\n";
  const auto r = check_installation(file("1P-230", eight, grid));
  ASSERT_EQ(errors(r).size(), 1u);
  EXPECT_THAT(errors(r)[0], HasSubstr("at most 28 measurement points"));
  EXPECT_THAT(errors(r)[0], HasSubstr("this bus has 31"));  // 7*4 + 3
}

TEST(Validator, UniqueIdsAndNames) {
  const auto r = check_installation(
      file("3P+N-400", kHub1 + "  - ct_hub: hub1\n",
           "  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/1]}\n"
           "  - {name: Grid, kind: consumer, phases: [L2], inputs: [hub1/2]}\n"));
  const auto e = errors(r);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_THAT(e[0], HasSubstr("device id 'hub1' is already used on line 4"));
  EXPECT_THAT(e[1], HasSubstr("load name 'Grid' is already used"));
}

TEST(Validator, LoadInputsMustExistAndBeUsedOnce) {
  const auto r = check_installation(
      file("3P+N-400", kHub1 + "  - ct_hub: hub2\n    inputs: {1: {ct: split-50A}}\n",
           "  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [hub1/1, hub1/2, hub1/3]}\n"
           "  - {name: A, kind: consumer, phases: [L1], inputs: [hub9/1]}\n"
           "  - {name: B, kind: consumer, phases: [L1], inputs: [hub1/7]}\n"
           "  - {name: C, kind: consumer, phases: [L1], inputs: [hub2/3]}\n"
           "  - {name: D, kind: consumer, phases: [L1], inputs: [hub1/2]}\n"
           "  - {name: E, kind: consumer, phases: [L1], inputs: [hub2/1]}\n"));
  const auto e = errors(r);
  ASSERT_EQ(e.size(), 4u);
  EXPECT_THAT(e[0], HasSubstr("there is no device 'hub9' on the bus"));
  EXPECT_THAT(e[1], HasSubstr("has inputs 1 to 4"));
  EXPECT_THAT(e[2], HasSubstr("no CT is configured on that input"));
  EXPECT_THAT(e[3], HasSubstr("input 'hub1/2' is already used by load 'Grid'"));
  // hub1/4 has a CT that no load uses.
  EXPECT_THAT(warnings(r), testing::Contains(HasSubstr("'hub1/4' is not used by any load")));
}

TEST(Validator, PhasesAllowedByTheTopology) {
  const std::string loads =
      "  - {name: Grid, kind: grid, phases: [L1, L2], inputs: [hub1/1, hub1/2]}\n"
      "  - {name: X, kind: consumer, phases: [L3], inputs: [hub1/3]}\n";
  const auto single = errors(check_installation(file("1P-230", kHub1, loads)));
  ASSERT_EQ(single.size(), 2u);
  EXPECT_THAT(single[0], HasSubstr("is on L2, but a 1P-230 site"));
  EXPECT_THAT(single[0], HasSubstr("has only L1"));
  const auto split = errors(check_installation(file("2P+N-240", kHub1, loads, "genius", "", 100)));
  ASSERT_EQ(split.size(), 1u);
  EXPECT_THAT(split[0], HasSubstr("is on L3, but a 2P+N-240 site"));
  EXPECT_TRUE(errors(check_installation(file("3P+N-208", kHub1, loads))).empty());
}

TEST(Validator, SamePhaseTwiceInALoad) {
  const auto e = errors(check_installation(
      file("3P+N-400", kHub1,
           "  - {name: Grid, kind: grid, phases: [L1, L1], inputs: [hub1/1, hub1/2]}\n")));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(e[0], HasSubstr("lists phase L1 twice"));
}

TEST(Validator, DeltaThreePhaseLoadsUseTwoCtsOnL1AndL2) {
  const std::string three =
      "  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [hub1/1, hub1/2, hub1/3]}\n";
  auto e = errors(check_installation(file("3P-230", kHub1, three)));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(e[0], HasSubstr("measured with two CTs, on L1 and L2"));

  const std::string wrong_pair =
      "  - {name: Grid, kind: grid, phases: [L2, L3], inputs: [hub1/1, hub1/2]}\n";
  e = errors(check_installation(file("3P-230", kHub1, wrong_pair)));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(e[0], HasSubstr("on L1 and L2"));

  // The manual's single-phase mapping: a load fed by L1 and L2 is configured as L3.
  const std::string good =
      "  - {name: Grid, kind: grid, phases: [L1, L2], inputs: [hub1/1, hub1/2]}\n"
      "  - {name: Oven, kind: consumer, phases: [L3], inputs: [hub1/3]}\n";
  EXPECT_TRUE(errors(check_installation(file("3P-230", kHub1, good))).empty());
}

TEST(Validator, ModulesNeedAGenius) {
  const std::string grid = "  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/1]}\n";
  const std::string modules = "  - output_module: out1\n    outputs: {1: {name: Boiler}}\n";
  for (const char* gateway : {"connect", "wifi-connect", "4g-connect"}) {
    const auto e = errors(check_installation(file("1P-230", kHub1, grid, gateway, modules)));
    ASSERT_EQ(e.size(), 1u) << gateway;
    EXPECT_THAT(e[0], HasSubstr("only with a Genius or Genius Flex"));
  }
  EXPECT_TRUE(
      errors(check_installation(file("1P-230", kHub1, grid, "genius-flex", modules))).empty());
}

TEST(Validator, AtMostTenModules) {
  const std::string grid = "  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/1]}\n";
  std::string modules;
  for (int i = 1; i <= 11; ++i) {
    modules += "  - output_module: o" + std::to_string(i) + "\n";
  }
  const auto e = errors(check_installation(file("1P-230", kHub1, grid, "genius", modules)));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(e[0], HasSubstr("at most 10 Input and Output modules"));
  EXPECT_THAT(e[0], HasSubstr("this site has 11"));
}

TEST(Validator, PulseInputsNeedPulsesPerUnit) {
  const std::string grid = "  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/1]}\n";
  const std::string modules =
      "  - input_module: in1\n    inputs:\n"
      "      1: {kind: pulse, name: Gas, unit: m3}\n"
      "      2: {kind: pulse, name: Water, unit: l, pulses_per_unit: 0}\n"
      "      3: {kind: pulse, name: Heat, unit: kWh, pulses_per_unit: -5}\n";
  const auto e = errors(check_installation(file("1P-230", kHub1, grid, "genius", modules)));
  ASSERT_EQ(e.size(), 3u);
  EXPECT_THAT(e[0], HasSubstr("needs 'pulses_per_unit'"));
  EXPECT_THAT(e[1], HasSubstr("pulses_per_unit must be above 0"));
  EXPECT_THAT(e[2], HasSubstr("pulses_per_unit must be above 0"));
}

TEST(Validator, WarnsWithoutGridLoad) {
  const auto r = check_installation(
      file("1P-230", kHub1, "  - {name: X, kind: consumer, phases: [L1], inputs: [hub1/1]}\n"));
  EXPECT_TRUE(errors(r).empty());
  EXPECT_THAT(warnings(r), testing::Contains(HasSubstr("no load of kind 'grid'")));
}

TEST(Validator, WarnsWhenGridCtIsBelowTheMainBreaker) {
  // split-50A on the grid of a 63 A main breaker: 50 < 63.
  const std::string bus = "  - ct_hub: hub1\n    inputs: {1: {ct: split-50A}}\n";
  const auto r = check_installation(
      file("1P-230", bus, "  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/1]}\n",
           "genius", "", 63));
  EXPECT_TRUE(errors(r).empty());
  ASSERT_EQ(warnings(r).size(), 1u);
  EXPECT_THAT(warnings(r)[0], HasSubstr("rated 50 A, below the main breaker (63 A)"));
}

TEST(Validator, WarnsWhenACtCannotMeasureItsBreakerCurrent) {
  const std::string bus =
      "  - ct_hub: hub1\n    inputs: {1: {ct: split-100A}, 2: {ct: split-50A}, "
      "3: {ct: rogowski-4000A}}\n";
  const auto r = check_installation(
      file("1P-230", bus,
           "  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/1]}\n"
           "  - {name: Pump, kind: consumer, phases: [L1], inputs: [hub1/2], breaker_a: 63}\n"
           "  - {name: Light, kind: consumer, phases: [L1], inputs: [hub1/3], breaker_a: 16}\n"));
  const auto w = warnings(r);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_THAT(w[0], HasSubstr("rated 50 A, below its breaker (63 A)"));
  // 16 A is 0.4 % of a 4000 A coil's range.
  EXPECT_THAT(w[1], HasSubstr("rogowski-4000A coil"));
}

TEST(Validator, WarnsWhenEquipmentIsLargerThanItsBreaker) {
  // 20 A on one phase at 230 V carries 4.6 kW: a 5 kW battery or inverter is
  // more than that; 4.6 kW itself is not.
  const auto r = check_installation(
      file("1P-230", kHub1,
           "  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/1]}\n"
           "  - {name: Bat, kind: battery, phases: [L1], inputs: [hub1/2], breaker_a: 20,\n"
           "     power_kw: 5, capacity_kwh: 10}\n"
           "  - {name: PV, kind: solar, phases: [L1], inputs: [hub1/3], breaker_a: 20,\n"
           "     inverter_kw: 4.6, kwp: 6}\n"
           "  - {name: PV2, kind: solar, phases: [L1], inputs: [hub1/4], breaker_a: 20,\n"
           "     inverter_kw: 5}\n"));
  EXPECT_TRUE(errors(r).empty());
  const auto w = warnings(r);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0],
            "power_kw of load 'Bat' is 5 kW, more than its breaker carries (20 A on 1 "
            "phase(s): 4.6 kW); the breaker limits it");
  EXPECT_THAT(w[1], HasSubstr("inverter_kw of load 'PV2' is 5 kW"));
  EXPECT_EQ(r.diagnostics[0].pos.line, 9);  // at power_kw's value
}

TEST(Validator, DiagnosticsAreInFileOrder) {
  const auto r = check_installation(
      file("1P-230", kHub1,
           "  - {name: Grid, kind: grid, phases: [L2], inputs: [hub1/9]}\n"
           "  - {name: Grid, kind: consumer, phases: [L3], inputs: [hub1/1]}\n"));
  for (std::size_t i = 1; i < r.diagnostics.size(); ++i) {
    const auto& a = r.diagnostics[i - 1].pos;
    const auto& b = r.diagnostics[i].pos;
    EXPECT_TRUE(a.line < b.line || (a.line == b.line && a.column <= b.column));
  }
}

}  // namespace
}  // namespace kirchhoff::model
