#include "daemon/mqtt_link.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/http_server.hpp"
#include "common/time.hpp"
#include "common/utf8.hpp"
#include "mqtt/site/commands.hpp"
#include "mqtt/site/discovery.hpp"

namespace kirchhoff::daemon {

namespace {

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
// A broker unreachable this long is an alarm (the uplink keeps the data).
constexpr std::int64_t kOfflineAlarmMs = 5LL * 60 * 1000;

std::string relative_to(const std::string& dir, const std::string& path) {
  if (path.empty() || dir.empty() || std::filesystem::path(path).is_absolute()) {
    return path;
  }
  return (std::filesystem::path(dir) / path).string();
}

// The password file's first line (a trailing newline is not part of it).
common::Result<std::string> read_password(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return common::make_error(common::ErrorKind::kNotFound,
                              "password_file " + path + " of 'mqtt' cannot be read");
  }
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') {
    password.pop_back();
  }
  return password;
}

// Local-only: every address the broker's name resolves to must be on this
// box or its local network.
common::Status check_local_broker(const std::string& host) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              "local-only mode: the MQTT broker " + host +
                                  " cannot be resolved, so it cannot be shown to be local");
  }
  common::Status status = common::Status::success();
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[NI_MAXHOST] = {};
    if (getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) !=
            0 ||
        !api::is_local_address(text)) {
      status = common::make_error(common::ErrorKind::kInvalidArgument,
                                  "local-only mode allows an MQTT broker on the local network "
                                  "only, and " +
                                      host + " is at " + text);
      break;
    }
  }
  freeaddrinfo(found);
  return status;
}

}  // namespace

MqttLink::MqttLink(MqttLinkOptions options, CommandQueue& commands, common::Logger& log)
    : options_(std::move(options)), commands_(commands), log_(log) {}

MqttLink::~MqttLink() { stop(); }

