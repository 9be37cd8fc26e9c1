// The history writer's series: one hand-made snapshot of a three-phase grid
// connection and a one-phase kitchen, appended and flushed, read back per
// series key; and the uplink names of the same points.
#include "daemon/history_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "model/loader.hpp"

namespace kirchhoff::daemon {
namespace {

constexpr const char* kYaml =
    R"(site: {name: Flat, topology: 3P+N-400, frequency: 50, main_breaker_a: 25}
gateway: genius
bus:
  - ct_hub: hub1
    inputs:
      1: {ct: split-100A}
      2: {ct: split-100A}
      3: {ct: split-100A}
      4: {ct: split-50A}
loads:
  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [hub1/1, hub1/2, hub1/3]}
  - {name: Kitchen, kind: consumer, phases: [L2], inputs: [hub1/4]}
)";

constexpr std::int64_t kT = 1780272000000;  // 2026-06-01T00:00:00Z

class HistoryWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("history_writer_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto store = store::Store::open((dir_ / "history.db").string());
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(*store);
    auto inst = model::load_installation_text(kYaml, "test.yaml");
    ASSERT_TRUE(inst.ok()) << inst.error().message;
    installation_ = *inst;
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  double latest(const std::string& key) {
    auto p = store_->latest(key);
    EXPECT_TRUE(p.ok()) << key;
    EXPECT_TRUE(p.ok() && p->has_value()) << "no point in " << key;
    return p.ok() && p->has_value() ? (*p)->value : -1e9;
  }
  bool exists(const std::string& key) {
    auto p = store_->latest(key);
    return p.ok() && p->has_value();
  }
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  model::Installation installation_;
};

// L1 carries 12.34 A at 230.0 V with P 2500.0 W, Q 600.0 var, so S = 2838.2 VA
// and PF = 2500 / 2838.2 = 0.881 (to the series' 0.001); L2 and L3 likewise
// with their own numbers. The kitchen is on L2 alone: 4.56 A at PF 0.987.
snapshot::SiteSnapshot snapshot_at(std::int64_t t) {
  snapshot::SiteSnapshot snap;
  snap.unix_ms = t;
  snap.frequency_hz = 49.987;
  snap.voltages = {{model::Phase::kL1, 230.04, 398.45},
                   {model::Phase::kL2, 231.12, 399.87},
                   {model::Phase::kL3, 229.58, 397.66}};
  snapshot::LoadValues grid;
  grid.name = "Grid";
  grid.kind = model::LoadKind::kGrid;
  grid.p_w = 2500.0 - 300.0 + 1000.0;
  grid.q_var = 600.0;
  grid.energy_import_wh = 1234.5;
  grid.phases = {{model::Phase::kL1, "hub1/1", 2500.0, 600.0, 2838.2, 0.881, 12.34},
                 {model::Phase::kL2, "hub1/2", -300.0, 0.0, 310.0, -0.968, 1.34},
                 {model::Phase::kL3, "hub1/3", 1000.0, 0.0, 1020.4, 0.98, 4.44}};
  snapshot::LoadValues kitchen;
  kitchen.name = "Kitchen";
  kitchen.p_w = 1040.0;
  kitchen.phases = {{model::Phase::kL2, "hub1/4", 1040.0, 170.0, 1053.9, 0.987, 4.56}};
  snap.loads = {grid, kitchen};
  return snap;
}

