#include "devices/mqtt/mqtt_driver.hpp"

#include <algorithm>
#include <cctype>
#include <mutex>

#include "common/text.hpp"
#include "common/time.hpp"
#include "devices/mqtt/payload.hpp"
#include "mqtt/client.hpp"

namespace kirchhoff::devices::mqtt {

namespace {

namespace net = kirchhoff::mqtt;

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) {
    return path;
  }
  return base_dir + "/" + path;
}

// "topic T, path P" for messages; the empty path is the whole payload.
std::string place(const std::string& topic, const model::JsonPath& path) {
  return "topic '" + topic + "'" + (path.empty() ? "" : ", path '" + path.text + "'");
}

// The latest good value of one topic and path, and the error of the latest
// message if it did not parse.
struct Latest {
  std::optional<double> value;
  std::int64_t at_ms = 0;  // arrival of the last good message; 0 = none yet
  std::string error;
};

class MqttDriver : public Driver {
 public:
  MqttDriver(std::string name, model::MqttDeviceConfig config, std::string broker,
             std::unique_ptr<net::Client> client)
      : name_(std::move(name)),
        config_(std::move(config)),
        broker_(std::move(broker)),
        client_(std::move(client)),
        started_ms_(common::unix_ms_now()) {}

  ~MqttDriver() override {
    // The handlers point at this driver: the network thread ends first.
    client_->stop();
  }
  MqttDriver(const MqttDriver&) = delete;
  MqttDriver& operator=(const MqttDriver&) = delete;

  common::Status start() {
    client_->on_message([this](const std::string& topic, const std::string& payload) {
      on_message(topic, payload);
    });
    for (const std::string* topic :
         {&config_.power_topic, &config_.energy_topic, &config_.relay_state_topic}) {
      if (topic->empty()) {
        continue;
      }
      if (auto status = client_->subscribe(*topic, 0); !status) {
        return status;
      }
    }
    return client_->start();
  }

  common::Result<Reading> poll(std::int64_t now_unix_ms) override {
    Latest power;
    Latest energy;
    std::optional<bool> relay_on;
    {
      // A copy: the client is never asked anything under this lock, which
      // its network thread takes in on_message.
      std::lock_guard lock(mutex_);
      power = power_;
      energy = energy_;
      relay_on = relay_on_;
    }
    return evaluate(power, energy, relay_on, now_unix_ms);
  }

  common::Result<Reading> evaluate(const Latest& power, const Latest& energy,
                                   std::optional<bool> relay_on, std::int64_t now_unix_ms) const {
    if (!power.error.empty()) {
      return common::make_error(common::ErrorKind::kInvalidArgument, power.error);
    }
    if (!energy.error.empty()) {
      return common::make_error(common::ErrorKind::kInvalidArgument, energy.error);
    }
    const std::int64_t stale_ms = static_cast<std::int64_t>(config_.stale_s) * 1000;
    if (power.at_ms == 0) {
      const net::ConnectionState state = client_->state();
      if (!state.connected) {
        return common::make_error(
            net::kNotConnected,
            "not connected to " + broker_ +
                (state.last_error.empty() ? std::string() : ": " + state.last_error));
      }
      return common::make_error(common::ErrorKind::kNotFound,
                                "no message on '" + config_.power_topic + "' yet (" +
                                    std::to_string((now_unix_ms - started_ms_) / 1000) +
                                    " s since start)");
    }
    const std::int64_t age_ms = now_unix_ms - power.at_ms;
    if (age_ms > stale_ms) {
      return common::make_error(common::ErrorKind::kNotFound,
                                "no message on '" + config_.power_topic + "' for " +
                                    std::to_string(age_ms / 1000) + " s");
    }
    Reading out;
    out.unix_ms = power.at_ms;
    // As the device reports it: a plug's + is its load's consumption.
    out.power_w = power.value;
    if (energy.at_ms != 0 && now_unix_ms - energy.at_ms <= stale_ms) {
      out.energy_import_wh = energy.value;
    }
    // State topics are often sent on change only: the last one holds.
    out.relay_on = relay_on;
    return out;
  }