common::Result<std::unique_ptr<MqttLink>> MqttLink::start(MqttLinkOptions options,
                                                          const model::Installation& installation,
                                                          CommandQueue& commands,
                                                          common::Logger& log) {
  const model::MqttConfig& config = options.config;
  auto broker = mqtt::parse_broker_url(config.url);
  if (!broker) {
    return broker.error();
  }
  if (options.local_only) {
    if (auto local = check_local_broker(broker->host); !local) {
      return local.error();
    }
  }
  std::unique_ptr<MqttLink> link(new MqttLink(std::move(options), commands, log));
  const model::MqttConfig& c = link->options_.config;
  link->broker_text_ = mqtt::to_string(*broker);
  link->topics_ = mqtt::site::default_topics(installation);
  if (!c.topic_prefix.empty()) {
    link->topics_.prefix = c.topic_prefix;
  }
  link->topics_.discovery_prefix = c.discovery_prefix;
  link->topics_.read_only = c.read_only;
  if (auto topics = mqtt::site::check_topics(link->topics_); !topics) {
    return topics.error();
  }
  link->live_.emplace(installation, link->topics_);
  link->installation_ = std::make_shared<const model::Installation>(installation);

  mqtt::ClientOptions client;
  client.broker = *broker;
  client.username = c.username.empty() ? broker->username : c.username;
  if (!c.password_file.empty()) {
    auto password = read_password(relative_to(link->options_.config_dir, c.password_file));
    if (!password) {
      return password.error();
    }
    client.password = std::move(*password);
  }
  client.ca_file = relative_to(link->options_.config_dir, c.ca_file);
  client.keepalive_s = c.keepalive_s;
  client.protocol = c.protocol;
  client.client_id = link->topics_.node_id;
  client.will = mqtt::site::status_message(link->topics_, false);
  link->device_broker_ = {c.url, client.username, client.password, client.ca_file};
  auto created = mqtt::Client::create(std::move(client));
  if (!created) {
    return created.error();
  }
  link->client_ = std::move(*created);

  const bool uplink = c.uplink && !link->options_.local_only;
  if (uplink) {
    mqtt::uplink::OutboxOptions outbox_options;
    outbox_options.max_age_ms = static_cast<std::int64_t>(c.uplink_days * kDayMs);
    auto outbox = mqtt::uplink::Outbox::open(link->options_.outbox_path, outbox_options);
    if (!outbox && outbox.error().kind == common::ErrorKind::kCorruption) {
      // A damaged outbox must not keep the site off MQTT for good: it is
      // kept aside for a person to look at, and a new one starts.
      auto aside =
          mqtt::uplink::Outbox::move_aside(link->options_.outbox_path, common::unix_ms_now());
      if (!aside) {
        return outbox.error();
      }
      log.error("uplink outbox damaged: moved aside, its unsent points are not sent",
                {{"reason", outbox.error().message}, {"moved_to", *aside}});
      outbox = mqtt::uplink::Outbox::open(link->options_.outbox_path, outbox_options);
    }
    if (!outbox) {
      return outbox.error();
    }
    link->outbox_ = std::move(*outbox);
    mqtt::uplink::UplinkOptions uplink_options;
    uplink_options.topic = link->topics_.prefix + "/uplink";
    uplink_options.site_slug = mqtt::site::slug(installation.site.name);
    uplink_options.batches_per_s = c.uplink_batches_per_s;
    link->uplink_ =
        std::make_unique<mqtt::uplink::Uplink>(*link->outbox_, *link->client_, uplink_options);
  }

  MqttLink* self = link.get();
  self->client_->on_connect([self](bool connected, const std::string& reason) {
    if (connected) {
      self->resend_all_ = true;
      self->disconnected_since_ms_ = 0;
      self->log_.info("MQTT connected", {{"broker", self->broker_text_}});
    } else {
      std::int64_t expected = 0;
      self->disconnected_since_ms_.compare_exchange_strong(expected, common::unix_ms_now());
      self->log_.warning("MQTT not connected", {{"broker", self->broker_text_},
                                                {"reason", common::log_safe(reason, 300)}});
    }
    if (self->uplink_) {
      self->uplink_->handle_connection(connected);
    }
  });
  self->client_->on_ack([self](int id) {
    if (self->uplink_) {
      self->uplink_->handle_ack(id);
    }
  });
  self->client_->on_message([self](const std::string& topic, const std::string& payload) {
    self->on_message(topic, payload);
  });
  if (c.discovery) {
    (void)self->client_->subscribe(mqtt::site::ha_status_topic(self->topics_), 1);
  }
  // Read-only sites listen to the command topics too, so that a refused
  // command is a log line rather than silence.
  mqtt::site::TopicConfig listen = self->topics_;
  listen.read_only = false;
  for (const auto& filter : mqtt::site::command_filters(listen)) {
    (void)self->client_->subscribe(filter, 1);
  }
  self->disconnected_since_ms_ = common::unix_ms_now();
  if (auto started = self->client_->start(); !started) {
    return started.error();
  }
  if (self->uplink_) {
    if (auto sending = self->uplink_->start(); !sending) {
      return sending.error();
    }
  }
  if (!c.read_only && self->device_broker_.username.empty()) {
    // Commands are as trusted as the broker's access rules; without an
    // account of its own the broker is most likely open to everyone.
    log.warning("MQTT commands accepted without a broker account",
                {{"broker", self->broker_text_},
                 {"advice", "use broker accounts and access lists, or read_only: true"}});
  }
  log.info("MQTT", {{"broker", self->broker_text_},
                    {"prefix", self->topics_.prefix},
                    {"discovery", c.discovery ? c.discovery_prefix : "off"},
                    {"commands", c.read_only ? "refused (read_only)" : "on"},
                    {"uplink", uplink ? "on" : "off"}});
  return link;
}

void MqttLink::on_message(const std::string& topic, const std::string& payload) {
  if (topic == mqtt::site::ha_status_topic(topics_)) {
    // Home Assistant restarted: it forgets entities that are not retained
    // anywhere, so send everything again.
    if (payload == "online") {
      resend_all_ = true;
    }
    return;
  }
  {
    std::lock_guard lock(prices_mutex_);
    if (!price_topic_.empty() && topic == price_topic_) {
      if (on_prices_) {
        on_prices_(payload);
      }
      return;
    }
  }
  std::shared_ptr<const model::Installation> inst;
  {
    std::lock_guard lock(installation_mutex_);
    inst = installation_;
  }
  // Checked like the API's commands (read_only refuses them all).
  const std::int64_t now_s = common::unix_ms_now() / 1000;
  auto command =
      mqtt::site::parse_command(topic, payload, *inst, topics_, {now_s, local_utc_offset_s(now_s)});
  if (!command) {
    log_.warning("MQTT command refused", {{"topic", common::log_safe(topic, 200)},
                                          {"payload", common::log_safe(payload, 100)},
                                          {"reason", command.error().message}});
    return;
  }
  commands_.push({std::move(*command), "mqtt"});
}

