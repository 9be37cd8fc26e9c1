// The mqtt driver against a real mosquitto on loopback (one broker for the
// suite): payloads of Shelly (Gen 1 and Gen 2), Tasmota and zigbee2mqtt
// published by a second client, read back through poll(); staleness; relay
// commands seen by a subscriber. Values are published retained, so a driver
// that subscribes after the publish still gets them. Every wait polls until
// a condition holds, with a generous timeout; no test measures time.
#include "devices/mqtt/mqtt_driver.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "common/time.hpp"
#include "mqtt/client.hpp"
#include "tests/peers/mosquitto_broker.hpp"

namespace kirchhoff::devices::mqtt {
namespace {

using ::testing::HasSubstr;
using tests::MosquittoBroker;
namespace net = kirchhoff::mqtt;

constexpr auto kWait = std::chrono::seconds(10);

MosquittoBroker* shared_broker = nullptr;

class BrokerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    signal(SIGPIPE, SIG_IGN);
    broker_ = std::make_unique<MosquittoBroker>();
    shared_broker = broker_.get();
  }
  void TearDown() override {
    shared_broker = nullptr;
    broker_.reset();
  }

 private:
  std::unique_ptr<MosquittoBroker> broker_;
};

[[maybe_unused]] const auto* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new BrokerEnvironment);

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

model::JsonPath path(const std::string& text) {
  auto parsed = model::parse_json_path(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed ? *parsed : model::JsonPath{};
}

// A device entry as the installation loader would build it.
model::DeviceConfig device(const std::string& name, model::MqttDeviceConfig mqtt) {
  model::DeviceConfig config;
  config.name = name;
  config.driver = "mqtt";
  config.mqtt = std::move(mqtt);
  return config;
}

std::unique_ptr<Driver> make_driver(const model::DeviceConfig& config, DriverContext context = {}) {
  DriverRegistry registry;
  register_mqtt_driver(registry);
  if (config.mqtt && config.mqtt->broker.empty() && context.default_mqtt_broker.url.empty()) {
    context.default_mqtt_broker.url = shared_broker->url();
  }
  auto driver = registry.create(config, context);
  EXPECT_TRUE(driver.ok()) << (driver ? "" : driver.error().message);
  return driver ? std::move(*driver) : nullptr;
}

// A second client: the devices' side. Collects what it receives.
class Peer {
 public:
  explicit Peer(const std::vector<std::string>& filters = {}) {
    auto broker = net::parse_broker_url(shared_broker->url());
    net::ClientOptions options;
    options.broker = *broker;
    auto client = net::Client::create(options);
    EXPECT_TRUE(client.ok());
    client_ = std::move(*client);
    client_->on_message([this](const std::string& topic, const std::string& payload) {
      std::lock_guard lock(mutex_);
      received_.emplace_back(topic, payload);
    });
    for (const auto& filter : filters) {
      EXPECT_TRUE(client_->subscribe(filter, 1).ok());
    }
    EXPECT_TRUE(client_->start().ok());
    EXPECT_TRUE(eventually([&] { return client_->connected(); }));
  }
  ~Peer() { client_->stop(); }

  // Retained, so that a driver subscribing later still gets it.
  void publish(const std::string& topic, const std::string& payload) {
    ASSERT_TRUE(client_->publish({topic, payload, 1, true}).ok());
  }
  bool saw(const std::string& topic, const std::string& payload) {
    std::lock_guard lock(mutex_);
    return std::find(received_.begin(), received_.end(), std::make_pair(topic, payload)) !=
           received_.end();
  }

 private:
  std::unique_ptr<net::Client> client_;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> received_;
};

// Polls until `accept` holds for the result (or the wait ends); returns the last.
common::Result<Reading> poll_until(
    Driver& driver, const std::function<bool(const common::Result<Reading>&)>& accept) {
  common::Result<Reading> last = common::make_error(common::ErrorKind::kNotFound, "never polled");
  eventually([&] {
    last = driver.poll(common::unix_ms_now());
    return accept(last);
  });
  return last;
}

std::function<bool(const common::Result<Reading>&)> power_is(double w) {
  return [w](const common::Result<Reading>& r) { return r.ok() && r->power_w == w; };
}

std::function<bool(const common::Result<Reading>&)> fails_with(const std::string& text) {
  return [text](const common::Result<Reading>& r) {
    return !r.ok() && r.error().message.find(text) != std::string::npos;
  };
}

TEST(MqttDriver, ShellyGen1PlainNumberTopics) {
  // Shelly Plug S (Gen 1): shellies/<id>/relay/0/power in W, relay/0/energy
  // in watt-minutes, relay/0 "on"/"off"; commands on relay/0/command.
  model::MqttDeviceConfig m;
  m.power_topic = "shellies/shellyplug-s-gen1/relay/0/power";
  m.energy_topic = "shellies/shellyplug-s-gen1/relay/0/energy";
  m.energy_unit = "Wmin";
  m.energy_wh_per_unit = 1.0 / 60.0;
  m.relay_command_topic = "shellies/shellyplug-s-gen1/relay/0/command";
  m.relay_state_topic = "shellies/shellyplug-s-gen1/relay/0";
  Peer peer({m.relay_command_topic});
  peer.publish(m.energy_topic, "8431");
  peer.publish(m.relay_state_topic, "on");
  peer.publish(m.power_topic, "12.34");
  auto driver = make_driver(device("washer-plug", m));
  ASSERT_NE(driver, nullptr);

  auto reading = poll_until(*driver, [](const auto& r) {
    return r.ok() && r->power_w && r->energy_import_wh && r->relay_on;
  });
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->power_w, 12.34);
  // 8431 Wmin / 60 = 140.51666... Wh
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 8431.0 / 60.0);
  EXPECT_EQ(reading->relay_on, true);

  peer.publish(m.power_topic, "0");
  peer.publish(m.relay_state_topic, "off");
  reading = poll_until(
      *driver, [](const auto& r) { return r.ok() && r->power_w == 0.0 && r->relay_on == false; });
  ASSERT_TRUE(reading.ok()) << reading.error().message;

  // The relay: the configured payloads on the command topic.
  EXPECT_TRUE(eventually(
      [&] { return driver->set_relay(true).ok() && peer.saw(m.relay_command_topic, "on"); }));
  EXPECT_TRUE(eventually(
      [&] { return driver->set_relay(false).ok() && peer.saw(m.relay_command_topic, "off"); }));
}

