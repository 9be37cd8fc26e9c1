#include "control/commands.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "common/text.hpp"
#include "common/time.hpp"
#include "common/utf8.hpp"
#include "model/price_series.hpp"

namespace kirchhoff::control {

namespace {

struct Checker {
  const model::Installation& installation;

  common::Status operator()(const RelayCommand& relay) const {
    const std::string where = common::log_safe(relay.module) + "/" + std::to_string(relay.output);
    const auto module = std::find_if(installation.modules.begin(), installation.modules.end(),
                                     [&](const model::Module& m) { return m.id == relay.module; });
    if (module == installation.modules.end()) {
      return common::make_error(common::ErrorKind::kNotFound, "unknown relay " + where);
    }
    if (module->kind != model::ModuleKind::kOutput) {
      return common::make_error(common::ErrorKind::kInvalidArgument,
                                "unknown relay " + where + ": " + common::log_safe(module->id) +
                                    " is an Input module, not an Output module");
    }
    const bool has_output =
        std::any_of(module->outputs.begin(), module->outputs.end(),
                    [&](const model::ModuleOutput& o) { return o.number == relay.output; });
    if (!has_output) {
      return common::make_error(common::ErrorKind::kNotFound, "unknown relay " + where);
    }
    return common::Status::success();
  }

  common::Status operator()(const EvModeCommand& ev) const {
    const model::Load* load = installation.find_load(ev.load);
    if (load == nullptr) {
      return common::make_error(common::ErrorKind::kNotFound,
                                "unknown load '" + common::log_safe(ev.load) + "'");
    }
    if (load->kind != model::LoadKind::kEv) {
      return common::make_error(common::ErrorKind::kInvalidArgument,
                                "load '" + common::log_safe(ev.load) +
                                    "' is not an EV load (it is " +
                                    std::string(model::load_kind_name(load->kind)) + ")");
    }
    return common::Status::success();
  }

  common::Status operator()(const EvSessionCommand& ev) const {
    if (auto load = (*this)(EvModeCommand{ev.load, model::EvMode::kMinPv}); !load) {
      return load;
    }
    if (ev.session && (!(ev.session->need_wh > 0.0) || ev.session->need_wh > kMaxSessionNeedWh)) {
      return common::make_error(common::ErrorKind::kInvalidArgument,
                                "a session needs more than 0 and at most 200 kWh");
    }
    return common::Status::success();
  }

  common::Status operator()(const SgReadyCommand& sg) const {
    const bool has_heat_pump =
        std::any_of(installation.loads.begin(), installation.loads.end(),
                    [](const model::Load& l) { return l.kind == model::LoadKind::kHeatpump; });
    if (!has_heat_pump) {
      return common::make_error(common::ErrorKind::kNotFound, "the site has no heat pump");
    }
    if (sg.state && (*sg.state < 1 || *sg.state > 4)) {
      return common::make_error(
          common::ErrorKind::kInvalidArgument,
          "SG Ready state " + std::to_string(*sg.state) + " is not 1, 2, 3 or 4");
    }
    return common::Status::success();
  }

