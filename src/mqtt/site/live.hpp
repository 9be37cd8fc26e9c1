// The site's live values on MQTT (docs/mqtt.md, "Topics the site
// publishes"): one plain-text payload per topic, rounded so that noise below
// the rounding does not publish, and only the topics whose payload changed
// since the last call. Pure: returns messages, publishes nothing.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "model/installation.hpp"
#include "mqtt/client.hpp"
#include "mqtt/site/topics.hpp"
#include "snapshot/snapshot.hpp"

namespace kirchhoff::mqtt::site {

// "<prefix>/status", retained, QoS 1: "online" after connecting; "offline"
// is the last will and what a clean stop publishes.
Message status_message(const TopicConfig& config, bool online);

// The SG Ready states by name, as the topics and the select show them:
// 1 "blocked", 2 "normal", 3 "recommended", 4 "forced"; empty otherwise.
std::string sg_ready_name(int state);

// Not thread-safe: one owner (the daemon's publishing side) calls it once per
// cycle. Build a new one when the installation in force changes.
class LivePublisher {
 public:
  LivePublisher(const model::Installation& installation, TopicConfig config);

  // Retained state messages (QoS 0) whose payload differs from the last one
  // returned for the same topic; every topic after construction or reset().
  // Snapshot entries whose load, module or device is not in the installation
  // are skipped, as are values that are not finite numbers.
  std::vector<Message> changes(const snapshot::SiteSnapshot& snapshot);

  // Forget what was published: the next changes() returns every topic (after
  // a reconnect, or when Home Assistant comes back online).
  void reset() { last_.clear(); }

  Message status(bool online) const { return status_message(config_, online); }
  const TopicConfig& config() const { return config_; }
  const ObjectIds& ids() const { return ids_; }

 private:
  TopicConfig config_;
  ObjectIds ids_;
  std::unordered_map<std::string, std::string> last_;  // topic -> payload
};

}  // namespace kirchhoff::mqtt::site