TEST(MqttDriver, ShellyGen2SwitchStatusJson) {
  // Shelly Plus Plug S (Gen 2): <prefix>/status/switch:0, apower in W,
  // aenergy.total in Wh, output a JSON boolean.
  model::MqttDeviceConfig m;
  m.power_topic = "shellyplusplugs-gen2/status/switch:0";
  m.power_path = path("apower");
  m.energy_topic = m.power_topic;
  m.energy_path = path("aenergy.total");
  m.energy_unit = "Wh";
  m.relay_state_topic = m.power_topic;
  m.relay_state_path = path("output");
  m.relay_state_on = "true";
  Peer peer;
  peer.publish(m.power_topic,
               R"({"id":0,"source":"init","output":true,"apower":12.3,"voltage":231.9,)"
               R"("current":0.094,"aenergy":{"total":1234.5,"by_minute":[0,0,0],)"
               R"("minute_ts":1700000040},"temperature":{"tC":41.2,"tF":106.2}})");
  auto driver = make_driver(device("dryer-plug", m));
  ASSERT_NE(driver, nullptr);
  auto reading = poll_until(*driver, power_is(12.3));
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 1234.5);
  EXPECT_EQ(reading->relay_on, true);
  // No command topic: not a relay.
  const auto status = driver->set_relay(true);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, common::ErrorKind::kUnsupported);
}

