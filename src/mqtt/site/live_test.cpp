#include "mqtt/site/live.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "mqtt/site/payloads.hpp"
#include "mqtt/site/test_site.hpp"

namespace kirchhoff::mqtt::site {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs pairs(const std::vector<Message>& messages) {
  Pairs out;
  for (const auto& m : messages) {
    out.emplace_back(m.topic, m.payload);
  }
  return out;
}

TopicConfig home() { return {"kirchhoff/home", "homeassistant", "kirchhoff_home", false}; }

// A few values of each kind for the shared test site.
snapshot::SiteSnapshot snapshot_of_home() {
  snapshot::SiteSnapshot s;
  s.unix_ms = 1'700'000'000'000;
  s.frequency_hz = 49.987;
  s.voltages.push_back({model::Phase::kL1, 231.04, 400.2});
  snapshot::LoadValues grid;
  grid.name = "Grid";
  grid.kind = model::LoadKind::kGrid;
  grid.p_w = -1234.4;
  grid.energy_import_wh = 1'234'567.4;
  grid.energy_export_wh = 89.6;
  grid.phases.push_back({model::Phase::kL1, "hub1/1", -1234.4, 0, 0, 0, 5.36});
  s.loads.push_back(grid);
  snapshot::LoadValues garage;  // not in the installation: skipped
  garage.name = "Garage";
  s.loads.push_back(garage);
  s.inputs.push_back({"in1", 1, "Gas", "m3", true, 1234, 12.3456, false});
  s.inputs.push_back({"in1", 2, "Tariff signal", "", false, 0, 0.0, true});
  s.inputs.push_back({"P1 meter", 1, "Gas", "m3", true, 0, 2345.678, false});
  s.outputs.push_back({"out1", 1, "Boiler", true});
  s.outputs.push_back({"out1", 2, "Pool pump", false});
  s.chargers.push_back({"Car", "pv", true, 8.0, 5520.0, std::nullopt});
  s.batteries.push_back({"Battery", 55.56, -1500.0});
  s.heat_pumps.push_back({"Heat pump", 3, false});
  s.control.push_back({"overload", "car limited to 10.0 A", false});
  s.alarms.push_back({"overcurrent-L2", "major", "L2 at 26.0 A", 1000});
  return s;
}

TEST(MqttSiteLive, FirstCallPublishesEveryTopicRetained) {
  LivePublisher live(testing::test_site(), home());
  const auto first = live.changes(snapshot_of_home());
  // Rounding by hand: 49.987 Hz to 0.01 → 49.99; 231.04 V to 0.1 → 231.0;
  // -1234.4 W to 1 W → -1234; 5.36 A to 0.1 → 5.4; 1 234 567.4 Wh = 1234.5674
  // kWh to 0.001 → 1234.567; 89.6 Wh = 0.0896 kWh → 0.090; 12.3456 m3 →
  // 12.346; 55.56 % → 55.6. SG Ready 3 chosen by the energy manager: the
  // select shows auto, the state recommended. JSON objects have sorted keys.
  const Pairs expected = {
      {"kirchhoff/home/frequency_hz", "49.99"},
      {"kirchhoff/home/voltage/L1", "231.0"},
      {"kirchhoff/home/load/grid/power_w", "-1234"},
      {"kirchhoff/home/load/grid/L1/current_a", "5.4"},
      {"kirchhoff/home/load/grid/energy_import_kwh", "1234.567"},
      {"kirchhoff/home/load/grid/energy_export_kwh", "0.090"},
      {"kirchhoff/home/input/in1/1", "12.346"},
      {"kirchhoff/home/input/in1/2", "ON"},
      {"kirchhoff/home/input/p1_meter/1", "2345.678"},
      {"kirchhoff/home/relay/out1/1", "ON"},
      {"kirchhoff/home/relay/out1/2", "OFF"},
      {"kirchhoff/home/ev/car/mode", "pv"},
      {"kirchhoff/home/ev/car/plugged", "ON"},
      {"kirchhoff/home/battery/battery/soc_pct", "55.6"},
      {"kirchhoff/home/heat_pump/sg_ready", "auto"},
      {"kirchhoff/home/heat_pump/sg_ready_state", "recommended"},
      {"kirchhoff/home/control",
       R"([{"alarm":false,"controller":"overload","reason":"car limited to 10.0 A"}])"},
      {"kirchhoff/home/alarms",
       R"([{"id":"overcurrent-L2","message":"L2 at 26.0 A","severity":"major","since_ms":1000}])"},
      {"kirchhoff/home/alarm/any", "ON"},
      {"kirchhoff/home/alarm/no_measurements", "OFF"},
      {"kirchhoff/home/alarm/installation_invalid", "OFF"},
      {"kirchhoff/home/alarm/fail_safe", "OFF"},
      {"kirchhoff/home/alarm/overcurrent_l1", "OFF"},
      {"kirchhoff/home/alarm/overcurrent_l2", "ON"},
      {"kirchhoff/home/alarm/overcurrent_l3", "OFF"},
      {"kirchhoff/home/alarm/voltage_l1", "OFF"},
      {"kirchhoff/home/alarm/voltage_l2", "OFF"},
      {"kirchhoff/home/alarm/voltage_l3", "OFF"},
      {"kirchhoff/home/alarm/device_p1_meter", "OFF"},
  };
  EXPECT_EQ(pairs(first), expected);
  for (const auto& m : first) {
    EXPECT_TRUE(m.retain) << m.topic;
    EXPECT_EQ(m.qos, 0) << m.topic;
  }
}

TEST(MqttSiteLive, UnchangedSnapshotPublishesNothing) {
  LivePublisher live(testing::test_site(), home());
  (void)live.changes(snapshot_of_home());
  EXPECT_TRUE(live.changes(snapshot_of_home()).empty());
}

TEST(MqttSiteLive, OnlyTheChangedTopicAndNotNoiseBelowTheRounding) {
  LivePublisher live(testing::test_site(), home());
  (void)live.changes(snapshot_of_home());

  auto noise = snapshot_of_home();
  noise.loads[0].p_w = -1234.2;  // still -1234 W
  EXPECT_TRUE(live.changes(noise).empty());

  auto moved = snapshot_of_home();
  moved.loads[0].p_w = -1235.6;  // -1236 W
  EXPECT_EQ(pairs(live.changes(moved)), (Pairs{{"kirchhoff/home/load/grid/power_w", "-1236"}}));

  auto manual = moved;
  manual.heat_pumps[0] = {"Heat pump", 4, true};  // a person forces SG Ready 4
  EXPECT_EQ(pairs(live.changes(manual)),
            (Pairs{{"kirchhoff/home/heat_pump/sg_ready", "forced"},
                   {"kirchhoff/home/heat_pump/sg_ready_state", "forced"}}));
}

TEST(MqttSiteLive, ResetPublishesEverythingAgain) {
  LivePublisher live(testing::test_site(), home());
  const auto first = live.changes(snapshot_of_home());
  live.reset();
  EXPECT_EQ(pairs(live.changes(snapshot_of_home())), pairs(first));
}

TEST(MqttSiteLive, AlarmsClearing) {
  LivePublisher live(testing::test_site(), home());
  (void)live.changes(snapshot_of_home());
  auto cleared = snapshot_of_home();
  cleared.alarms.clear();
  EXPECT_EQ(pairs(live.changes(cleared)), (Pairs{{"kirchhoff/home/alarms", "[]"},
                                                 {"kirchhoff/home/alarm/any", "OFF"},
                                                 {"kirchhoff/home/alarm/overcurrent_l2", "OFF"}}));
}

TEST(MqttSiteLive, NonFiniteValuesAreNotPublished) {
  LivePublisher live(testing::test_site(), home());
  auto s = snapshot_of_home();
  s.frequency_hz = std::numeric_limits<double>::quiet_NaN();
  s.loads[0].p_w = std::numeric_limits<double>::infinity();
  for (const auto& m : live.changes(s)) {
    EXPECT_NE(m.topic, "kirchhoff/home/frequency_hz");
    EXPECT_NE(m.topic, "kirchhoff/home/load/grid/power_w");
  }
}

TEST(MqttSiteLive, StatusIsRetainedOnlineOrOffline) {
  const LivePublisher live(testing::test_site(), home());
  const Message online = live.status(true);
  EXPECT_EQ(online.topic, "kirchhoff/home/status");
  EXPECT_EQ(online.payload, "online");
  EXPECT_TRUE(online.retain);
  EXPECT_EQ(online.qos, 1);
  const Message offline = status_message(home(), false);
  EXPECT_EQ(offline.topic, "kirchhoff/home/status");
  EXPECT_EQ(offline.payload, "offline");
  EXPECT_TRUE(offline.retain);
}

TEST(MqttSitePayloads, FixedDecimalsWithoutNegativeZero) {
  EXPECT_EQ(fixed_payload(1234.4, 0), "1234");
  EXPECT_EQ(fixed_payload(-0.3, 0), "0");
  EXPECT_EQ(fixed_payload(-0.04, 1), "0.0");
  EXPECT_EQ(fixed_payload(-0.06, 1), "-0.1");
  EXPECT_EQ(fixed_payload(0.0896, 3), "0.090");
  EXPECT_EQ(fixed_payload(1e20, 0), "100000000000000000000");
  EXPECT_EQ(fixed_payload(std::nan(""), 1), std::nullopt);
  EXPECT_EQ(fixed_payload(-std::numeric_limits<double>::infinity(), 1), std::nullopt);
  EXPECT_EQ(sg_ready_name(1), "blocked");
  EXPECT_EQ(sg_ready_name(5), "");
}

}  // namespace
}  // namespace kirchhoff::mqtt::site
