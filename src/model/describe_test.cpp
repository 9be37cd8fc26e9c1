#include "model/describe.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/loader.hpp"

namespace kirchhoff::model {
namespace {

using ::testing::HasSubstr;

Installation demo() {
  auto inst = load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
  EXPECT_TRUE(inst.ok());
  return *inst;
}

int quantity(const std::vector<BomLine>& bom, const std::string& article) {
  for (const auto& line : bom) {
    if (line.article == article) {
      return line.quantity;
    }
  }
  return 0;
}

TEST(BillOfMaterials, DemoHouseCountsByHand) {
  const auto bom = bill_of_materials(demo());
  // examples/demo.yaml: 3 CT Hubs and 1 Solid Core CT; the hubs carry
  // 3x split-100A (grid) and 8x split-50A (battery, PV x3, heat pump, EV x3);
  // one Input and one Output module on a Genius with a Power Box.
  EXPECT_EQ(quantity(bom, "I1-VAC-1"), 1);
  EXPECT_EQ(quantity(bom, "I1-GW-1"), 1);
  EXPECT_EQ(quantity(bom, "I1-IAC-1"), 3);
  EXPECT_EQ(quantity(bom, "I1-IAC-2"), 1);
  EXPECT_EQ(quantity(bom, "AC-CT-100A"), 3);
  EXPECT_EQ(quantity(bom, "AC-CT-50A"), 8);
  EXPECT_EQ(quantity(bom, "I1-INP-1"), 1);
  EXPECT_EQ(quantity(bom, "I1-OUT-1"), 1);
  // A-bus: Power Box -> hub1 -> hub2 -> hub3 -> sc1 is 4 cables; B-bus: Power
  // Box -> in1 -> out1 -> Genius is 3 cables; one termination plug.
  EXPECT_EQ(quantity(bom, "AC-IBC40"), 4);
  EXPECT_EQ(quantity(bom, "AC-IBC150"), 3);
  EXPECT_EQ(quantity(bom, "-"), 1);
  EXPECT_EQ(quantity(bom, "AC-CT-200A"), 0);  // lines with nothing to order are left out
}

TEST(BillOfMaterials, GeniusFlexReplacesThePowerBox) {
  auto inst = demo();
  inst.gateway = Gateway::kGeniusFlex;
  const auto bom = bill_of_materials(inst);
  EXPECT_EQ(quantity(bom, "I1-VAC-1"), 0);
  EXPECT_EQ(quantity(bom, "I1-GW-6"), 1);
  EXPECT_EQ(quantity(bom, "GF-CBL-3F-200"), 1);
  EXPECT_EQ(quantity(bom, "AC-IBC150"), 2);  // Genius Flex -> in1 -> out1
}

TEST(BillOfMaterials, AmericasPowerBox) {
  auto inst = demo();
  inst.site.topology = Topology::k2PN240;
  EXPECT_EQ(quantity(bill_of_materials(inst), "I1-VAC-1-US"), 1);
}

TEST(Describe, TreeShowsBusLoadsAndModules) {
  const std::string text = describe_installation(demo());
  EXPECT_THAT(text, HasSubstr("3P+N-400"));
  EXPECT_THAT(text, HasSubstr("15 of 28 measurement points used"));  // 3 hubs x 4 + 3
  EXPECT_THAT(text, HasSubstr("input 1: split-100A -> Grid L1"));
  EXPECT_THAT(text, HasSubstr("input 4: free"));  // hub3 has three CTs
  EXPECT_THAT(text, HasSubstr("EV charger [ev] 3 phases, breaker 32 A, car battery 60 kWh, "
                              "car charges at 11.04 kW"));
  // The equipment as examples/demo.yaml states it.
  EXPECT_THAT(text, HasSubstr("Solar [solar] 3 phases, breaker 16 A, 9.7152 kWp, inverter 8.832 "
                              "kW, tilt 35 deg, azimuth 180 deg"));
  EXPECT_THAT(text, HasSubstr("Battery [battery] 1 phase, breaker 20 A, 10 kWh, 3.68 kW"));
  EXPECT_THAT(text, HasSubstr("B-bus modules: 2 of 10"));
  EXPECT_THAT(text, HasSubstr("input 1: Gas, pulses, 100 per m3"));
  EXPECT_THAT(text, HasSubstr("output 1: Boiler, normally open"));
  EXPECT_THAT(text, HasSubstr("Bill of materials"));
}

}  // namespace
}  // namespace kirchhoff::model