void MqttLink::publish(const snapshot::SiteSnapshot& snap) {
  if (!client_ || !client_->connected()) {
    return;
  }
  const bool changed = installation_changed_.exchange(false);
  if (resend_all_.exchange(false) || changed) {
    std::shared_ptr<const model::Installation> inst;
    {
      std::lock_guard lock(installation_mutex_);
      inst = installation_;
    }
    if (changed) {
      live_.emplace(*inst, topics_);
    }
    (void)client_->publish(mqtt::site::status_message(topics_, true));
    if (options_.config.discovery) {
      auto now_topics = mqtt::site::discovery_topics(*inst, topics_);
      // Entities of a previous installation: an empty retained config
      // removes them from Home Assistant.
      for (const auto& message : mqtt::site::removed_discovery(discovery_topics_, now_topics)) {
        (void)client_->publish(message);
      }
      for (const auto& message : mqtt::site::discovery(*inst, topics_)) {
        (void)client_->publish(message);
      }
      discovery_topics_ = std::move(now_topics);
    }
    live_->reset();
  }
  for (const auto& message : live_->changes(snap)) {
    (void)client_->publish(message);
  }
}

void MqttLink::record(std::int64_t t_ms, const std::vector<HistoryWriter::Point>& points) {
  if (!outbox_) {
    return;
  }
  frame_.resize(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    frame_[i].first = *points[i].series;
    frame_[i].second = mqtt::uplink::round_to_decimals(points[i].value, points[i].decimals);
  }
  if (auto appended = outbox_->append(t_ms, frame_); !appended) {
    log_.warning("uplink point not stored", {{"reason", appended.error().message}});
    return;
  }
  uplink_->notify();
}

void MqttLink::set_installation(const model::Installation& installation) {
  {
    std::lock_guard lock(installation_mutex_);
    installation_ = std::make_shared<const model::Installation>(installation);
  }
  installation_changed_ = true;
}

void MqttLink::set_price_topic(const std::string& topic,
                               std::function<void(const std::string& payload)> on_prices) {
  {
    std::lock_guard lock(prices_mutex_);
    if (topic == price_topic_) {
      on_prices_ = std::move(on_prices);
      return;
    }
    price_topic_ = topic;
    on_prices_ = std::move(on_prices);
  }
  if (!topic.empty() && client_) {
    if (auto subscribed = client_->subscribe(topic, 1); !subscribed) {
      log_.warning(
          "day-ahead price topic not subscribed",
          {{"topic", common::log_safe(topic, 200)}, {"reason", subscribed.error().message}});
    }
  }
}

void MqttLink::stop() {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  if (uplink_) {
    uplink_->stop();
  }
  if (client_) {
    client_->stop(mqtt::site::status_message(topics_, false));
  }
}

nlohmann::json MqttLink::status() const {
  const mqtt::ConnectionState state = client_->state();
  nlohmann::json out = {{"broker", broker_text_},
                        {"connected", state.connected},
                        {"prefix", topics_.prefix},
                        {"read_only", topics_.read_only},
                        {"uplink", uplink_ != nullptr}};
  if (!state.last_error.empty()) {
    out["last_error"] = state.last_error;
  }
  if (state.connected) {
    out["connected_since_ms"] = state.connected_since_ms;
  }
  if (outbox_) {
    const auto stats = outbox_->stats();
    out["outbox_points"] = stats.points;
    out["outbox_bytes"] = stats.file_bytes;
    out["oldest_unsent_ms"] =
        stats.points > 0 ? nlohmann::json(stats.oldest_ms) : nlohmann::json(nullptr);
    out["dropped_points"] = stats.dropped_points;
  }
  return out;
}

std::vector<AlarmCheck> MqttLink::alarms(std::int64_t now_ms) const {
  std::vector<AlarmCheck> checks;
  const std::int64_t since = disconnected_since_ms_.load();
  const bool offline = since > 0 && now_ms - since >= kOfflineAlarmMs;
  const std::string error = client_->state().last_error;
  checks.push_back({"mqtt-offline", offline,
                    "MQTT broker " + broker_text_ + " unreachable for " +
                        std::to_string(offline ? (now_ms - since) / 60000 : 0) + " min" +
                        (error.empty() ? "" : " (" + common::log_safe(error, 200) + ")") +
                        (outbox_ ? "; the uplink keeps every point until it is back" : "")});
  if (outbox_) {
    // Raised while the bound drops unsent points (each cycle of a long
    // outage), cleared a minute after the last drop.
    const auto stats = outbox_->stats();
    if (stats.dropped_points > dropped_seen_) {
      dropped_seen_ = stats.dropped_points;
      dropped_at_ms_ = now_ms;
    }
    const bool dropping = dropped_at_ms_ > 0 && now_ms - dropped_at_ms_ < 60'000;
    checks.push_back({"uplink-dropped", dropping,
                      "the uplink's outbox is at its bound of " +
                          std::to_string(static_cast<int>(options_.config.uplink_days)) +
                          " days: " + std::to_string(stats.dropped_points) +
                          " of the oldest unsent points were dropped (the history keeps them)"});
  }
  return checks;
}

}  // namespace kirchhoff::daemon
