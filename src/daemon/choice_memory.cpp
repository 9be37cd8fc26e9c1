#include "daemon/choice_memory.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include "common/file.hpp"
#include "common/json_text.hpp"
#include "common/text.hpp"
#include "common/utf8.hpp"
#include "daemon/choices_file.hpp"

namespace kirchhoff::daemon {

namespace {

using nlohmann::json;

constexpr int kVersion = 1;

// The load the site's single heat pump or battery input stands for: the
// installation's first of that kind (as control::fill_input takes it).
const model::Load* first_of(const model::Installation& installation, model::LoadKind kind) {
  for (const auto& load : installation.loads) {
    if (load.kind == kind) {
      return &load;
    }
  }
  return nullptr;
}

// Why the installation cannot take the choice any more; empty when it can.
std::string unfit(const LoadChoice& c, const model::Installation& installation) {
  if (c.ev_mode) {
    const model::Load* load = installation.find_load(c.load);
    return load != nullptr && load->kind == model::LoadKind::kEv
               ? ""
               : "the installation has no such EV load any more";
  }
  if (c.sg_ready) {
    const model::Load* hp = first_of(installation, model::LoadKind::kHeatpump);
    return hp != nullptr && hp->name == c.load ? ""
                                               : "the installation has no such heat pump any more";
  }
  const model::Load* battery = first_of(installation, model::LoadKind::kBattery);
  return battery != nullptr && battery->name == c.load
             ? ""
             : "the installation has no such battery any more";
}

}  // namespace

common::Result<std::vector<LoadChoice>> parse_load_choices(std::string_view text) {
  const json doc = json::parse(text, nullptr, false);
  auto bad = [](const std::string& why) {
    return common::make_error(common::ErrorKind::kCorruption, "choices: " + why);
  };
  if (!doc.is_object() || !doc.contains("version") || !doc["version"].is_number_integer() ||
      !doc.contains("loads") || !doc["loads"].is_object()) {
    return bad("not an object with \"version\" and \"loads\"");
  }
  if (!doc["version"].is_number_unsigned() || doc["version"].get<std::uint64_t>() != kVersion) {
    return bad("version " + doc["version"].dump() + " is not 1");
  }
  std::vector<LoadChoice> choices;
  for (const auto& [name, e] : doc["loads"].items()) {
    const std::string where = "load '" + common::log_safe(name, 64) + "': ";
    if (name.empty()) {
      return bad("a load without a name");
    }
    if (!e.is_object()) {
      return bad(where + "not an object");
    }
    LoadChoice c;
    c.load = name;
    int kinds = 0;
    if (e.contains("ev_mode")) {
      ++kinds;
      if (e["ev_mode"].is_string()) {
        c.ev_mode = control::parse_ev_mode(e["ev_mode"].get<std::string>());
      }
      if (!c.ev_mode) {
        return bad(where + "\"ev_mode\" is not off, now, min+pv or pv");
      }
    }
    if (e.contains("sg_ready")) {
      ++kinds;
      const json& s = e["sg_ready"];
      if (!s.is_number_unsigned() || s.get<std::uint64_t>() < 1 || s.get<std::uint64_t>() > 4) {
        return bad(where + "\"sg_ready\" is not 1, 2, 3 or 4");
      }
      c.sg_ready = static_cast<int>(s.get<std::uint64_t>());
    }
    if (e.contains("reserve_pct")) {
      ++kinds;
      const json& r = e["reserve_pct"];
      const double pct = r.is_number() ? r.get<double>() : -1.0;
      if (!(pct >= 0.0 && pct <= 100.0)) {
        return bad(where + "\"reserve_pct\" is not a number from 0 to 100");
      }
      c.reserve_pct = pct;
    }
    if (kinds != 1) {
      return bad(where + "needs exactly one of \"ev_mode\", \"sg_ready\" and \"reserve_pct\"");
    }
    if (e.contains("user") && e["user"].is_string()) {
      c.user = e["user"].get<std::string>();
    }
    if (e.contains("time_ms") && e["time_ms"].is_number_integer()) {
      c.time_ms = e["time_ms"].get<std::int64_t>();
    }
    choices.push_back(std::move(c));
  }
  return choices;
}

std::string load_choices_json(const std::vector<LoadChoice>& choices) {
  json loads = json::object();
  for (const auto& c : choices) {
    json entry = json::object();
    if (c.ev_mode) {
      entry["ev_mode"] = model::ev_mode_name(*c.ev_mode);
    } else if (c.sg_ready) {
      entry["sg_ready"] = *c.sg_ready;
    } else if (c.reserve_pct) {
      entry["reserve_pct"] = *c.reserve_pct;
    }
    entry["user"] = c.user;
    entry["time_ms"] = c.time_ms;
    loads[c.load] = std::move(entry);
  }
  return common::json_text(json{{"version", kVersion}, {"loads", loads}}) + "\n";
}

std::string choice_text(const LoadChoice& choice) {
  if (choice.ev_mode) {
    return "charger '" + choice.load + "' mode " +
           std::string(model::ev_mode_name(*choice.ev_mode));
  }
  if (choice.sg_ready) {
    return "heat pump '" + choice.load + "' SG Ready " + std::to_string(*choice.sg_ready);
  }
  return "battery '" + choice.load + "' reserve " +
         common::shortest_number(choice.reserve_pct.value_or(0.0)) + " %";
}

common::Status ChoiceMemory::load() {
  return read_choices_file(path_, parse_load_choices, choices_);
}

common::Status ChoiceMemory::save() const {
  return common::write_file_atomically(path_, load_choices_json(choices_), 0644);
}

common::Status ChoiceMemory::record(LoadChoice choice) {
  std::erase_if(choices_, [&](const LoadChoice& c) { return c.load == choice.load; });
  choices_.push_back(std::move(choice));
  return save();
}

common::Status ChoiceMemory::forget(const std::string& load) {
  if (std::erase_if(choices_, [&](const LoadChoice& c) { return c.load == load; }) == 0) {
    return common::Status::success();
  }
  return save();
}

common::Status ChoiceMemory::remember(const control::Command& command,
                                      const model::Installation& installation,
                                      const std::string& user, std::int64_t time_ms) {
  if (const auto* ev = std::get_if<control::EvModeCommand>(&command)) {
    LoadChoice c{ev->load};
    c.ev_mode = ev->mode;
    c.user = user;
    c.time_ms = time_ms;
    return record(std::move(c));
  }
  if (const auto* sg = std::get_if<control::SgReadyCommand>(&command)) {
    const model::Load* hp = first_of(installation, model::LoadKind::kHeatpump);
    if (hp == nullptr) {
      return common::Status::success();
    }
    if (!sg->state) {
      return forget(hp->name);
    }
    LoadChoice c{hp->name};
    c.sg_ready = sg->state;
    c.user = user;
    c.time_ms = time_ms;
    return record(std::move(c));
  }
  if (const auto* reserve = std::get_if<control::BatteryReserveCommand>(&command)) {
    const model::Load* battery = first_of(installation, model::LoadKind::kBattery);
    if (battery == nullptr) {
      return common::Status::success();
    }
    LoadChoice c{battery->name};
    c.reserve_pct = reserve->reserve_pct;
    c.user = user;
    c.time_ms = time_ms;
    return record(std::move(c));
  }
  return common::Status::success();
}

ChoiceMemory::Reconciled ChoiceMemory::keep_only(const model::Installation& installation) {
  Reconciled out;
  std::vector<LoadChoice> kept;
  for (auto& c : choices_) {
    if (const std::string why = unfit(c, installation); !why.empty()) {
      out.dropped.push_back({"", choice_text(c) + " dropped: " + why});
      continue;
    }
    kept.push_back(std::move(c));
  }
  choices_ = std::move(kept);
  if (!out.dropped.empty()) {
    out.saved = save();
  }
  return out;
}

std::vector<ChoiceEvent> ChoiceMemory::restore(PersonChoices& choices,
                                               control::EnergyManager& manager,
                                               const std::string& when) const {
  std::vector<ChoiceEvent> events;
  for (const auto& c : choices_) {
    if (c.ev_mode) {
      choices.set_ev_mode(c.load, *c.ev_mode);
    } else if (c.sg_ready) {
      manager.set_sg_ready_manual(c.sg_ready);
    } else if (c.reserve_pct) {
      choices.set_battery_reserve(c.reserve_pct);
    }
    const std::string who = c.user.empty() ? std::string("a person") : c.user;
    events.push_back({"", choice_text(c) + ": " + who + "'s choice restored " + when});
  }
  return events;
}

}  // namespace kirchhoff::daemon
