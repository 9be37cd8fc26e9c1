#include "mqtt/site/live.hpp"

#include <charconv>
#include <cmath>
#include <optional>

#include "common/json_text.hpp"
#include "mqtt/site/payloads.hpp"

namespace kirchhoff::mqtt::site {

namespace {

// Collects (topic, payload) pairs for one snapshot.
class StateWriter {
 public:
  explicit StateWriter(const std::string& prefix) : prefix_(prefix) {}

  void text(const std::string& topic, std::string payload) {
    out_.push_back({prefix_ + "/" + topic, std::move(payload)});
  }
  void number(const std::string& topic, double value, int decimals) {
    if (auto payload = fixed_payload(value, decimals)) {
      text(topic, std::move(*payload));
    }
  }
  void on_off(const std::string& topic, bool on) { text(topic, on ? "ON" : "OFF"); }

  std::vector<std::pair<std::string, std::string>>& pairs() { return out_; }

 private:
  const std::string& prefix_;
  std::vector<std::pair<std::string, std::string>> out_;
};

}  // namespace

Message status_message(const TopicConfig& config, bool online) {
  return Message{config.prefix + "/status", online ? "online" : "offline", 1, true};
}

std::string sg_ready_name(int state) {
  // The snapshot's names; MQTT states have no "unknown" (an empty name is
  // not published).
  const std::string_view name = snapshot::sg_ready_name(state);
  return name == "unknown" ? std::string() : std::string(name);
}

LivePublisher::LivePublisher(const model::Installation& installation, TopicConfig config)
    : config_(std::move(config)), ids_(installation) {}

std::vector<Message> LivePublisher::changes(const snapshot::SiteSnapshot& snap) {
  StateWriter w(config_.prefix);
  w.number("frequency_hz", snap.frequency_hz, kFrequencyDecimals);
  for (const auto& v : snap.voltages) {
    w.number("voltage/" + std::string(model::phase_name(v.phase)), v.v_ln, kVoltageDecimals);
  }
  for (const auto& load : snap.loads) {
    const std::string object = ids_.load(load.name);
    if (object.empty()) {
      continue;
    }
    const std::string base = "load/" + object + "/";
    w.number(base + "power_w", load.p_w, kPowerDecimals);
    for (const auto& ph : load.phases) {
      w.number(base + std::string(model::phase_name(ph.phase)) + "/current_a", ph.i_a,
               kCurrentDecimals);
    }
    w.number(base + "energy_import_kwh", load.energy_import_wh / 1000.0, kEnergyDecimals);
    w.number(base + "energy_export_kwh", load.energy_export_wh / 1000.0, kEnergyDecimals);
  }
  for (const auto& in : snap.inputs) {
    const std::string object = ids_.input_source(in.module);
    if (object.empty()) {
      continue;
    }
    const std::string topic = "input/" + object + "/" + std::to_string(in.input);
    if (in.pulse) {
      w.number(topic, in.total, kTotalDecimals);
    } else {
      w.on_off(topic, in.closed);
    }
  }
  for (const auto& out : snap.outputs) {
    const std::string object = ids_.module(out.module);
    if (!object.empty()) {
      w.on_off("relay/" + object + "/" + std::to_string(out.output), out.energised);
    }
  }
  for (const auto& charger : snap.chargers) {
    const std::string object = ids_.load(charger.load);
    if (!object.empty()) {
      w.text("ev/" + object + "/mode", charger.mode);
      w.on_off("ev/" + object + "/plugged", charger.plugged);
    }
  }
  for (const auto& battery : snap.batteries) {
    const std::string object = ids_.load(battery.load);
    if (!object.empty()) {
      w.number("battery/" + object + "/soc_pct", battery.soc_pct, kSocDecimals);
    }
  }
  if (!snap.heat_pumps.empty()) {
    const auto& hp = snap.heat_pumps.front();
    const std::string state = sg_ready_name(hp.sg_ready);
    if (!state.empty()) {
      w.text("heat_pump/sg_ready", hp.manual ? state : "auto");
      w.text("heat_pump/sg_ready_state", state);
    }
  }
  nlohmann::json decisions = nlohmann::json::array();
  for (const auto& d : snap.control) {
    decisions.push_back({{"controller", d.controller}, {"reason", d.reason}, {"alarm", d.alarm}});
  }
  w.text("control", common::json_text(decisions));
  w.text("alarms", common::json_text(snapshot::alarms_to_json(snap.alarms)));
  w.on_off("alarm/any", !snap.alarms.empty());
  for (const auto& known : ids_.alarms()) {
    bool active = false;
    for (const auto& a : snap.alarms) {
      active = active || a.id == known.id;
    }
    w.on_off("alarm/" + known.object, active);
  }

  std::vector<Message> out;
  for (auto& [topic, payload] : w.pairs()) {
    auto [it, inserted] = last_.try_emplace(topic, payload);
    if (!inserted && it->second == payload) {
      continue;
    }
    it->second = payload;
    out.push_back(Message{std::move(topic), std::move(payload), 0, true});
  }
  return out;
}

}  // namespace kirchhoff::mqtt::site