  common::Status set_relay(bool on) override {
    if (config_.relay_command_topic.empty()) {
      return Driver::set_relay(on);
    }
    if (!client_->connected()) {
      return common::make_error(net::kNotConnected, "device '" + name_ + "': not connected to " +
                                                        broker_ + ", cannot switch the relay " +
                                                        (on ? "on" : "off"));
    }
    net::Message message;
    message.topic = config_.relay_command_topic;
    message.payload = on ? config_.relay_on_payload : config_.relay_off_payload;
    message.qos = 1;
    message.retain = false;  // a command, not a state
    auto id = client_->publish(message);
    if (!id) {
      return id.error();
    }
    return common::Status::success();
  }

 private:
  // On the client's network thread: parse, then store under the lock.
  void on_message(const std::string& topic, const std::string& bytes) {
    const std::int64_t now = common::unix_ms_now();
    const Payload payload(bytes);
    if (topic == config_.power_topic) {
      store(power_, payload.number(config_.power_path), 1.0, topic, config_.power_path, now);
    }
    if (topic == config_.energy_topic) {
      store(energy_, payload.number(config_.energy_path), config_.energy_wh_per_unit, topic,
            config_.energy_path, now);
    }
    if (topic == config_.relay_state_topic) {
      auto text = payload.text(config_.relay_state_path);
      std::lock_guard lock(mutex_);
      // A state that cannot be read is unknown rather than an error of the
      // whole device: its power may still be good.
      relay_on_ = text ? std::optional<bool>(equal_ignoring_case(*text, config_.relay_state_on))
                       : std::nullopt;
    }
  }

  void store(Latest& latest, const common::Result<double>& value, double scale,
             const std::string& topic, const model::JsonPath& path, std::int64_t now) {
    std::lock_guard lock(mutex_);
    if (value) {
      latest.value = *value * scale;
      latest.at_ms = now;
      latest.error.clear();
    } else {
      latest.error = place(topic, path) + ": " + value.error().message;
    }
  }

  const std::string name_;
  const model::MqttDeviceConfig config_;
  const std::string broker_;  // for messages
  std::unique_ptr<net::Client> client_;
  const std::int64_t started_ms_;

  std::mutex mutex_;
  Latest power_;
  Latest energy_;
  std::optional<bool> relay_on_;
};

common::Error config_error(const std::string& device, const std::string& why) {
  return common::make_error(common::ErrorKind::kInvalidArgument, "device '" + device + "': " + why);
}

common::Result<std::unique_ptr<Driver>> create(const model::DeviceConfig& device,
                                               const DriverContext& context) {
  if (!device.mqtt) {
    return config_error(device.name, "has no mqtt block");
  }
  const model::MqttDeviceConfig& config = *device.mqtt;
  const bool own_broker = !config.broker.empty();
  const std::string url = own_broker ? config.broker : context.default_mqtt_broker.url;
  if (url.empty()) {
    return config_error(device.name,
                        "no MQTT broker: give 'broker' in its mqtt block, or run with --mqtt URL");
  }
  auto broker = net::parse_broker_url(url);
  if (!broker) {
    return config_error(device.name, broker.error().message);
  }
  net::ClientOptions options;
  options.broker = *broker;
  if (!own_broker) {
    options.username = context.default_mqtt_broker.username;
    options.password = context.default_mqtt_broker.password;
    options.ca_file = context.default_mqtt_broker.ca_file;
  }
  if (!config.username.empty()) {
    options.username = config.username;
  }
  if (!config.password_file.empty()) {
    const std::string path = resolve(context.base_dir, config.password_file);
    auto secret = common::read_file(path);
    if (!secret) {
      return config_error(device.name, "cannot read the password file " + path);
    }
    // The first line; editors add a newline the password does not have.
    options.password = secret->substr(0, secret->find_first_of("\r\n"));
  }
  if (!config.ca_file.empty()) {
    options.ca_file = resolve(context.base_dir, config.ca_file);
  }
  auto client = net::Client::create(options);
  if (!client) {
    return config_error(device.name, client.error().message);
  }
  auto driver = std::make_unique<MqttDriver>(device.name, config, net::to_string(*broker),
                                             std::move(*client));
  if (auto status = driver->start(); !status) {
    return config_error(device.name, status.error().message);
  }
  return std::unique_ptr<Driver>(std::move(driver));
}

}  // namespace

void register_mqtt_driver(DriverRegistry& registry) { registry.add("mqtt", create); }

}  // namespace kirchhoff::devices::mqtt