TEST(MqttDriver, TasmotaSensorAndPowerTopics) {
  // Tasmota: tele/<topic>/SENSOR with ENERGY.Power (W) and ENERGY.Total
  // (kWh); stat/<topic>/POWER "ON"/"OFF"; commands on cmnd/<topic>/POWER.
  model::MqttDeviceConfig m;
  m.power_topic = "tele/tasmota_dryer/SENSOR";
  m.power_path = path("ENERGY.Power");
  m.energy_topic = m.power_topic;
  m.energy_path = path("ENERGY.Total");
  m.energy_unit = "kWh";
  m.energy_wh_per_unit = 1000.0;
  m.relay_command_topic = "cmnd/tasmota_dryer/POWER";
  m.relay_on_payload = "ON";
  m.relay_off_payload = "OFF";
  m.relay_state_topic = "stat/tasmota_dryer/POWER";
  Peer peer({m.relay_command_topic});
  peer.publish(m.relay_state_topic, "ON");
  peer.publish(m.power_topic,
               R"({"Time":"2018-01-17T18:59:50","ENERGY":{"Total":1.956,"Yesterday":0.054,)"
               R"("Today":0.049,"Period":0,"Power":9,"Factor":0.43,"Voltage":231,)"
               R"("Current":0.089}})");
  auto driver = make_driver(device("dryer", m));
  ASSERT_NE(driver, nullptr);
  auto reading = poll_until(*driver, [](const auto& r) { return r.ok() && r->relay_on; });
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_EQ(reading->power_w, 9.0);
  // 1.956 kWh = 1956 Wh
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 1956.0);
  EXPECT_EQ(reading->relay_on, true);  // "ON" matches "on", letter case ignored
  EXPECT_TRUE(eventually(
      [&] { return driver->set_relay(false).ok() && peer.saw(m.relay_command_topic, "OFF"); }));
}

TEST(MqttDriver, Zigbee2MqttStateAndJsonCommands) {
  // zigbee2mqtt: zigbee2mqtt/<name> with power (W), energy (kWh), state;
  // commands as JSON on zigbee2mqtt/<name>/set.
  model::MqttDeviceConfig m;
  m.power_topic = "zigbee2mqtt/boiler-plug";
  m.power_path = path("power");
  m.energy_topic = m.power_topic;
  m.energy_path = path("energy");
  m.energy_unit = "kWh";
  m.energy_wh_per_unit = 1000.0;
  m.relay_command_topic = "zigbee2mqtt/boiler-plug/set";
  m.relay_on_payload = R"({"state":"ON"})";
  m.relay_off_payload = R"({"state":"OFF"})";
  m.relay_state_topic = m.power_topic;
  m.relay_state_path = path("state");
  Peer peer({m.relay_command_topic});
  peer.publish(m.power_topic, R"({"current":0.05,"energy":3.21,"linkquality":116,"power":12.5,)"
                              R"("state":"OFF","voltage":230})");
  auto driver = make_driver(device("boiler", m));
  ASSERT_NE(driver, nullptr);
  auto reading = poll_until(*driver, power_is(12.5));
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 3210.0);  // 3.21 kWh
  EXPECT_EQ(reading->relay_on, false);
  EXPECT_TRUE(eventually([&] {
    return driver->set_relay(true).ok() && peer.saw(m.relay_command_topic, R"({"state":"ON"})");
  }));
  // The device answers with its new state: read back.
  peer.publish(m.power_topic, R"({"energy":3.22,"power":"1850.5","state":"ON"})");
  reading = poll_until(*driver, power_is(1850.5));
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_EQ(reading->relay_on, true);
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 3220.0);
}

TEST(MqttDriver, StaleAfterStaleSecondsWithoutAMessage) {
  model::MqttDeviceConfig m;
  m.power_topic = "stale/plug/power";
  m.stale_s = 1;
  Peer peer;
  peer.publish(m.power_topic, "100");
  auto driver = make_driver(device("stale-plug", m));
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(poll_until(*driver, power_is(100.0)).ok());
  // Nothing more is sent: after a second the reading is refused.
  auto stale = poll_until(*driver, fails_with("no message on 'stale/plug/power' for "));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, common::ErrorKind::kNotFound);
  // A new message revives it.
  peer.publish(m.power_topic, "101");
  EXPECT_TRUE(poll_until(*driver, power_is(101.0)).ok());
}

