#include "mqtt/site/discovery.hpp"

#include <map>
#include <regex>
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mqtt/site/test_site.hpp"

namespace kirchhoff::mqtt::site {
namespace {

using nlohmann::json;

TopicConfig home() { return {"kirchhoff/home", "homeassistant", "kirchhoff_home", false}; }

std::map<std::string, json> by_topic(const std::vector<Message>& messages) {
  std::map<std::string, json> out;
  for (const auto& m : messages) {
    out[m.topic] = json::parse(m.payload);
  }
  return out;
}

// Written from the test site by hand (docs/mqtt.md's table): 17 site
// entities, per load power + a current per phase + energy by kind (+ EV mode
// and plugged, battery charge level), in1's two inputs, out1's two relays, the
// P1 meter's gas and water.
const std::vector<std::string> kExpectedTopics = {
    "homeassistant/sensor/kirchhoff_home/site_voltage_l1/config",
    "homeassistant/sensor/kirchhoff_home/site_voltage_l2/config",
    "homeassistant/sensor/kirchhoff_home/site_voltage_l3/config",
    "homeassistant/sensor/kirchhoff_home/site_frequency/config",
    "homeassistant/select/kirchhoff_home/site_sg_ready/config",
    "homeassistant/sensor/kirchhoff_home/site_sg_ready_state/config",
    "homeassistant/binary_sensor/kirchhoff_home/site_alarm/config",
    "homeassistant/binary_sensor/kirchhoff_home/site_alarm_no_measurements/config",
    "homeassistant/binary_sensor/kirchhoff_home/site_alarm_installation_invalid/config",
    "homeassistant/binary_sensor/kirchhoff_home/site_alarm_fail_safe/config",
    "homeassistant/binary_sensor/kirchhoff_home/site_alarm_overcurrent_l1/config",
    "homeassistant/binary_sensor/kirchhoff_home/site_alarm_overcurrent_l2/config",
    "homeassistant/binary_sensor/kirchhoff_home/site_alarm_overcurrent_l3/config",
    "homeassistant/binary_sensor/kirchhoff_home/site_alarm_voltage_l1/config",
    "homeassistant/binary_sensor/kirchhoff_home/site_alarm_voltage_l2/config",
    "homeassistant/binary_sensor/kirchhoff_home/site_alarm_voltage_l3/config",
    "homeassistant/binary_sensor/kirchhoff_home/site_alarm_device_p1_meter/config",
    "homeassistant/sensor/kirchhoff_home/grid_power/config",
    "homeassistant/sensor/kirchhoff_home/grid_l1_current/config",
    "homeassistant/sensor/kirchhoff_home/grid_l2_current/config",
    "homeassistant/sensor/kirchhoff_home/grid_l3_current/config",
    "homeassistant/sensor/kirchhoff_home/grid_energy_import/config",
    "homeassistant/sensor/kirchhoff_home/grid_energy_export/config",
    "homeassistant/sensor/kirchhoff_home/solar_power/config",
    "homeassistant/sensor/kirchhoff_home/solar_l1_current/config",
    "homeassistant/sensor/kirchhoff_home/solar_energy_production/config",
    "homeassistant/sensor/kirchhoff_home/battery_power/config",
    "homeassistant/sensor/kirchhoff_home/battery_l1_current/config",
    "homeassistant/sensor/kirchhoff_home/battery_energy_charge/config",
    "homeassistant/sensor/kirchhoff_home/battery_energy_discharge/config",
    "homeassistant/sensor/kirchhoff_home/battery_soc/config",
    "homeassistant/sensor/kirchhoff_home/car_power/config",
    "homeassistant/sensor/kirchhoff_home/car_l1_current/config",
    "homeassistant/sensor/kirchhoff_home/car_l2_current/config",
    "homeassistant/sensor/kirchhoff_home/car_l3_current/config",
    "homeassistant/sensor/kirchhoff_home/car_energy/config",
    "homeassistant/select/kirchhoff_home/car_mode/config",
    "homeassistant/binary_sensor/kirchhoff_home/car_plugged/config",
    "homeassistant/sensor/kirchhoff_home/heat_pump_power/config",
    "homeassistant/sensor/kirchhoff_home/heat_pump_l2_current/config",
    "homeassistant/sensor/kirchhoff_home/heat_pump_energy/config",
    "homeassistant/sensor/kirchhoff_home/heat_pump_2_power/config",
    "homeassistant/sensor/kirchhoff_home/heat_pump_2_l3_current/config",
    "homeassistant/sensor/kirchhoff_home/heat_pump_2_energy/config",
    "homeassistant/sensor/kirchhoff_home/kitchen_power/config",
    "homeassistant/sensor/kirchhoff_home/kitchen_l1_current/config",
    "homeassistant/sensor/kirchhoff_home/kitchen_energy/config",
    "homeassistant/sensor/kirchhoff_home/in1_input_1/config",
    "homeassistant/binary_sensor/kirchhoff_home/in1_input_2/config",
    "homeassistant/switch/kirchhoff_home/out1_relay_1/config",
    "homeassistant/switch/kirchhoff_home/out1_relay_2/config",
    "homeassistant/sensor/kirchhoff_home/p1_meter_gas/config",
    "homeassistant/sensor/kirchhoff_home/p1_meter_water/config",
};

TEST(MqttSiteDiscovery, ExactTopicsRetainedQos1) {
  const auto messages = discovery(testing::test_site(), home());
  std::vector<std::string> topics;
  for (const auto& m : messages) {
    topics.push_back(m.topic);
    EXPECT_TRUE(m.retain) << m.topic;
    EXPECT_EQ(m.qos, 1) << m.topic;
  }
  EXPECT_EQ(topics, kExpectedTopics);
  EXPECT_EQ(discovery_topics(testing::test_site(), home()), kExpectedTopics);
}

// What Home Assistant's MQTT integration checks before it creates an entity
// (its discovery documentation and the sensor device classes' units):
// required keys per component, a unit the device class accepts, ids.
TEST(MqttSiteDiscovery, EveryConfigIsOneHomeAssistantAccepts) {
  const std::map<std::string, std::set<std::string>> units = {
      {"power", {"W", "kW"}}, {"energy", {"Wh", "kWh", "MWh"}},
      {"gas", {"m³"}},        {"water", {"m³", "L"}},
      {"voltage", {"V"}},     {"current", {"A"}},
      {"frequency", {"Hz"}},  {"battery", {"%"}}};
  const std::map<std::string, std::vector<std::string>> required = {
      {"sensor", {"state_topic"}},
      {"binary_sensor", {"state_topic"}},
      {"switch", {"command_topic"}},
      {"select", {"command_topic", "options"}}};
  const std::regex topic_shape(
      "homeassistant/(sensor|binary_sensor|switch|select)/"
      "(kirchhoff_home)/([a-zA-Z0-9_-]+)/config");
  std::set<std::string> unique_ids;
  for (const auto& m : discovery(testing::test_site(), home())) {
    SCOPED_TRACE(m.topic);
    std::smatch match;
    ASSERT_TRUE(std::regex_match(m.topic, match, topic_shape));
    const std::string component = match[1];
    const std::string object = match[3];
    const json c = json::parse(m.payload);
    for (const auto& key : required.at(component)) {
      EXPECT_TRUE(c.contains(key)) << key;
    }
    ASSERT_TRUE(c.contains("unique_id"));
    EXPECT_EQ(c["unique_id"], "kirchhoff_home_" + object);
    EXPECT_EQ(c["default_entity_id"], component + ".kirchhoff_home_" + object);
    EXPECT_FALSE(c.contains("object_id"));  // deprecated by Home Assistant 2025.10
    EXPECT_TRUE(unique_ids.insert(c["unique_id"].get<std::string>()).second);
    EXPECT_TRUE(c["name"].is_string());
    EXPECT_EQ(c["availability_topic"], "kirchhoff/home/status");
    EXPECT_EQ(c["payload_available"], "online");
    EXPECT_EQ(c["payload_not_available"], "offline");
    EXPECT_EQ(c["device"]["identifiers"], json::array({"kirchhoff_home"}));
    EXPECT_EQ(c["device"]["name"], "Home");
    EXPECT_EQ(c["device"]["manufacturer"], "Kirchhoff");
    EXPECT_TRUE(c["device"].contains("model"));
    EXPECT_TRUE(c["device"].contains("sw_version"));
    if (c.contains("state_topic")) {
      EXPECT_EQ(c["state_topic"].get<std::string>().rfind("kirchhoff/home/", 0), 0U);
    }
    if (c.contains("command_topic")) {
      EXPECT_EQ(c["command_topic"], c["state_topic"].get<std::string>() + "/set");
    }
    if (component == "sensor" && c.contains("device_class") && c["device_class"] != "enum") {
      const std::string dc = c["device_class"];
      ASSERT_TRUE(units.count(dc)) << dc;
      EXPECT_TRUE(units.at(dc).count(c["unit_of_measurement"].get<std::string>())) << dc;
      const bool counter = dc == "energy" || dc == "gas" || dc == "water";
      EXPECT_EQ(c["state_class"], counter ? "total_increasing" : "measurement") << dc;
    }
  }
}

TEST(MqttSiteDiscovery, EnergyDashboardSensorsUseTheRightRegisters) {
  auto all = by_topic(discovery(testing::test_site(), home()));
  auto config = [&](const std::string& component, const std::string& object) {
    return all.at("homeassistant/" + component + "/kirchhoff_home/" + object + "/config");
  };
  // Grid: + is import. Solar: + is production, so production is the import
  // register. Battery: + is discharge, so charge is the export register.
  EXPECT_EQ(config("sensor", "grid_energy_import")["state_topic"],
            "kirchhoff/home/load/grid/energy_import_kwh");
  EXPECT_EQ(config("sensor", "grid_energy_export")["state_topic"],
            "kirchhoff/home/load/grid/energy_export_kwh");
  EXPECT_EQ(config("sensor", "solar_energy_production")["state_topic"],
            "kirchhoff/home/load/solar/energy_import_kwh");
  EXPECT_EQ(config("sensor", "battery_energy_charge")["state_topic"],
            "kirchhoff/home/load/battery/energy_export_kwh");
  EXPECT_EQ(config("sensor", "battery_energy_discharge")["state_topic"],
            "kirchhoff/home/load/battery/energy_import_kwh");
  EXPECT_EQ(config("sensor", "kitchen_energy")["state_topic"],
            "kirchhoff/home/load/kitchen/energy_import_kwh");
  const json kitchen = config("sensor", "kitchen_energy");
  EXPECT_EQ(kitchen["device_class"], "energy");
  EXPECT_EQ(kitchen["state_class"], "total_increasing");
  EXPECT_EQ(kitchen["unit_of_measurement"], "kWh");
  EXPECT_EQ(kitchen["name"], "Kitchen energy");

  const json power = config("sensor", "grid_power");
  EXPECT_EQ(power["state_topic"], "kirchhoff/home/load/grid/power_w");
  EXPECT_EQ(power["device_class"], "power");
  EXPECT_EQ(power["state_class"], "measurement");
  EXPECT_EQ(power["unit_of_measurement"], "W");
  EXPECT_EQ(config("sensor", "car_l2_current")["state_topic"],
            "kirchhoff/home/load/car/L2/current_a");

  const json gas = config("sensor", "in1_input_1");
  EXPECT_EQ(gas["name"], "Gas");
  EXPECT_EQ(gas["state_topic"], "kirchhoff/home/input/in1/1");
  EXPECT_EQ(gas["device_class"], "gas");
  EXPECT_EQ(gas["unit_of_measurement"], "m³");
  EXPECT_EQ(gas["state_class"], "total_increasing");
  const json p1_water = config("sensor", "p1_meter_water");
  EXPECT_EQ(p1_water["device_class"], "water");
  EXPECT_EQ(p1_water["state_topic"], "kirchhoff/home/input/p1_meter/2");
  EXPECT_EQ(p1_water["enabled_by_default"], false);
  EXPECT_EQ(config("sensor", "p1_meter_gas")["state_topic"], "kirchhoff/home/input/p1_meter/1");
}

TEST(MqttSiteDiscovery, SwitchesSelectsAndProblemSensors) {
  auto all = by_topic(discovery(testing::test_site(), home()));
  auto config = [&](const std::string& component, const std::string& object) {
    return all.at("homeassistant/" + component + "/kirchhoff_home/" + object + "/config");
  };
  const json relay = config("switch", "out1_relay_2");
  EXPECT_EQ(relay["name"], "Pool pump");
  EXPECT_EQ(relay["state_topic"], "kirchhoff/home/relay/out1/2");
  EXPECT_EQ(relay["command_topic"], "kirchhoff/home/relay/out1/2/set");
  EXPECT_EQ(relay["payload_on"], "ON");
  EXPECT_EQ(relay["payload_off"], "OFF");

  const json mode = config("select", "car_mode");
  EXPECT_EQ(mode["state_topic"], "kirchhoff/home/ev/car/mode");
  EXPECT_EQ(mode["command_topic"], "kirchhoff/home/ev/car/mode/set");
  EXPECT_EQ(mode["options"], json::array({"off", "now", "min+pv", "pv"}));

  const json sg = config("select", "site_sg_ready");
  EXPECT_EQ(sg["state_topic"], "kirchhoff/home/heat_pump/sg_ready");
  EXPECT_EQ(sg["command_topic"], "kirchhoff/home/heat_pump/sg_ready/set");
  EXPECT_EQ(sg["options"], json::array({"auto", "blocked", "normal", "recommended", "forced"}));
  const json sg_state = config("sensor", "site_sg_ready_state");
  EXPECT_EQ(sg_state["device_class"], "enum");
  EXPECT_EQ(sg_state["options"], json::array({"blocked", "normal", "recommended", "forced"}));

  const json any = config("binary_sensor", "site_alarm");
  EXPECT_EQ(any["device_class"], "problem");
  EXPECT_EQ(any["state_topic"], "kirchhoff/home/alarm/any");
  const json device = config("binary_sensor", "site_alarm_device_p1_meter");
  EXPECT_EQ(device["device_class"], "problem");
  EXPECT_EQ(device["state_topic"], "kirchhoff/home/alarm/device_p1_meter");
  EXPECT_EQ(device["name"], "Device P1 meter");
  EXPECT_EQ(config("binary_sensor", "car_plugged")["device_class"], "plug");
  EXPECT_EQ(config("binary_sensor", "in1_input_2")["state_topic"], "kirchhoff/home/input/in1/2");
}

TEST(MqttSiteDiscovery, ReadOnlyAnnouncesNothingThatTakesCommands) {
  TopicConfig config = home();
  config.read_only = true;
  const auto messages = discovery(testing::test_site(), config);
  ASSERT_EQ(messages.size(), kExpectedTopics.size());
  for (const auto& m : messages) {
    EXPECT_FALSE(json::parse(m.payload).contains("command_topic")) << m.topic;
    EXPECT_EQ(m.topic.find("/switch/"), std::string::npos);
    EXPECT_EQ(m.topic.find("/select/"), std::string::npos);
  }
  const auto all = by_topic(messages);
  EXPECT_TRUE(all.count("homeassistant/binary_sensor/kirchhoff_home/out1_relay_1/config"));
  EXPECT_TRUE(all.count("homeassistant/sensor/kirchhoff_home/car_mode/config"));
}

TEST(MqttSiteDiscovery, UniqueIdsDependOnlyOnTheSiteAndTheThingsOwnName) {
  auto before = testing::test_site();
  auto after = before;
  after.loads.erase(after.loads.begin() + 1);  // Solar removed
  after.loads[0].breaker_a = 40.0;             // something else changed
  const auto old_topics = discovery_topics(before, home());
  const auto new_topics = discovery_topics(after, home());
  // Everything but Solar's three entities keeps its topic (and unique_id).
  const auto removed = removed_discovery(old_topics, new_topics);
  std::vector<std::string> removed_topics;
  for (const auto& m : removed) {
    removed_topics.push_back(m.topic);
    EXPECT_EQ(m.payload, "");
    EXPECT_TRUE(m.retain);
  }
  EXPECT_EQ(removed_topics,
            (std::vector<std::string>{
                "homeassistant/sensor/kirchhoff_home/solar_power/config",
                "homeassistant/sensor/kirchhoff_home/solar_l1_current/config",
                "homeassistant/sensor/kirchhoff_home/solar_energy_production/config"}));
  EXPECT_EQ(new_topics.size(), old_topics.size() - 3);
  EXPECT_EQ(ha_status_topic(home()), "homeassistant/status");
}

TEST(MqttSiteDiscovery, PulseInputUnitsMapToHomeAssistantClasses) {
  model::Installation inst;
  inst.site.name = "Home";
  model::Module in;
  in.id = "in1";
  auto pulse = [](int n, std::string name, std::string unit) {
    model::ModuleInput i;
    i.number = n;
    i.name = std::move(name);
    i.unit = std::move(unit);
    i.pulses_per_unit = 1;
    return i;
  };
  in.inputs = {pulse(1, "Cold water", "m3"), pulse(2, "Garden", "l"), pulse(3, "Heat", "kWh"),
               pulse(4, "Pellets", "kg")};
  inst.modules.push_back(in);
  auto all = by_topic(discovery(inst, home()));
  auto input = [&](int n) {
    return all.at("homeassistant/sensor/kirchhoff_home/in1_input_" + std::to_string(n) + "/config");
  };
  EXPECT_EQ(input(1)["device_class"], "water");
  EXPECT_EQ(input(1)["unit_of_measurement"], "m³");
  EXPECT_EQ(input(2)["device_class"], "water");
  EXPECT_EQ(input(2)["unit_of_measurement"], "L");
  EXPECT_EQ(input(3)["device_class"], "energy");
  EXPECT_EQ(input(3)["unit_of_measurement"], "kWh");
  EXPECT_FALSE(input(4).contains("device_class"));
  EXPECT_EQ(input(4)["unit_of_measurement"], "kg");
  EXPECT_EQ(input(4)["state_class"], "total_increasing");
}

}  // namespace
}  // namespace kirchhoff::mqtt::site
