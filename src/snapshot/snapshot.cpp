#include "snapshot/snapshot.hpp"

#include <cmath>

#include "common/time.hpp"

namespace kirchhoff::snapshot {

namespace {

// Fixed decimals keep the JSON short and stable: 0.1 W, 1 mA, 0.001 PF.
double round_to(double value, double per_unit) { return std::round(value * per_unit) / per_unit; }

}  // namespace

nlohmann::json alarms_to_json(const std::vector<ActiveAlarm>& alarms) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : alarms) {
    nlohmann::json alarm = {
        {"id", a.id}, {"severity", a.severity}, {"message", a.message}, {"since_ms", a.since_ms}};
    if (!a.advice.empty()) {
      alarm["advice"] = a.advice;
    }
    out.push_back(std::move(alarm));
  }
  return out;
}

std::string_view sg_ready_name(int state) {
  switch (state) {
    case 1:
      return "blocked";
    case 2:
      return "normal";
    case 3:
      return "recommended";
    case 4:
      return "forced";
    default:
      return "unknown";
  }
}

nlohmann::json to_json(const SiteSnapshot& s) {
  using nlohmann::json;
  json out;
  out["time_ms"] = s.unix_ms;
  out["frequency_hz"] = round_to(s.frequency_hz, 1000);
  json voltages = json::object();
  for (const auto& v : s.voltages) {
    voltages[std::string(model::phase_name(v.phase))] = {{"v_ln", round_to(v.v_ln, 10)},
                                                         {"v_ll", round_to(v.v_ll, 10)}};
  }
  out["voltages"] = voltages;
  json loads = json::array();
  for (const auto& l : s.loads) {
    json phases = json::array();
    for (const auto& p : l.phases) {
      phases.push_back({{"phase", model::phase_name(p.phase)},
                        {"input", p.input},
                        {"p_w", round_to(p.p_w, 10)},
                        {"q_var", round_to(p.q_var, 10)},
                        {"s_va", round_to(p.s_va, 10)},
                        {"pf", round_to(p.pf, 1000)},
                        {"i_a", round_to(p.i_a, 1000)}});
    }
    loads.push_back({{"name", l.name},
                     {"kind", model::load_kind_name(l.kind)},
                     {"p_w", round_to(l.p_w, 10)},
                     {"q_var", round_to(l.q_var, 10)},
                     {"s_va", round_to(l.s_va, 10)},
                     {"pf", round_to(l.pf, 1000)},
                     {"energy_import_wh", round_to(l.energy_import_wh, 1000)},
                     {"energy_export_wh", round_to(l.energy_export_wh, 1000)},
                     {"phases", phases}});
  }
  out["loads"] = loads;
  json inputs = json::array();
  for (const auto& i : s.inputs) {
    json entry = {{"module", i.module},
                  {"input", i.input},
                  {"name", i.name},
                  {"kind", i.pulse ? "pulse" : "status"}};
    if (i.pulse) {
      entry["pulses"] = i.pulses;
      entry["total"] = round_to(i.total, 1000);
      entry["unit"] = i.unit;
    } else {
      entry["closed"] = i.closed;
    }
    inputs.push_back(entry);
  }
  out["inputs"] = inputs;
  json outputs = json::array();
  for (const auto& o : s.outputs) {
    outputs.push_back(
        {{"module", o.module}, {"output", o.output}, {"name", o.name}, {"energised", o.energised}});
  }
  out["outputs"] = outputs;
  json control = json::array();
  for (const auto& d : s.control) {
    control.push_back({{"controller", d.controller}, {"reason", d.reason}, {"alarm", d.alarm}});
  }
  out["control"] = control;
  out["alarms"] = alarms_to_json(s.alarms);
  json chargers = json::array();
  for (const auto& c : s.chargers) {
    chargers.push_back(
        {{"load", c.load},
         {"mode", c.mode},
         {"plugged", c.plugged},
         {"current_a", c.current_a},
         {"power_w", c.power_w},
         {"session",
          c.session
              ? json{{"departure", common::format_utc_time(c.session->departure_unix_s * 1000)},
                     {"need_kwh", c.session->need_wh / 1000.0},
                     {"delivered_kwh", std::round(c.session->delivered_wh) / 1000.0}}
              : json(nullptr)},
         {"charging", c.charging},
         {"session_energy_wh", round_to(c.session_energy_wh, 10)},
         {"plugged_since_ms", c.plugged_since_ms ? json(*c.plugged_since_ms) : json(nullptr)}});
  }
  out["chargers"] = chargers;
  json heat_pumps = json::array();
  for (const auto& h : s.heat_pumps) {
    heat_pumps.push_back({{"load", h.load},
                          {"sg_ready", h.sg_ready},
                          {"manual", h.manual},
                          {"p_w", round_to(h.p_w, 10)},
                          {"state_name", sg_ready_name(h.sg_ready)}});
  }
  out["heat_pumps"] = heat_pumps;
  json batteries = json::array();
  for (const auto& b : s.batteries) {
    batteries.push_back({{"load", b.load},
                         {"soc_pct", b.soc_pct},
                         {"power_w", b.power_w},
                         {"reserve_pct", b.reserve_pct},
                         {"capacity_kwh", b.capacity_kwh ? json(*b.capacity_kwh) : json(nullptr)}});
  }
  out["batteries"] = batteries;
  if (!s.devices.empty()) {
    out["devices"] = devices_to_json(s.devices, s.unix_ms);
  }
  return out;
}

nlohmann::json devices_to_json(const std::vector<DeviceValues>& devices, std::int64_t now_ms) {
  using nlohmann::json;
  json out = json::array();
  for (const auto& d : devices) {
    out.push_back({{"name", d.name},
                   {"driver", d.driver},
                   {"load", d.load},
                   {"connected", d.connected},
                   {"stale", d.stale},
                   {"last_reading_ms", d.last_reading_ms},
                   {"age_ms", d.last_reading_ms > 0 ? now_ms - d.last_reading_ms : -1},
                   {"last_error", d.last_error},
                   {"polls", d.polls},
                   {"failures", d.failures},
                   {"last_poll_ms", round_to(d.last_poll_ms, 10)}});
  }
  return out;
}

}  // namespace kirchhoff::snapshot
