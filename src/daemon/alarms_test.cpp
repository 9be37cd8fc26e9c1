#include "daemon/alarms.hpp"

#include <gtest/gtest.h>

#include "model/loader.hpp"

namespace kirchhoff::daemon {
namespace {

model::Installation demo() {
  auto inst =
      model::load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
  EXPECT_TRUE(inst.ok());
  return *inst;
}

snapshot::SiteSnapshot grid_snapshot(double l1_a, double l2_a, double l3_a, double v_l1) {
  snapshot::SiteSnapshot snap;
  snapshot::LoadValues grid;
  grid.name = "Grid";
  grid.kind = model::LoadKind::kGrid;
  const double amps[3] = {l1_a, l2_a, l3_a};
  for (int p = 0; p < 3; ++p) {
    snapshot::PhaseValues ph;
    ph.phase = static_cast<model::Phase>(p);
    ph.i_a = amps[p];
    grid.phases.push_back(ph);
    snap.voltages.push_back({static_cast<model::Phase>(p), p == 0 ? v_l1 : 230.0, 400.0});
  }
  snap.loads.push_back(grid);
  return snap;
}

const AlarmCheck* find(const std::vector<AlarmCheck>& checks, const std::string& id) {
  for (const auto& c : checks) {
    if (c.id == id) {
      return &c;
    }
  }
  return nullptr;
}

TEST(Alarms, ChecksFromOneSnapshot) {
  const auto inst = demo();  // 25 A main breaker, 230 V nominal: 207-253 V
  const auto snap = grid_snapshot(10.0, 27.25, 25.0, 254.0);
  const auto checks = check_alarms(&snap, inst);
  ASSERT_NE(find(checks, "overcurrent-L2"), nullptr);
  EXPECT_TRUE(find(checks, "overcurrent-L2")->active);
  EXPECT_EQ(find(checks, "overcurrent-L2")->message, "L2 at 27.2 A, above the 25.0 A main breaker");
  EXPECT_FALSE(find(checks, "overcurrent-L3")->active);  // at the rating is not above it
  EXPECT_TRUE(find(checks, "voltage-L1")->active);       // 254 V > 253 V
  EXPECT_EQ(find(checks, "voltage-L1")->severity, "minor");
  EXPECT_FALSE(find(checks, "voltage-L2")->active);
  EXPECT_FALSE(find(checks, "no-measurements")->active);
  EXPECT_FALSE(find(checks, "fail-safe")->active);
  const auto none = check_alarms(nullptr, inst);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_TRUE(none[0].active);
}

TEST(Alarms, RaisedOnceClearedOnce) {
  AlarmBook book;
  auto raised = book.apply({{"overcurrent-L2", true, "major", "L2 at 27.0 A"}}, 1000);
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_TRUE(raised[0].raised);
  // Still active, new reading: no new transition, the text follows, the start stays.
  EXPECT_TRUE(book.apply({{"overcurrent-L2", true, "major", "L2 at 28.0 A"}}, 2000).empty());
  ASSERT_EQ(book.active().size(), 1u);
  EXPECT_EQ(book.active()[0].message, "L2 at 28.0 A");
  EXPECT_EQ(book.active()[0].since_ms, 1000);
  auto cleared = book.apply({{"overcurrent-L2", false, "major", "L2 at 20.0 A"}}, 3000);
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_FALSE(cleared[0].raised);
  EXPECT_TRUE(book.active().empty());
}

}  // namespace
}  // namespace kirchhoff::daemon