TEST(MqttDriver, PayloadThatDoesNotParseIsAnErrorNamingTopicAndPath) {
  model::MqttDeviceConfig m;
  m.power_topic = "zigbee2mqtt/bad-plug";
  m.power_path = path("power");
  Peer peer;
  peer.publish(m.power_topic, R"({"power":5})");
  auto driver = make_driver(device("bad-plug", m));
  ASSERT_NE(driver, nullptr);
  ASSERT_TRUE(poll_until(*driver, power_is(5.0)).ok());
  peer.publish(m.power_topic, R"({"power":"n/a","state":"ON"})");
  auto bad = poll_until(*driver, [](const auto& r) { return !r.ok(); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "topic 'zigbee2mqtt/bad-plug', path 'power': the value is a string that is not a "
            "number: 'n/a'");
  peer.publish(m.power_topic, R"({"linkquality":80})");
  bad = poll_until(*driver, fails_with("no key"));
  EXPECT_EQ(bad.error().message,
            "topic 'zigbee2mqtt/bad-plug', path 'power': no key 'power' in the payload");
  peer.publish(m.power_topic, R"({"power":6})");
  EXPECT_TRUE(poll_until(*driver, power_is(6.0)).ok());
}

TEST(MqttDriver, NoMessageYetAndNoBroker) {
  model::MqttDeviceConfig m;
  m.power_topic = "silent/plug/power";
  auto driver = make_driver(device("silent", m));
  ASSERT_NE(driver, nullptr);
  auto waiting = poll_until(*driver, fails_with("no message on 'silent/plug/power' yet"));
  EXPECT_FALSE(waiting.ok());

  // A broker that is not there: polls and relay commands fail, naming it.
  MosquittoBroker gone;
  const std::string url = gone.url();
  gone.stop();
  m.broker = url;
  m.relay_command_topic = "silent/plug/command";
  auto orphan = make_driver(device("orphan", m));
  ASSERT_NE(orphan, nullptr);
  auto reading = orphan->poll(common::unix_ms_now());
  ASSERT_FALSE(reading.ok());
  EXPECT_THAT(reading.error().message, HasSubstr("not connected to " + url));
  const auto relay = orphan->set_relay(true);
  ASSERT_FALSE(relay.ok());
  EXPECT_THAT(relay.error().message,
              HasSubstr("device 'orphan': not connected to " + url + ", cannot switch"));
}

TEST(MqttDriver, ConfigurationItCannotUse) {
  DriverRegistry registry;
  register_mqtt_driver(registry);
  model::MqttDeviceConfig m;
  m.power_topic = "a";
  auto none = registry.create(device("plug", m), {});
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.error().message,
              HasSubstr("device 'plug': no MQTT broker: give 'broker' in its mqtt block"));
  m.broker = "mqtt://127.0.0.1:1883";
  m.username = "u";
  m.password_file = "no-such-password-file";
  DriverContext context;
  context.base_dir = "/nonexistent";
  auto unreadable = registry.create(device("plug", m), context);
  ASSERT_FALSE(unreadable.ok());
  EXPECT_THAT(unreadable.error().message,
              HasSubstr("cannot read the password file /nonexistent/no-such-password-file"));
}

TEST(MqttDriver, AccountFromAPasswordFileBesideTheInstallation) {
  MosquittoBroker::Options options;
  options.accounts = {{"kirchhoff", "s3cret"}};
  MosquittoBroker secured(options);
  ASSERT_TRUE(secured.running());
  {
    std::ofstream file(secured.dir() + "/mqtt-password");
    file << "s3cret\n";
  }
  model::MqttDeviceConfig m;
  m.broker = secured.url();
  m.username = "kirchhoff";
  m.password_file = "mqtt-password";
  m.power_topic = "secured/plug/power";
  DriverContext context;
  context.base_dir = secured.dir();
  auto driver = make_driver(device("secured", m), context);
  ASSERT_NE(driver, nullptr);
  // Connected (with the file's first line as password): waiting for a message.
  auto reading = poll_until(*driver, fails_with("no message on 'secured/plug/power' yet"));
  EXPECT_THAT(reading.error().message, HasSubstr("yet"));

  // The same with a wrong password: refused by the broker, never connected.
  {
    std::ofstream file(secured.dir() + "/wrong-password");
    file << "guess\n";
  }
  m.password_file = "wrong-password";
  auto refused = make_driver(device("refused", m), context);
  ASSERT_NE(refused, nullptr);
  reading = poll_until(*refused, fails_with("not authorised"));
  EXPECT_THAT(reading.error().message, HasSubstr("not connected to " + secured.url()));
}

}  // namespace
}  // namespace kirchhoff::devices::mqtt