  common::Status operator()(const BatteryReserveCommand& reserve) const {
    const bool has_battery =
        std::any_of(installation.loads.begin(), installation.loads.end(),
                    [](const model::Load& l) { return l.kind == model::LoadKind::kBattery; });
    if (!has_battery) {
      return common::make_error(common::ErrorKind::kNotFound, "the site has no battery");
    }
    if (!(reserve.reserve_pct >= 0.0 && reserve.reserve_pct <= 100.0)) {
      return common::make_error(common::ErrorKind::kInvalidArgument,
                                "a battery reserve is 0 to 100 %");
    }
    return common::Status::success();
  }
};

struct Describer {
  std::string operator()(const RelayCommand& relay) const {
    return relay.module + "/" + std::to_string(relay.output) + " switched " +
           (relay.on ? "on" : "off");
  }
  std::string operator()(const EvModeCommand& ev) const {
    return "charger '" + ev.load + "' mode " + std::string(model::ev_mode_name(ev.mode));
  }
  std::string operator()(const SgReadyCommand& sg) const {
    return "heat pump SG Ready " + (sg.state ? std::to_string(*sg.state) : std::string("auto"));
  }
  std::string operator()(const BatteryReserveCommand& reserve) const {
    return "battery reserve " + common::shortest_number(reserve.reserve_pct) + " %";
  }
  std::string operator()(const EvSessionCommand& ev) const {
    if (!ev.session) {
      return "charger '" + ev.load + "' session cleared";
    }
    return "charger '" + ev.load + "' session " +
           common::shortest_number(std::round(ev.session->need_wh / 10.0) / 100.0) + " kWh by " +
           common::format_utc_time(ev.session->departure_unix_s * 1000);
  }
};

}  // namespace

common::Status validate(const Command& command, const model::Installation& installation) {
  return std::visit(Checker{installation}, command);
}

std::optional<model::EvMode> parse_ev_mode(std::string_view text) {
  for (const auto mode :
       {model::EvMode::kOff, model::EvMode::kNow, model::EvMode::kMinPv, model::EvMode::kPv}) {
    if (text == model::ev_mode_name(mode)) {
      return mode;
    }
  }
  if (text == "min_pv") {
    return model::EvMode::kMinPv;
  }
  return std::nullopt;
}

std::string describe(const Command& command) { return std::visit(Describer{}, command); }

common::Result<EvSession> parse_ev_session(std::string_view body, const CommandTime& at,
                                           double default_battery_kwh) {
  using nlohmann::json;
  auto fail = [](const std::string& why) {
    return common::make_error(common::ErrorKind::kInvalidArgument, why);
  };
  const std::string kShape =
      "the body must be {\"departure\": \"07:00\" or ISO 8601 with an offset, \"need_kwh\": "
      "20} or {\"departure\", \"need_pct\": 80, \"battery_kwh\": 60}";
  const json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (!doc.is_object() || !doc.contains("departure") || !doc["departure"].is_string()) {
    return fail(kShape);
  }
  for (const auto& [key, value] : doc.items()) {
    if (key != "departure" && key != "need_kwh" && key != "need_pct" && key != "battery_kwh") {
      return fail("unknown key '" + common::log_safe(key, 40) + "': " + kShape);
    }
    if (key != "departure" && !value.is_number()) {
      return fail(key + " must be a number");
    }
  }
  const bool kwh = doc.contains("need_kwh");
  const bool pct = doc.contains("need_pct");
  if (kwh == pct || (kwh && doc.contains("battery_kwh"))) {
    return fail("give either need_kwh, or need_pct (with battery_kwh optionally): " + kShape);
  }
  EvSession session;
  session.declared_unix_s = at.now_unix_s;
  const std::string& departure = doc["departure"].get_ref<const std::string&>();
  if (departure.size() == 5 && departure[2] == ':') {
    // HH:MM: the next such local time (tomorrow when it has passed today).
    const auto digit = [&](std::size_t i) { return departure[i] >= '0' && departure[i] <= '9'; };
    if (!digit(0) || !digit(1) || !digit(3) || !digit(4)) {
      return fail("departure '" + common::log_safe(departure, 40) + "' is not HH:MM");
    }
    const int h = (departure[0] - '0') * 10 + (departure[1] - '0');
    const int m = (departure[3] - '0') * 10 + (departure[4] - '0');
    if (h > 23 || m > 59) {
      return fail("departure '" + common::log_safe(departure, 40) + "' is not a time of day");
    }
    const std::int64_t local_now = at.now_unix_s + at.utc_offset_s;
    const std::int64_t midnight = local_now - (((local_now % 86400) + 86400) % 86400);
    std::int64_t local = midnight + h * 3600 + m * 60;
    if (local <= local_now) {
      local += 86400;
    }
    session.departure_unix_s = local - at.utc_offset_s;
  } else if (auto when = model::parse_iso8601_with_offset(departure)) {
    session.departure_unix_s = *when;
  } else {
    return fail("departure '" + common::log_safe(departure, 40) +
                "' is neither HH:MM nor ISO 8601 with an offset (2026-03-02T07:00:00+01:00)");
  }
  if (session.departure_unix_s <= at.now_unix_s) {
    return fail("departure " + common::format_utc_time(session.departure_unix_s * 1000) +
                " is in the past");
  }
  if (session.departure_unix_s - at.now_unix_s > kMaxSessionAheadS) {
    return fail("departure " + common::format_utc_time(session.departure_unix_s * 1000) +
                " is more than 7 days ahead");
  }
  double need_kwh = 0.0;
  if (kwh) {
    need_kwh = doc["need_kwh"].get<double>();
  } else {
    const double share = doc["need_pct"].get<double>();
    const double battery =
        doc.contains("battery_kwh") ? doc["battery_kwh"].get<double>() : default_battery_kwh;
    if (!(share > 0.0) || share > 100.0) {
      return fail("need_pct must be above 0 and at most 100");
    }
    if (!(battery > 0.0) || battery > 250.0) {
      return fail("battery_kwh must be above 0 and at most 250");
    }
    need_kwh = battery * share / 100.0;
  }
  if (!std::isfinite(need_kwh) || need_kwh <= 0.0 || need_kwh * 1000.0 > kMaxSessionNeedWh) {
    return fail("the need must be above 0 and at most 200 kWh, not " +
                common::shortest_number(need_kwh) + " kWh");
  }
  session.need_wh = need_kwh * 1000.0;
  return session;
}

}  // namespace kirchhoff::control
