// Names on the wire for one site (docs/mqtt.md, "Names on the wire"): the
// topic prefix and discovery settings, the slug rule, and the topic-safe
// object ids of the installation's loads, modules, devices and alarms.
// Pure functions and plain values; no network. ObjectIds is immutable after
// construction and safe to share read-only between threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "model/installation.hpp"

namespace kirchhoff::mqtt::site {

struct TopicConfig {
  std::string prefix;  // "kirchhoff/home": every state and command topic starts with it
  std::string discovery_prefix = "homeassistant";
  std::string node_id;     // Home Assistant's node id and device identifier: "kirchhoff_home"
  bool read_only = false;  // no command topics, no commands accepted
};

// Lower-case ASCII letters and digits; accented Latin-1 letters
// transliterated (é→e, ß→ss); every other run of characters one '_'; trimmed;
// at most 48 characters; "site" when nothing is left.
std::string slug(std::string_view name);

// prefix "kirchhoff/<slug>", node_id "kirchhoff_<slug>", discovery "homeassistant".
TopicConfig default_topics(const model::Installation& installation);

// Whether a configured TopicConfig is usable: a prefix and discovery prefix
// without + # NUL, empty levels or a leading/trailing '/'; a node id of
// [a-zA-Z0-9_-]. The message names the field and the reason.
common::Status check_topics(const TopicConfig& config);

// A known alarm: its id as the daemon raises it, its object id and its name
// for people.
struct AlarmId {
  std::string id;      // "overcurrent-L2", "device-P1 meter"
  std::string object;  // "overcurrent_l2", "device_p1_meter"
  std::string name;    // "Overcurrent L2"
};

// The object ids of one installation, handed out in one pass (docs/mqtt.md):
// "site" first, then loads, modules and devices in file order; a slug already
// taken gets the first free suffix _2, _3, ... Alarms have a pool of their own
// with "any" reserved.
class ObjectIds {
 public:
  explicit ObjectIds(const model::Installation& installation);

  // The object id of a load (by name), a module (by id) or a real device (by
  // name); empty when the installation has none of that name.
  std::string load(std::string_view name) const;
  std::string module(std::string_view id) const;
  std::string device(std::string_view name) const;
  // The object under which a snapshot input's module is published: an Input
  // module's id or a real device's name (a P1 meter's gas and water).
  std::string input_source(std::string_view module_or_device) const;

  // Back from an object id to the installation's name; empty when unknown.
  std::string load_named(std::string_view object) const;
  std::string module_named(std::string_view object) const;

  // The alarms that can exist on this installation, in a fixed order.
  const std::vector<AlarmId>& alarms() const { return alarms_; }
  // The object id of an alarm id; empty for one not in alarms().
  std::string alarm(std::string_view id) const;

 private:
  using Pairs = std::vector<std::pair<std::string, std::string>>;  // name, object
  Pairs loads_;
  Pairs modules_;
  Pairs devices_;
  std::vector<AlarmId> alarms_;
};

}  // namespace kirchhoff::mqtt::site
