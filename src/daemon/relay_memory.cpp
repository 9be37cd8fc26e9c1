#include "daemon/relay_memory.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "common/file.hpp"
#include "common/json_text.hpp"
#include "common/text.hpp"
#include "daemon/choices_file.hpp"

namespace kirchhoff::daemon {

namespace {

using nlohmann::json;

constexpr int kVersion = 1;

bool same_relay(const RelayChoice& c, const std::string& module, int output) {
  return c.module == module && c.output == output;
}

}  // namespace

common::Result<std::vector<RelayChoice>> parse_relay_choices(std::string_view text) {
  const json doc = json::parse(text, nullptr, false);
  auto bad = [](const std::string& why) {
    return common::make_error(common::ErrorKind::kCorruption, "relay choices: " + why);
  };
  if (!doc.is_object() || !doc.contains("version") || !doc["version"].is_number_integer() ||
      !doc.contains("relays") || !doc["relays"].is_array()) {
    return bad("not an object with \"version\" and \"relays\"");
  }
  if (doc["version"].get<std::int64_t>() != kVersion) {
    return bad("version " + doc["version"].dump() + " is not 1");
  }
  std::vector<RelayChoice> choices;
  for (std::size_t i = 0; i < doc["relays"].size(); ++i) {
    const json& e = doc["relays"][i];
    const std::string where = "entry " + std::to_string(i + 1) + ": ";
    if (!e.is_object()) {
      return bad(where + "not an object");
    }
    const bool shaped = e.contains("module") && e["module"].is_string() && e.contains("output") &&
                        e["output"].is_number_integer() && e.contains("on") && e["on"].is_boolean();
    if (!shaped) {
      return bad(where + "needs \"module\" (text), \"output\" (number) and \"on\" (true/false)");
    }
    const auto output = e["output"].get<std::int64_t>();
    if (output < 1 || output > 1000) {
      return bad(where + "output " + std::to_string(output) + " is not a relay's number");
    }
    RelayChoice c;
    c.module = e["module"].get<std::string>();
    c.output = static_cast<int>(output);
    c.on = e["on"].get<bool>();
    if (e.contains("name") && e["name"].is_string()) {
      c.name = e["name"].get<std::string>();
    }
    if (e.contains("user") && e["user"].is_string()) {
      c.user = e["user"].get<std::string>();
    }
    if (e.contains("time_ms") && e["time_ms"].is_number_integer()) {
      c.time_ms = e["time_ms"].get<std::int64_t>();
    }
    // A later entry of the same relay wins, as a later switch does.
    std::erase_if(choices, [&](const RelayChoice& o) { return same_relay(o, c.module, c.output); });
    choices.push_back(std::move(c));
  }
  return choices;
}

std::string relay_choices_json(const std::vector<RelayChoice>& choices) {
  json relays = json::array();
  for (const auto& c : choices) {
    relays.push_back({{"module", c.module},
                      {"output", c.output},
                      {"name", c.name},
                      {"on", c.on},
                      {"user", c.user},
                      {"time_ms", c.time_ms}});
  }
  return common::json_text(json{{"version", kVersion}, {"relays", relays}}) + "\n";
}

std::string relay_event_text(const std::string& module, int output, const std::string& name,
                             bool on, const std::string& why) {
  return module + "/" + std::to_string(output) + " '" + name + "' switched " + (on ? "on" : "off") +
         ": " + why;
}

std::optional<std::string> output_name(const model::Installation& installation,
                                       const std::string& module, int output) {
  for (const auto& m : installation.modules) {
    if (m.id != module) {
      continue;
    }
    for (const auto& o : m.outputs) {
      if (o.number == output) {
        return o.name;
      }
    }
  }
  return std::nullopt;
}

common::Status RelayMemory::load() {
  return read_choices_file(path_, parse_relay_choices, choices_);
}

common::Status RelayMemory::save() const {
  return common::write_file_atomically(path_, relay_choices_json(choices_), 0644);
}

common::Status RelayMemory::record(RelayChoice choice) {
  std::erase_if(choices_,
                [&](const RelayChoice& c) { return same_relay(c, choice.module, choice.output); });
  choices_.push_back(std::move(choice));
  return save();
}

RelayMemory::Reconciled RelayMemory::keep_only(const model::Installation& installation) {
  Reconciled out;
  std::vector<RelayChoice> kept;
  for (auto& c : choices_) {
    const auto name = output_name(installation, c.module, c.output);
    if (!name) {
      out.dropped.push_back(std::move(c));
      continue;
    }
    if (*name != c.name) {
      c.name = *name;
      out.renamed.push_back(c);
    }
    kept.push_back(std::move(c));
  }
  choices_ = std::move(kept);
  if (!out.dropped.empty() || !out.renamed.empty()) {
    out.saved = save();
  }
  return out;
}

std::vector<RelayEvent> RelayMemory::restore(const devices::SiteDevices* devices,
                                             control::EnergyManager& manager,
                                             const std::string& when) const {
  std::vector<RelayEvent> events;
  for (const auto& c : choices_) {
    devices::Relay* relay = devices != nullptr ? devices->relay(c.module, c.output) : nullptr;
    if (relay == nullptr) {
      continue;
    }
    if (auto index = manager.relay_index(c.module, c.output)) {
      manager.set_manual(*index, c.on);
    }
    if (relay->energised() != c.on) {
      relay->set_energised(c.on);
      const std::string who = c.user.empty() ? std::string("a person") : c.user;
      events.push_back({"", relay_event_text(c.module, c.output, c.name, c.on,
                                             who + "'s choice restored " + when)});
    }
  }
  return events;
}

std::vector<RelayEvent> manager_relay_events(const model::Installation& installation,
                                             const std::vector<std::optional<bool>>& was_on,
                                             const control::ControlResult& result,
                                             const std::vector<RelayChoice>& held) {
  std::vector<RelayEvent> events;
  const auto& relays = installation.control.relays;
  const auto& setpoints = result.setpoints.relays;
  for (std::size_t i = 0; i < relays.size() && i < setpoints.size() && i < was_on.size(); ++i) {
    if (!setpoints[i] || !was_on[i] || *setpoints[i] == *was_on[i]) {
      continue;
    }
    const bool on = *setpoints[i];
    const auto& r = relays[i];
    const std::string name = output_name(installation, r.module, r.number).value_or(r.output);
    std::string why;
    for (const auto& d : result.decisions) {
      const bool names_it = d.reason.find(r.output) != std::string::npos ||
                            (!name.empty() && d.reason.find(name) != std::string::npos);
      if (names_it) {
        why += (why.empty() ? "" : "; ") + d.controller + ": " + d.reason;
      }
    }
    if (why.empty()) {
      for (const auto& c : held) {
        if (same_relay(c, r.module, r.number) && c.on == on) {
          why = (c.user.empty() ? std::string("a person") : c.user) + "'s choice, held";
        }
      }
    }
    if (why.empty()) {
      for (const auto& d : result.decisions) {
        why += (why.empty() ? "" : "; ") + d.controller + ": " + d.reason;
      }
    }
    if (why.empty()) {
      why = r.use == model::RelayUse::kShed ? "no controller needs it off: a shed relay runs"
                                            : "no surplus for it: a surplus relay waits";
    }
    events.push_back({"", relay_event_text(r.module, r.number, name, on, why)});
  }
  return events;
}

}  // namespace kirchhoff::daemon
