// The `mqtt:` block of a device in the installation file: what is read, and
// every mistake reported at its line and column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "model/loader.hpp"

namespace kirchhoff::model {
namespace {

using ::testing::HasSubstr;

// Lines 1-6; devices start on line 7.
constexpr const char* kHead = R"(site: {name: Plugs, topology: 1P-230, main_breaker_a: 25}
gateway: connect
loads:
  - {name: Grid, kind: grid, phases: [L1]}
  - {name: Washer, kind: consumer, phases: [L1]}
devices:
  - {name: Meter, driver: p1, p1: {tcp: "192.168.1.30:8088"}, load: Grid}
)";

CheckResult check(const std::string& devices) { return check_installation(kHead + devices); }

// The diagnostic containing `needle`; fails the test if none.
const Diagnostic* find(const CheckResult& result, const std::string& needle) {
  for (const auto& d : result.diagnostics) {
    if (d.message.find(needle) != std::string::npos) {
      return &d;
    }
  }
  std::string all;
  for (const auto& d : result.diagnostics) {
    all += std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + " " + d.message + "\n";
  }
  ADD_FAILURE() << "no diagnostic contains '" << needle << "' among:\n" << all;
  return nullptr;
}

void expect_at(const CheckResult& result, const std::string& needle, int line, int column) {
  if (const Diagnostic* d = find(result, needle)) {
    EXPECT_EQ(d->severity, Severity::kError) << needle;
    EXPECT_EQ(d->pos.line, line) << needle;
    EXPECT_EQ(d->pos.column, column) << needle;
  }
}

TEST(MqttDevices, ReadsAFullBlock) {
  const auto result = check(R"(  - name: washer-plug
    driver: mqtt
    load: Washer
    poll_ms: 2000
    mqtt:
      broker: mqtts://broker.local:8883
      username: kirchhoff
      password_file: secrets/mqtt
      ca_file: ca.pem
      power_topic: shellies/shellyplug-s-1/status/switch:0
      power_path: apower
      energy_topic: shellies/shellyplug-s-1/status/switch:0
      energy_path: aenergy.total
      energy_unit: Wh
      stale_s: 30
      relay_command_topic: shellies/shellyplug-s-1/command/switch:0
      relay_on_payload: "ON"
      relay_off_payload: "OFF"
      relay_state_topic: shellies/shellyplug-s-1/status/switch:0
      relay_state_path: output
      relay_state_on: true
)");
  ASSERT_EQ(result.error_count(), 0) << result.diagnostics.front().message;
  ASSERT_TRUE(result.installation);
  const DeviceConfig& device = result.installation->devices.at(1);
  EXPECT_EQ(device.driver, "mqtt");
  EXPECT_EQ(device.poll_ms, 2000);
  ASSERT_TRUE(device.mqtt);
  const MqttDeviceConfig& m = *device.mqtt;
  EXPECT_EQ(m.broker, "mqtts://broker.local:8883");
  EXPECT_EQ(m.username, "kirchhoff");
  EXPECT_EQ(m.password_file, "secrets/mqtt");
  EXPECT_EQ(m.ca_file, "ca.pem");
  EXPECT_EQ(m.power_topic, "shellies/shellyplug-s-1/status/switch:0");
  EXPECT_EQ(m.power_path.text, "apower");
  ASSERT_EQ(m.power_path.steps.size(), 1u);
  EXPECT_EQ(m.energy_path.steps.size(), 2u);
  EXPECT_EQ(m.energy_unit, "Wh");
  EXPECT_EQ(m.energy_wh_per_unit, 1.0);
  EXPECT_EQ(m.stale_s, 30);
  EXPECT_EQ(m.relay_command_topic, "shellies/shellyplug-s-1/command/switch:0");
  EXPECT_EQ(m.relay_on_payload, "ON");
  EXPECT_EQ(m.relay_off_payload, "OFF");
  EXPECT_EQ(m.relay_state_topic, "shellies/shellyplug-s-1/status/switch:0");
  EXPECT_EQ(m.relay_state_path.text, "output");
  EXPECT_EQ(m.relay_state_on, "true");
  EXPECT_EQ(m.pos.line, 13);
  EXPECT_EQ(m.password_file_pos.line, 15);
}

TEST(MqttDevices, DefaultsOfAMinimalBlock) {
  const auto result = check(R"(  - name: plug
    driver: mqtt
    load: Washer
    mqtt: {power_topic: shellies/plug/relay/0/power, power_path: ""}
)");
  ASSERT_EQ(result.error_count(), 0) << result.diagnostics.front().message;
  const MqttDeviceConfig& m = *result.installation->devices.at(1).mqtt;
  EXPECT_EQ(m.broker, "");  // the daemon's broker
  EXPECT_TRUE(m.power_path.empty());
  EXPECT_EQ(m.energy_topic, "");
  EXPECT_EQ(m.stale_s, 60);
  EXPECT_EQ(m.relay_command_topic, "");
  EXPECT_EQ(m.relay_on_payload, "on");
  EXPECT_EQ(m.relay_off_payload, "off");
  EXPECT_EQ(m.relay_state_on, "on");
}

TEST(MqttDevices, EnergyUnitsConvertToWattHours) {
  // 1 kWh = 1000 Wh; 1 Wmin = 1/60 Wh (Shelly Gen 1 counts watt-minutes).
  const auto kwh = check(R"(  - name: plug
    driver: mqtt
    load: Washer
    mqtt: {power_topic: a, energy_topic: a, energy_path: energy, energy_unit: kWh}
)");
  ASSERT_EQ(kwh.error_count(), 0);
  EXPECT_EQ(kwh.installation->devices.at(1).mqtt->energy_wh_per_unit, 1000.0);
  const auto wmin = check(R"(  - name: plug
    driver: mqtt
    load: Washer
    mqtt: {power_topic: a, energy_topic: b, energy_unit: Wmin}
)");
  ASSERT_EQ(wmin.error_count(), 0);
  EXPECT_DOUBLE_EQ(wmin.installation->devices.at(1).mqtt->energy_wh_per_unit, 1.0 / 60.0);
}

TEST(MqttDevices, DriverAndBlockBelongTogether) {
  const auto result = check(R"(  - {name: plug, driver: mqtt, load: Washer}
  - {name: other, driver: p1, p1: {tcp: "h:1"}, mqtt: {power_topic: a}}
)");
  expect_at(result, "device 'plug' (driver mqtt) needs 'mqtt: {power_topic: TOPIC}'", 8, 5);
  expect_at(result, "'mqtt' belongs to the mqtt driver, not to p1", 9, 55);
}

TEST(MqttDevices, UnknownDriverIsStillRefused) {
  const auto result = check(R"(  - {name: plug, driver: mqqt, load: Washer, mqtt: {power_topic: a}}
)");
  expect_at(result, "unknown driver 'mqqt' (did you mean 'mqtt'?)", 8, 26);
}

TEST(MqttDevices, EveryMistakeAtItsPlace) {
  // Line 8 onwards; the column of each value is counted by hand.
  const auto result = check(R"(  - name: plug
    driver: mqtt
    load: Washer
    mqtt:
      broker: http://host
      power_topic: shellies/+/relay/0/power
      power_path: ENERGY..Power
      energy_path: total
      energy_unit: MWh
      stale_s: 0
      relay_on_payload: "on"
      relay_state_on: "ON"
      colour: red
)");
  expect_at(result, "broker of 'mqtt' of device 'plug' must be mqtt://HOST[:PORT]", 12, 15);
  expect_at(result,
            "power_topic of 'mqtt' of device 'plug' must be one exact topic, without the wildcards",
            13, 20);
  expect_at(result,
            "power_path of 'mqtt' of device 'plug' is not a JSON path (keys separated by dots, [N] "
            "indices, e.g. ENERGY.Power): at character 8: an empty key",
            14, 19);
  expect_at(result, "energy_path of 'mqtt' of device 'plug' goes with 'energy_topic'", 15, 20);
  expect_at(result, "unknown energy_unit 'MWh'", 16, 20);
  expect_at(result, "energy_unit of 'mqtt' of device 'plug' goes with 'energy_topic'", 16, 20);
  expect_at(result, "stale_s of 'mqtt' of device 'plug' must be between 1 and 86400", 17, 16);
  expect_at(result, "relay_on_payload of 'mqtt' of device 'plug' goes with 'relay_command_topic'",
            18, 25);
  expect_at(result, "relay_state_on of 'mqtt' of device 'plug' goes with 'relay_state_topic'", 19,
            23);
  expect_at(result, "unknown key 'colour'", 20, 7);
}

TEST(MqttDevices, MissingPowerTopicAndOtherGaps) {
  const auto result = check(R"(  - name: plug
    driver: mqtt
    load: Washer
    mqtt:
      broker: "mqtt://"
      password_file: pw
      energy_topic: ""
      stale_s: 86401
      relay_command_topic: "cmnd/plug/POWER"
      relay_on_payload: "x"
      relay_off_payload: "x"
      relay_state_topic: stat/plug/POWER
      relay_state_path: "[0"
)");
  expect_at(result, "'mqtt' of device 'plug' needs 'power_topic'", 12, 7);
  expect_at(result, "broker of 'mqtt' of device 'plug' needs a host", 12, 15);
  expect_at(result, "a password needs a user: give 'username'", 13, 22);
  expect_at(result, "energy_topic of 'mqtt' of device 'plug' must not be empty", 14, 21);
  expect_at(result, "stale_s of 'mqtt' of device 'plug' must be between 1 and 86400", 15, 16);
  expect_at(result,
            "relay_off_payload of 'mqtt' of device 'plug' must differ from relay_on_payload", 18,
            26);
  expect_at(result, "relay_state_path of 'mqtt' of device 'plug' is not a JSON path", 20, 25);
  EXPECT_THAT(find(result, "relay_state_path")->message,
              HasSubstr("at character 3: an index must end with ']'"));
}

TEST(MqttDevices, UnitWithoutTopicAndTopicWithoutUnit) {
  const auto result = check(R"(  - name: plug
    driver: mqtt
    load: Washer
    mqtt: {power_topic: a, energy_topic: b, ca_file: ca.pem, username: u, password_file: p}
)");
  expect_at(result, "energy_topic of 'mqtt' of device 'plug' needs 'energy_unit'", 11, 42);
  // No broker given: the daemon's, whose scheme is not known here; a CA file is accepted.
  EXPECT_EQ(result.error_count(), 1);
}

TEST(MqttDevices, CaFileNeedsATlsBroker) {
  const auto result = check(R"(  - name: plug
    driver: mqtt
    load: Washer
    mqtt: {broker: "mqtt://h", power_topic: a, ca_file: ca.pem}
)");
  expect_at(result, "ca_file of 'mqtt' of device 'plug' is for a TLS broker", 11, 57);
}

TEST(MqttDevices, UserInTheUrlIsEnoughForAPassword) {
  const auto result = check(R"(  - name: plug
    driver: mqtt
    load: Washer
    mqtt: {broker: "mqtt://kirchhoff@h:1883", power_topic: a, password_file: pw}
)");
  EXPECT_EQ(result.error_count(), 0);
}

}  // namespace
}  // namespace kirchhoff::model
