#include "model/catalog.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace kirchhoff::model {
namespace {

TEST(Topology, AllSevenOfTheBriefParse) {
  for (std::string_view name :
       {"1P-230", "3P+N-400", "3P-230", "2P+N-240", "3P+N-208", "3P+N-480", "3P+N-600"}) {
    const auto topology = parse_topology(name);
    ASSERT_TRUE(topology.has_value()) << name;
    EXPECT_EQ(topology_info(*topology).name, name);
  }
  EXPECT_FALSE(parse_topology("3P+N-230").has_value());
}

TEST(Topology, StarVoltagesAreLineVoltagesOverRootThree) {
  // V_LL = sqrt(3) * V_LN for a balanced star; nominal tables round to the volt.
  for (const TopologyInfo& t : all_topologies()) {
    if (t.phase_count == 3) {
      EXPECT_NEAR(t.v_ll_nominal / t.v_ln_nominal, std::sqrt(3.0), 0.01) << t.name;
    }
  }
  const TopologyInfo& split = topology_info(Topology::k2PN240);
  EXPECT_EQ(split.phase_count, 2);
  EXPECT_DOUBLE_EQ(split.v_ll_nominal, 2 * split.v_ln_nominal);  // 180 degrees apart
  EXPECT_FALSE(topology_info(Topology::k3P230).has_neutral);
  EXPECT_TRUE(topology_info(Topology::k3PN480).us_power_box);
}

TEST(Gateway, OnlyTheGeniusFamilyTakesModules) {
  EXPECT_TRUE(gateway_info(Gateway::kGenius).supports_modules);
  EXPECT_TRUE(gateway_info(Gateway::kGeniusFlex).supports_modules);
  EXPECT_FALSE(gateway_info(Gateway::kConnect).supports_modules);
  EXPECT_FALSE(gateway_info(Gateway::kWifiConnect).supports_modules);
  EXPECT_FALSE(gateway_info(Gateway::k4gConnect).supports_modules);
  EXPECT_EQ(parse_gateway("genius-flex"), Gateway::kGeniusFlex);
}

TEST(CtType, RatingsAndKindsFromTheName) {
  EXPECT_DOUBLE_EQ(ct_type_info(*parse_ct_type("split-50A")).rating_a, 50.0);
  EXPECT_DOUBLE_EQ(ct_type_info(*parse_ct_type("rogowski-10000A")).rating_a, 10000.0);
  EXPECT_EQ(ct_type_info(CtType::kRogowski400A).kind, CtKind::kRogowski);
  EXPECT_EQ(ct_type_info(CtType::kSplit400A).kind, CtKind::kSplitCore);
  EXPECT_EQ(ct_type_info(CtType::kRogowski400A).article, "AC-RSCT-4CM");
}

TEST(BusDevice, InputCountsFromTheManual) {
  EXPECT_EQ(bus_device_info(BusDeviceKind::kCtHub).input_count, 4);
  EXPECT_EQ(bus_device_info(BusDeviceKind::kSolidCoreCt).input_count, 3);
  EXPECT_EQ(kMaxMeasurementPoints, 28);  // 7 CT Hubs
}

}  // namespace
}  // namespace kirchhoff::model
