#include "daemon/people_commands.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>

#include "common/json_text.hpp"
#include "common/time.hpp"

namespace kirchhoff::daemon {

namespace {

using nlohmann::json;

// Checks the command against the installation in force and queues it.
api::HttpResponse queue_checked(SiteConfig& site, CommandQueue& queue, control::Command command,
                                const std::string& user, json answer) {
  const auto inst = site.installation();
  if (auto valid = control::validate(command, *inst); !valid) {
    const int status = valid.error().kind == common::ErrorKind::kNotFound ? 404 : 400;
    return api::json_error(status, valid.error().message);
  }
  queue.push({std::move(command), user});
  answer["status"] = "applied at the next cycle";
  return api::json_body(202, common::json_text(answer));
}

}  // namespace

std::int64_t local_utc_offset_s(std::int64_t unix_s) {
  const auto t = static_cast<std::time_t>(unix_s);
  std::tm local{};
  localtime_r(&t, &local);
  return local.tm_gmtoff;
}

void CommandQueue::push(PersonCommand command) {
  std::lock_guard lock(mutex_);
  commands_.push_back(std::move(command));
}

std::vector<PersonCommand> CommandQueue::take() {
  std::vector<PersonCommand> taken;
  std::lock_guard lock(mutex_);
  taken.swap(commands_);
  return taken;
}

void PersonChoices::set_ev_session(const std::string& load,
                                   std::optional<control::EvSession> session) {
  if (session) {
    sessions_[load] = {*session, false};
  } else {
    sessions_.erase(load);
  }
}

std::optional<control::EvSession> PersonChoices::ev_session(const std::string& load) const {
  const auto held = sessions_.find(load);
  if (held == sessions_.end()) {
    return std::nullopt;
  }
  return held->second.session;
}

std::vector<PersonChoices::ClearedSession> PersonChoices::update_sessions(
    const control::ControlInput& input, std::int64_t now_unix_s, double cycle_s) {
  std::vector<ClearedSession> cleared;
  for (const auto& ev : input.evs) {
    const auto it = sessions_.find(ev.name);
    if (it == sessions_.end()) {
      continue;
    }
    HeldSession& held = it->second;
    if (now_unix_s >= held.session.departure_unix_s) {
      cleared.push_back({ev.name, "departure passed"});
      sessions_.erase(it);
      continue;
    }
    // A charger that does not answer says nothing about the car.
    if (!ev.present || !ev.responding) {
      continue;
    }
    if (ev.plugged) {
      held.seen_plugged = true;
      if (ev.power_w > 0.0) {
        held.session.delivered_wh += ev.power_w * cycle_s / 3600.0;
      }
    } else if (held.seen_plugged) {
      cleared.push_back({ev.name, "unplugged"});
      sessions_.erase(it);
    }
  }
  return cleared;
}

std::optional<model::EvMode> PersonChoices::ev_mode(const std::string& load) const {
  const auto chosen = ev_modes_.find(load);
  if (chosen == ev_modes_.end()) {
    return std::nullopt;
  }
  return chosen->second;
}

void PersonChoices::track_plugs(const control::ControlInput& input, std::int64_t now_ms,
                                double cycle_s) {
  for (const auto& ev : input.evs) {
    if (!ev.present || !ev.responding) {
      continue;
    }
    if (!ev.plugged) {
      plugged_.erase(ev.name);
      continue;
    }
    auto [it, first] = plugged_.try_emplace(ev.name, Plugged{now_ms, 0.0});
    // The cycle that finds the car plugged in counts from there on.
    if (!first && ev.power_w > 0.0) {
      it->second.energy_wh += ev.power_w * cycle_s / 3600.0;
    }
  }
}

void PersonChoices::apply(control::ControlInput& input) const {
  if (battery_reserve_ && input.battery.present) {
    input.battery.reserve_pct = battery_reserve_;
  }
  for (auto& ev : input.evs) {
    const auto chosen = ev_modes_.find(ev.name);
    if (chosen != ev_modes_.end()) {
      ev.mode = chosen->second;
    }
    const auto held = sessions_.find(ev.name);
    if (held != sessions_.end()) {
      ev.session = held->second.session;
    }
  }
}

void PersonChoices::describe(const model::Installation& installation,
                             const control::ControlInput& input, std::optional<int> sg_ready,
                             bool sg_manual, snapshot::SiteSnapshot& snap) const {
  snap.chargers.clear();
  for (const auto& ev : input.evs) {
    snapshot::ChargerValues c;
    c.load = ev.name;
    c.mode = std::string(model::ev_mode_name(ev.mode.value_or(installation.control.ev.mode)));
    c.plugged = ev.plugged;
    c.current_a = ev.current_a;
    c.power_w = ev.power_w;
    if (ev.session) {
      c.session = snapshot::ChargerValues::Session{ev.session->departure_unix_s,
                                                   ev.session->need_wh, ev.session->delivered_wh};
    }
    c.charging = ev.plugged && ev.power_w > snapshot::ChargerValues::kChargingW;
    if (const auto plugged = plugged_.find(ev.name); ev.plugged && plugged != plugged_.end()) {
      c.session_energy_wh = plugged->second.energy_wh;
      c.plugged_since_ms = plugged->second.since_ms;
    }
    snap.chargers.push_back(std::move(c));
  }
  snap.heat_pumps.clear();
  snap.batteries.clear();
  for (const auto& load : installation.loads) {
    if (load.kind == model::LoadKind::kHeatpump && input.heat_pump.present &&
        snap.heat_pumps.empty()) {
      snap.heat_pumps.push_back({load.name, sg_ready.value_or(input.heat_pump.sg_state), sg_manual,
                                 input.heat_pump.power_w});
    }
    if (load.kind == model::LoadKind::kBattery && input.battery.present && snap.batteries.empty()) {
      snapshot::BatteryValues b{load.name, input.battery.soc_pct, input.battery.power_w};
      b.reserve_pct = input.battery.reserve_pct.value_or(
          battery_reserve_.value_or(installation.control.battery.reserve_pct));
      if (input.battery.capacity_wh > 0.0) {
        b.capacity_kwh = input.battery.capacity_wh / 1000.0;
      }
      snap.batteries.push_back(std::move(b));
    }
  }
}

void PersonChoices::keep_only(const model::Installation& installation) {
  const auto gone = [&](const auto& entry) {
    const model::Load* load = installation.find_load(entry.first);
    return load == nullptr || load->kind != model::LoadKind::kEv;
  };
  std::erase_if(ev_modes_, gone);
  std::erase_if(sessions_, gone);
  std::erase_if(plugged_, gone);
  const bool has_battery =
      std::any_of(installation.loads.begin(), installation.loads.end(),
                  [](const model::Load& l) { return l.kind == model::LoadKind::kBattery; });
  if (!has_battery) {
    battery_reserve_.reset();
  }
}

void add_command_routes(api::Router& router, api::AuthApi& auth, SiteConfig& site,
                        CommandQueue& queue) {
  router.add("POST", "/api/v1/outputs/{module}/{output}",
             auth.guarded(auth::Role::kOwner, true,
                          [&site, &queue](const api::HttpRequest& r, const auth::Session& session) {
                            const std::string& id = r.path_params.at(0);
                            const std::string& number_text = r.path_params.at(1);
                            int number = 0;
                            for (char c : number_text) {
                              if (c < '0' || c > '9' || number > 1000) {
                                number = -1;
                                break;
                              }
                              number = number * 10 + (c - '0');
                            }
                            if (number <= 0) {
                              return api::json_error(404, "no relay " + id + "/" + number_text +
                                                              " in this installation's Output "
                                                              "modules");
                            }
                            const auto body = json::parse(r.body, nullptr, false);
                            if (!body.is_object() || body.size() != 1 || !body.contains("on") ||
                                !body["on"].is_boolean()) {
                              return api::json_error(
                                  400, "the body must be {\"on\": true} or {\"on\": false}");
                            }
                            const bool on = body["on"].get<bool>();
                            return queue_checked(site, queue, control::RelayCommand{id, number, on},
                                                 session.user,
                                                 {{"module", id}, {"output", number}, {"on", on}});
                          }));
  router.add(
      "POST", "/api/v1/chargers/{load}/mode",
      auth.guarded(auth::Role::kOwner, true,
                   [&site, &queue](const api::HttpRequest& r, const auth::Session& session) {
                     const std::string& load = r.path_params.at(0);
                     const auto body = json::parse(r.body, nullptr, false);
                     std::optional<model::EvMode> mode;
                     if (body.is_object() && body.size() == 1 && body.contains("mode") &&
                         body["mode"].is_string()) {
                       mode = control::parse_ev_mode(body["mode"].get<std::string>());
                     }
                     if (!mode) {
                       return api::json_error(400,
                                              "the body must be {\"mode\": \"off\"|\"now\"|"
                                              "\"min+pv\"|\"pv\"}");
                     }
                     return queue_checked(
                         site, queue, control::EvModeCommand{load, *mode}, session.user,
                         {{"load", load}, {"mode", std::string(model::ev_mode_name(*mode))}});
                   }));
  router.add(
      "POST", "/api/v1/chargers/{load}/session",
      auth.guarded(auth::Role::kOwner, true,
                   [&site, &queue](const api::HttpRequest& r, const auth::Session& session) {
                     const std::string& load = r.path_params.at(0);
                     const auto inst = site.installation();
                     const std::int64_t now_s = common::unix_ms_now() / 1000;
                     const auto declared = control::parse_ev_session(
                         r.body, {now_s, local_utc_offset_s(now_s)}, inst->control.ev.battery_kwh);
                     if (!declared) {
                       // An unknown charger is a 404 even with a bad body.
                       if (auto valid = control::validate(
                               control::EvSessionCommand{load, std::nullopt}, *inst);
                           !valid && valid.error().kind == common::ErrorKind::kNotFound) {
                         return api::json_error(404, valid.error().message);
                       }
                       return api::json_error(400, declared.error().message);
                     }
                     return queue_checked(
                         site, queue, control::EvSessionCommand{load, *declared}, session.user,
                         {{"load", load},
                          {"departure", common::format_utc_time(declared->departure_unix_s * 1000)},
                          {"need_kwh", declared->need_wh / 1000.0}});
                   }));
  router.add("DELETE", "/api/v1/chargers/{load}/session",
             auth.guarded(auth::Role::kOwner, true,
                          [&site, &queue](const api::HttpRequest& r, const auth::Session& session) {
                            const std::string& load = r.path_params.at(0);
                            return queue_checked(
                                site, queue, control::EvSessionCommand{load, std::nullopt},
                                session.user, {{"load", load}, {"session", nullptr}});
                          }));
  router.add(
      "POST", "/api/v1/heat-pump/sg-ready",
      auth.guarded(
          auth::Role::kOwner, true,
          [&site, &queue](const api::HttpRequest& r, const auth::Session& session) {
            const auto body = json::parse(r.body, nullptr, false);
            const bool shaped = body.is_object() && body.size() == 1 && body.contains("state") &&
                                (body["state"].is_number_integer() ||
                                 (body["state"].is_string() && body["state"] == "auto"));
            if (!shaped) {
              return api::json_error(400,
                                     "the body must be {\"state\": 1|2|3|4} or "
                                     "{\"state\": \"auto\"}");
            }
            control::SgReadyCommand command;
            if (body["state"].is_number_integer()) {
              const auto state = body["state"].get<std::int64_t>();
              command.state = static_cast<int>(std::clamp<std::int64_t>(state, -1, 99));
            }
            return queue_checked(site, queue, command, session.user, {{"state", body["state"]}});
          }));
  router.add("POST", "/api/v1/battery/reserve",
             auth.guarded(auth::Role::kOwner, true,
                          [&site, &queue](const api::HttpRequest& r, const auth::Session& session) {
                            const auto body = json::parse(r.body, nullptr, false);
                            // A number: true/false are not percentages.
                            const bool shaped = body.is_object() && body.size() == 1 &&
                                                body.contains("reserve_pct") &&
                                                body["reserve_pct"].is_number();
                            if (!shaped) {
                              return api::json_error(
                                  400, "the body must be {\"reserve_pct\": 0 to 100}");
                            }
                            const double pct = body["reserve_pct"].get<double>();
                            return queue_checked(site, queue, control::BatteryReserveCommand{pct},
                                                 session.user, {{"reserve_pct", pct}});
                          }));
}

}  // namespace kirchhoff::daemon
