// Home Assistant MQTT discovery for one site (docs/mqtt.md, "Home Assistant
// discovery"): one device per site and one retained config per entity on
// <discovery_prefix>/<component>/<node_id>/<object>_<quantity>/config,
// following Home Assistant's MQTT discovery documentation (required keys per
// component, device and state classes with units it accepts). Pure: depends
// only on the installation and the topic settings.
#pragma once

#include <string>
#include <vector>

#include "model/installation.hpp"
#include "mqtt/client.hpp"
#include "mqtt/site/topics.hpp"

namespace kirchhoff::mqtt::site {

// Every config message (retained, QoS 1), in a fixed order: site entities,
// then loads, modules and devices in file order. With config.read_only no
// entity has a command_topic (relays are binary_sensors, selects sensors).
std::vector<Message> discovery(const model::Installation& installation, const TopicConfig& config);

// The config topics discovery() publishes, in the same order.
std::vector<std::string> discovery_topics(const model::Installation& installation,
                                          const TopicConfig& config);

// Empty retained payloads (Home Assistant deletes the entity) for each topic
// of `previous` that `current` does not announce, e.g. when the installation
// in force is replaced; publish them before current's discovery().
std::vector<Message> removed_discovery(const std::vector<std::string>& previous_topics,
                                       const std::vector<std::string>& current_topics);

// Home Assistant's birth and last-will topic, "<discovery_prefix>/status":
// when it says "online", send discovery() again (and reset the live values).
std::string ha_status_topic(const TopicConfig& config);

}  // namespace kirchhoff::mqtt::site
