#include "mqtt/site/discovery.hpp"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "mqtt/site/live.hpp"

#ifndef KIRCHHOFF_VERSION
#define KIRCHHOFF_VERSION "unknown"
#endif

namespace kirchhoff::mqtt::site {

namespace {

using Json = nlohmann::ordered_json;

// One Home Assistant entity before the common keys are added.
struct Entity {
  std::string component;  // sensor, binary_sensor, switch, select
  std::string object;     // "<object>_<quantity>": the topic's object id and unique_id's tail
  std::string name;
  Json fields = Json::object();
};

// A measurement sensor, e.g. power W (Home Assistant's sensor device classes:
// power W/kW, voltage V, current A, frequency Hz, battery %).
Entity measurement(std::string object, std::string name, std::string state_topic,
                   std::string device_class, std::string unit) {
  Entity e{"sensor", std::move(object), std::move(name)};
  e.fields["state_topic"] = std::move(state_topic);
  e.fields["device_class"] = std::move(device_class);
  e.fields["state_class"] = "measurement";
  e.fields["unit_of_measurement"] = std::move(unit);
  return e;
}

// A register that only grows (energy kWh, gas m³, water m³/L). An empty
// device class leaves it out (a pulse input of another unit).
Entity total(std::string object, std::string name, std::string state_topic,
             std::string device_class, std::string unit) {
  Entity e{"sensor", std::move(object), std::move(name)};
  e.fields["state_topic"] = std::move(state_topic);
  if (!device_class.empty()) {
    e.fields["device_class"] = std::move(device_class);
  }
  e.fields["state_class"] = "total_increasing";
  if (!unit.empty()) {
    e.fields["unit_of_measurement"] = std::move(unit);
  }
  return e;
}

Entity binary(std::string object, std::string name, std::string state_topic,
              std::string device_class) {
  Entity e{"binary_sensor", std::move(object), std::move(name)};
  e.fields["state_topic"] = std::move(state_topic);
  if (!device_class.empty()) {
    e.fields["device_class"] = std::move(device_class);
  }
  e.fields["payload_on"] = "ON";
  e.fields["payload_off"] = "OFF";
  return e;
}

// A select (options, command_topic), or with read_only a plain sensor of the
// same state.
Entity choice(std::string object, std::string name, std::string state_topic,
              const std::vector<std::string>& options, bool read_only) {
  Entity e{read_only ? "sensor" : "select", std::move(object), std::move(name)};
  if (!read_only) {
    e.fields["command_topic"] = state_topic + "/set";
    e.fields["options"] = options;
  }
  e.fields["state_topic"] = std::move(state_topic);
  return e;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return text;
}

// An Input module's pulse input: what Home Assistant should make of its unit
// (docs/mqtt.md has the table).
Entity pulse_input(std::string object, std::string name, std::string state_topic,
                   const model::ModuleInput& input) {
  const std::string unit = lower(input.unit);
  if (unit == "m3" || unit == "m³") {
    const bool water = lower(input.name).find("water") != std::string::npos;
    return total(std::move(object), std::move(name), std::move(state_topic),
                 water ? "water" : "gas", "m³");
  }
  if (unit == "l") {
    return total(std::move(object), std::move(name), std::move(state_topic), "water", "L");
  }
  if (unit == "wh" || unit == "kwh" || unit == "mwh") {
    const std::string ha_unit = unit == "wh" ? "Wh" : unit == "kwh" ? "kWh" : "MWh";
    return total(std::move(object), std::move(name), std::move(state_topic), "energy", ha_unit);
  }
  return total(std::move(object), std::move(name), std::move(state_topic), "", input.unit);
}

std::vector<model::Phase> load_phases(const model::Load& load) {
  std::vector<model::Phase> phases;
  for (const auto& ch : load.channels) {
    if (std::find(phases.begin(), phases.end(), ch.phase) == phases.end()) {
      phases.push_back(ch.phase);
    }
  }
  for (const auto phase : load.device_phases) {
    if (std::find(phases.begin(), phases.end(), phase) == phases.end()) {
      phases.push_back(phase);
    }
  }
  return phases;
}

std::vector<Entity> entities(const model::Installation& inst, const TopicConfig& config) {
  const ObjectIds ids(inst);
  const std::string& p = config.prefix;
  std::vector<Entity> out;

  // The site: voltages, frequency, SG Ready, alarms.
  const int phases = model::topology_info(inst.site.topology).phase_count;
  for (int k = 1; k <= phases; ++k) {
    const std::string ph = "L" + std::to_string(k);
    out.push_back(measurement("site_voltage_l" + std::to_string(k), "Voltage " + ph,
                              p + "/voltage/" + ph, "voltage", "V"));
  }
  out.push_back(measurement("site_frequency", "Frequency", p + "/frequency_hz", "frequency", "Hz"));
  const bool has_heat_pump =
      std::any_of(inst.loads.begin(), inst.loads.end(),
                  [](const model::Load& l) { return l.kind == model::LoadKind::kHeatpump; });
  if (has_heat_pump) {
    std::vector<std::string> states;
    for (int s = 1; s <= 4; ++s) {
      states.push_back(sg_ready_name(s));
    }
    std::vector<std::string> options{"auto"};
    options.insert(options.end(), states.begin(), states.end());
    out.push_back(
        choice("site_sg_ready", "SG Ready", p + "/heat_pump/sg_ready", options, config.read_only));
    Entity state{"sensor", "site_sg_ready_state", "SG Ready state"};
    state.fields["state_topic"] = p + "/heat_pump/sg_ready_state";
    state.fields["device_class"] = "enum";
    state.fields["options"] = states;
    out.push_back(std::move(state));
  }
  out.push_back(binary("site_alarm", "Alarm", p + "/alarm/any", "problem"));
  for (const auto& alarm : ids.alarms()) {
    out.push_back(
        binary("site_alarm_" + alarm.object, alarm.name, p + "/alarm/" + alarm.object, "problem"));
  }

  // Loads: power, phase currents, the energy registers by what they mean.
  for (const auto& load : inst.loads) {
    const std::string o = ids.load(load.name);
    const std::string base = p + "/load/" + o + "/";
    const std::string import_topic = base + "energy_import_kwh";
    const std::string export_topic = base + "energy_export_kwh";
    out.push_back(measurement(o + "_power", load.name + " power", base + "power_w", "power", "W"));
    for (const auto phase : load_phases(load)) {
      const std::string ph(model::phase_name(phase));
      out.push_back(measurement(o + "_" + lower(ph) + "_current", load.name + " " + ph + " current",
                                base + ph + "/current_a", "current", "A"));
    }
    // + is import for the grid, production for solar, discharge for a
    // battery and use for every other load (the brief's conventions).
    switch (load.kind) {
      case model::LoadKind::kGrid:
        out.push_back(
            total(o + "_energy_import", load.name + " import", import_topic, "energy", "kWh"));
        out.push_back(
            total(o + "_energy_export", load.name + " export", export_topic, "energy", "kWh"));
        break;
      case model::LoadKind::kSolar:
        out.push_back(total(o + "_energy_production", load.name + " production", import_topic,
                            "energy", "kWh"));
        break;
      case model::LoadKind::kBattery:
        out.push_back(
            total(o + "_energy_charge", load.name + " charge", export_topic, "energy", "kWh"));
        out.push_back(total(o + "_energy_discharge", load.name + " discharge", import_topic,
                            "energy", "kWh"));
        break;
      case model::LoadKind::kEv:
      case model::LoadKind::kHeatpump:
      case model::LoadKind::kConsumer:
        out.push_back(total(o + "_energy", load.name + " energy", import_topic, "energy", "kWh"));
        break;
    }
    if (load.kind == model::LoadKind::kEv) {
      std::vector<std::string> modes;
      for (const auto mode :
           {model::EvMode::kOff, model::EvMode::kNow, model::EvMode::kMinPv, model::EvMode::kPv}) {
        modes.emplace_back(model::ev_mode_name(mode));
      }
      out.push_back(choice(o + "_mode", load.name + " mode", p + "/ev/" + o + "/mode", modes,
                           config.read_only));
      out.push_back(
          binary(o + "_plugged", load.name + " plugged", p + "/ev/" + o + "/plugged", "plug"));
    }
    if (load.kind == model::LoadKind::kBattery) {
      out.push_back(measurement(o + "_soc", load.name + " charge level",
                                p + "/battery/" + o + "/soc_pct", "battery", "%"));
    }
  }

  // B-bus modules: pulse and status inputs, relays.
  for (const auto& module : inst.modules) {
    const std::string o = ids.module(module.id);
    for (const auto& input : module.inputs) {
      const std::string n = std::to_string(input.number);
      const std::string name = input.name.empty() ? module.id + " input " + n : input.name;
      const std::string topic = p + "/input/" + o + "/" + n;
      if (input.kind == model::ModuleInputKind::kPulse) {
        out.push_back(pulse_input(o + "_input_" + n, name, topic, input));
      } else {
        out.push_back(binary(o + "_input_" + n, name, topic, ""));
      }
    }
    for (const auto& output : module.outputs) {
      const std::string n = std::to_string(output.number);
      const std::string name = output.name.empty() ? module.id + " relay " + n : output.name;
      const std::string topic = p + "/relay/" + o + "/" + n;
      if (config.read_only) {
        out.push_back(binary(o + "_relay_" + n, name, topic, ""));
      } else {
        Entity relay{"switch", o + "_relay_" + n, name};
        relay.fields["state_topic"] = topic;
        relay.fields["command_topic"] = topic + "/set";
        relay.fields["payload_on"] = "ON";
        relay.fields["payload_off"] = "OFF";
        out.push_back(std::move(relay));
      }
    }
  }

  // A P1 meter's M-Bus channels: gas on input 1, water on input 2, as the
  // daemon's device source puts them into the snapshot.
  for (const auto& device : inst.devices) {
    if (device.driver != "p1") {
      continue;
    }
    const std::string o = ids.device(device.name);
    out.push_back(total(o + "_gas", device.name + " gas", p + "/input/" + o + "/1", "gas", "m³"));
    Entity water =
        total(o + "_water", device.name + " water", p + "/input/" + o + "/2", "water", "m³");
    water.fields["enabled_by_default"] = false;  // few meters have a water channel
    out.push_back(std::move(water));
  }

  // Distinct objects cannot compose to the same id but in contrived names
  // (a load "Site alarm device x" beside a device "x power"); the later one
  // then gets a suffix, as object ids do.
  std::set<std::string> taken;
  for (auto& e : out) {
    std::string object = e.object;
    for (int n = 2; taken.count(object) != 0; ++n) {
      object = e.object + "_" + std::to_string(n);
    }
    taken.insert(object);
    e.object = std::move(object);
  }
  return out;
}

std::string config_topic(const TopicConfig& config, const Entity& e) {
  return config.discovery_prefix + "/" + e.component + "/" + config.node_id + "/" + e.object +
         "/config";
}

}  // namespace

std::vector<Message> discovery(const model::Installation& installation, const TopicConfig& config) {
  const Json device = {{"identifiers", Json::array({config.node_id})},
                       {"name", installation.site.name},
                       {"manufacturer", "Kirchhoff"},
                       {"model", "Home energy manager"},
                       {"sw_version", KIRCHHOFF_VERSION}};
  const Json origin = {{"name", "Kirchhoff"}, {"sw_version", KIRCHHOFF_VERSION}};
  std::vector<Message> out;
  for (auto& e : entities(installation, config)) {
    const std::string unique_id = config.node_id + "_" + e.object;
    Json payload = {{"name", e.name},
                    {"unique_id", unique_id},
                    {"default_entity_id", e.component + "." + unique_id}};
    payload.update(e.fields);
    payload["availability_topic"] = config.prefix + "/status";
    payload["payload_available"] = "online";
    payload["payload_not_available"] = "offline";
    payload["device"] = device;
    payload["origin"] = origin;
    out.push_back(Message{config_topic(config, e),
                          payload.dump(-1, ' ', false, Json::error_handler_t::replace), 1, true});
  }
  return out;
}

std::vector<std::string> discovery_topics(const model::Installation& installation,
                                          const TopicConfig& config) {
  std::vector<std::string> out;
  for (const auto& e : entities(installation, config)) {
    out.push_back(config_topic(config, e));
  }
  return out;
}

std::vector<Message> removed_discovery(const std::vector<std::string>& previous_topics,
                                       const std::vector<std::string>& current_topics) {
  const std::set<std::string> current(current_topics.begin(), current_topics.end());
  std::vector<Message> out;
  for (const auto& topic : previous_topics) {
    if (current.count(topic) == 0) {
      out.push_back(Message{topic, "", 1, true});
    }
  }
  return out;
}

std::string ha_status_topic(const TopicConfig& config) {
  return config.discovery_prefix + "/status";
}

}  // namespace kirchhoff::mqtt::site