TEST_F(HistoryWriterTest, PerPhaseSeriesHoldTheSnapshotsValues) {
  auto writer = HistoryWriter::create(*store_, installation_);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  ASSERT_TRUE(writer->append(snapshot_at(kT)).ok());
  ASSERT_TRUE(store_->flush().ok());
  // Values at their series' resolutions: 0.01 A, 0.001, 0.1 W / var, 0.01 V.
  EXPECT_NEAR(latest("load/Grid/L1/i_a"), 12.34, 0.005);
  EXPECT_NEAR(latest("load/Grid/L2/i_a"), 1.34, 0.005);
  EXPECT_NEAR(latest("load/Grid/L3/i_a"), 4.44, 0.005);
  EXPECT_NEAR(latest("load/Grid/L1/pf"), 0.881, 0.0005);
  EXPECT_NEAR(latest("load/Grid/L2/pf"), -0.968, 0.0005);
  EXPECT_NEAR(latest("load/Grid/L1/p_w"), 2500.0, 0.05);
  EXPECT_NEAR(latest("load/Grid/L2/p_w"), -300.0, 0.05);
  EXPECT_NEAR(latest("load/Grid/L1/q_var"), 600.0, 0.05);
  EXPECT_NEAR(latest("load/Kitchen/L2/i_a"), 4.56, 0.005);
  EXPECT_NEAR(latest("load/Kitchen/L2/pf"), 0.987, 0.0005);
  EXPECT_NEAR(latest("voltage/L1/v_ll"), 398.45, 0.005);
  EXPECT_NEAR(latest("voltage/L3/v_ll"), 397.66, 0.005);
  // As before: the load's own values, V_LN and f.
  EXPECT_NEAR(latest("load/Grid/p_w"), 3200.0, 0.05);
  EXPECT_NEAR(latest("load/Kitchen/p_w"), 1040.0, 0.05);
  EXPECT_NEAR(latest("voltage/L2/v_ln"), 231.12, 0.005);
  EXPECT_NEAR(latest("site/frequency_hz"), 49.987, 0.0005);
  // A load on one phase is its phase: its P and Q are not kept twice, and
  // no series for phases it is not on.
  EXPECT_FALSE(exists("load/Kitchen/L2/p_w"));
  EXPECT_FALSE(exists("load/Kitchen/L2/q_var"));
  EXPECT_FALSE(exists("load/Kitchen/L1/i_a"));
}

TEST_F(HistoryWriterTest, UplinkNamesThePerPhasePointsWithTheirDecimals) {
  auto writer = HistoryWriter::create(*store_, installation_);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  ASSERT_TRUE(writer->append(snapshot_at(kT)).ok());
  std::map<std::string, std::pair<double, int>> points;
  for (const auto& p : writer->last_points()) {
    points[*p.series] = {p.value, p.decimals};
  }
  // Grid: 4 own + 3 phases × 4; Kitchen: 4 own + 2; 3 V_LN, 3 V_LL, f.
  EXPECT_EQ(points.size(), 16u + 6u + 7u);
  EXPECT_EQ(points.at("Grid/L1/i_a"), (std::pair{12.34, 2}));
  EXPECT_EQ(points.at("Grid/L1/pf"), (std::pair{0.881, 3}));
  EXPECT_EQ(points.at("Grid/L2/p_w"), (std::pair{-300.0, 1}));
  EXPECT_EQ(points.at("Kitchen/L2/i_a"), (std::pair{4.56, 2}));
  EXPECT_EQ(points.at("voltage/L2/v_ll"), (std::pair{399.87, 2}));
}

// A battery load's state of charge is a gauge at 0.1 %: 63.27 % is kept as
// 63.3; a snapshot without the battery's state (before the energy manager's
// first cycle) adds no point.
TEST_F(HistoryWriterTest, BatteryStateOfChargeIsAGaugeSeries) {
  auto inst = model::load_installation_text(
      R"(site: {name: Flat, topology: 1P-230, frequency: 50, main_breaker_a: 25}
gateway: genius
bus:
  - ct_hub: hub1
    inputs:
      1: {ct: split-100A}
      2: {ct: split-50A}
loads:
  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/1]}
  - {name: Home battery, kind: battery, phases: [L1], inputs: [hub1/2]}
)",
      "battery.yaml");
  ASSERT_TRUE(inst.ok()) << inst.error().message;
  auto writer = HistoryWriter::create(*store_, *inst);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  snapshot::SiteSnapshot snap;
  snap.unix_ms = kT;
  snap.voltages = {{model::Phase::kL1, 230.0, 0.0}};
  snap.loads.resize(2);
  snap.loads[0].name = "Grid";
  snap.loads[1].name = "Home battery";
  ASSERT_TRUE(writer->append(snap).ok());
  ASSERT_TRUE(store_->flush().ok());
  EXPECT_FALSE(exists("battery/Home battery/soc_pct"));
  snap.unix_ms = kT + 1000;
  snap.batteries = {{"Home battery", 63.27, -1500.0}};
  ASSERT_TRUE(writer->append(snap).ok());
  ASSERT_TRUE(store_->flush().ok());
  EXPECT_NEAR(latest("battery/Home battery/soc_pct"), 63.3, 1e-9);
  auto stats = store_->stats();
  ASSERT_TRUE(stats.ok());
  for (const auto& s : *stats) {
    if (s.key == "battery/Home battery/soc_pct") {
      EXPECT_EQ(s.kind, store::SeriesKind::kGauge);
    }
  }
}

}  // namespace
}  // namespace kirchhoff::daemon
