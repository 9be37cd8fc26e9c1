// The daemon on an MQTT broker (docs/mqtt.md): availability, Home Assistant
// discovery, live values on change, commands from command topics, and the
// store-and-forward uplink of every history point (docs/uplink-format.md).
//
// Threads: publish(), record() and set_installation() are called by the
// control loop; commands arrive on the client's network thread and go to the
// CommandQueue (applied at the next cycle like the API's); status() may be
// called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"
#include "daemon/alarms.hpp"
#include "daemon/history_writer.hpp"
#include "daemon/people_commands.hpp"
#include "devices/driver.hpp"
#include "model/installation.hpp"
#include "mqtt/client.hpp"
#include "mqtt/site/live.hpp"
#include "mqtt/site/topics.hpp"
#include "mqtt/uplink/outbox.hpp"
#include "mqtt/uplink/uplink.hpp"

namespace kirchhoff::daemon {

struct MqttLinkOptions {
  model::MqttConfig config;
  std::string config_dir;   // relative password_file and ca_file are taken from here
  std::string outbox_path;  // DATA/uplink.db
  // Local-only: the broker must be on this box or its local network, and
  // nothing goes to an uplink.
  bool local_only = false;
};

class MqttLink {
 public:
  // Reads the password file, checks the broker's address (local-only), opens
  // the outbox and starts connecting in the background: a broker that is
  // down is not an error here (the link reconnects; the uplink keeps
  // everything meanwhile).
  static common::Result<std::unique_ptr<MqttLink>> start(MqttLinkOptions options,
                                                         const model::Installation& installation,
                                                         CommandQueue& commands,
                                                         common::Logger& log);
  ~MqttLink();
  MqttLink(const MqttLink&) = delete;
  MqttLink& operator=(const MqttLink&) = delete;

  // Live values that changed since the last cycle (everything after a
  // reconnect), and discovery when asked for.
  void publish(const snapshot::SiteSnapshot& snap);
  // One cycle's history points, into the outbox (kept until acknowledged),
  // each rounded to its series' decimals (docs/uplink-format.md).
  void record(std::int64_t t_ms, const std::vector<HistoryWriter::Point>& points);
  // A new installation in force: commands are checked against it, discovery
  // is sent anew and entities it no longer has are removed.
  void set_installation(const model::Installation& installation);
  // Day-ahead prices (control.tariff.prices_topic): messages on `topic` go
  // to `on_prices` on the network thread (it must return quickly). Another
  // call replaces the topic (messages of the old one are ignored); an empty
  // topic takes none. Thread-safe.
  void set_price_topic(const std::string& topic,
                       std::function<void(const std::string& payload)> on_prices);
  // Publishes "offline" and disconnects cleanly; the uplink stops.
  void stop();

  // The broker as MQTT devices without a broker of their own use it.
  const devices::DefaultMqttBroker& device_broker() const { return device_broker_; }

  // {"connected", "broker", "last_error", "outbox_points", "oldest_unsent_ms", ...}
  nlohmann::json status() const;
  // Raised while points were dropped from a full outbox, or the broker has
  // been unreachable; for the alarm book.
  std::vector<AlarmCheck> alarms(std::int64_t now_ms) const;

 private:
  MqttLink(MqttLinkOptions options, CommandQueue& commands, common::Logger& log);
  void on_message(const std::string& topic, const std::string& payload);

  MqttLinkOptions options_;
  CommandQueue& commands_;
  common::Logger& log_;
  std::string broker_text_;
  devices::DefaultMqttBroker device_broker_;
  mqtt::site::TopicConfig topics_;
  std::unique_ptr<mqtt::Client> client_;
  std::unique_ptr<mqtt::uplink::Outbox> outbox_;
  std::unique_ptr<mqtt::uplink::Uplink> uplink_;
  std::optional<mqtt::site::LivePublisher> live_;  // made anew for each installation
  std::vector<std::string> discovery_topics_;      // retained configs sent, to clear on a change
  // The installation commands are checked against (network thread reads).
  mutable std::mutex installation_mutex_;
  std::shared_ptr<const model::Installation> installation_;
  mutable std::mutex prices_mutex_;
  std::string price_topic_;
  std::function<void(const std::string&)> on_prices_;
  std::atomic<bool> resend_all_{false};  // connected anew, or Home Assistant restarted
  std::atomic<bool> installation_changed_{false};
  std::atomic<std::int64_t> disconnected_since_ms_{0};
  std::vector<std::pair<std::string, double>> frame_;  // reused by record()
  // When the outbox last dropped points for its bound (the alarm's clock).
  mutable std::int64_t dropped_seen_ = 0;
  mutable std::int64_t dropped_at_ms_ = 0;
  bool stopped_ = false;
};

}  // namespace kirchhoff::daemon
