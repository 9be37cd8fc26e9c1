// The site snapshot: everything measured at one instant, once per cycle. It
// is what the store records, the energy manager decides on and the API and
// dashboard show. The JSON shape of a load matches `kirchhoff meter`.
// Plain values; share as std::shared_ptr<const SiteSnapshot> between threads.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/installation.hpp"

namespace kirchhoff::snapshot {

struct PhaseValues {
  model::Phase phase = model::Phase::kL1;
  std::string input;  // "hub1/3"
  double p_w = 0.0;
  double q_var = 0.0;
  double s_va = 0.0;
  double pf = 0.0;
  double i_a = 0.0;
};

struct LoadValues {
  std::string name;
  model::LoadKind kind = model::LoadKind::kConsumer;
  double p_w = 0.0;  // + in the load's positive direction (grid: import)
  double q_var = 0.0;
  double s_va = 0.0;
  double pf = 0.0;
  double energy_import_wh = 0.0;  // registers: never go backwards
  double energy_export_wh = 0.0;
  std::vector<PhaseValues> phases;
  // The energy registers above are a meter's own (a P1 or Modbus meter):
  // they are taken as they are instead of integrating P.
  bool metered_energy = false;
};

struct VoltageValues {
  model::Phase phase = model::Phase::kL1;
  double v_ln = 0.0;
  double v_ll = 0.0;
};

struct InputValues {
  std::string module;
  int input = 0;
  std::string name;
  std::string unit;
  bool pulse = true;
  std::uint64_t pulses = 0;  // pulse inputs: counted since the register began
  double total = 0.0;        // pulses / pulses_per_unit, in `unit`
  bool closed = false;       // status inputs
};

struct OutputValues {
  std::string module;
  int output = 0;
  std::string name;
  bool energised = false;
};

// An active decision of the energy manager, e.g. overload protection:
// "car limited to 10.0 A: L2 at 24.6 A of 25.0 A".
struct ControlDecision {
  std::string controller;
  std::string reason;
  bool alarm = false;  // the fail-safe: something needs a person's attention
};

// An alarm in force, with the Huawei EMMA's severities: critical, major,
// minor, warning.
struct ActiveAlarm {
  std::string id;  // stable: "overcurrent-L2", "fail-safe", ...
  std::string severity;
  std::string message;
  std::int64_t since_ms = 0;
  // What a person should check (the alarm catalogue's). The initialiser lets
  // `{id, severity, message, since_ms}` leave it out without a warning.
  std::string advice{};
};

// [{id, severity, message, since_ms, advice}], as /live, /alarms and the
// stream show them; `advice` is left out when empty.
nlohmann::json alarms_to_json(const std::vector<ActiveAlarm>& alarms);

// A real device as the poller last saw it (for the dashboard and alarms).
struct DeviceValues {
  std::string name;
  std::string driver;
  std::string load;
  bool connected = false;
  bool stale = true;                 // no good reading within three polls
  std::int64_t last_reading_ms = 0;  // 0 = never
  std::string last_error;
  std::int64_t polls = 0;
  std::int64_t failures = 0;
  double last_poll_ms = 0.0;  // how long its last poll took
};

// A charger as the energy manager sees it: its mode (off, now, min+pv, pv;
// a person's choice or the installation's default) and the car's state.
struct ChargerValues {
  std::string load;
  std::string mode;  // "off", "now", "min+pv", "pv"
  bool plugged = false;
  double current_a = 0.0;  // per phase now
  double power_w = 0.0;
  // A person's declared charge session: JSON "session": {"departure" (ISO
  // 8601 UTC), "need_kwh", "delivered_kwh"}, or null.
  struct Session {
    std::int64_t departure_unix_s = 0;
    double need_wh = 0.0;
    double delivered_wh = 0.0;
  };
  std::optional<Session> session;
  // Plugged in and drawing more than kChargingW.
  bool charging = false;
  // AC energy charged since the car was plugged in (0 when unplugged), and
  // when the daemon saw it plugged in (its start, for a car plugged in
  // before).
  double session_energy_wh = 0.0;
  std::optional<std::int64_t> plugged_since_ms = std::nullopt;

  // Below this a plugged car is taken as not charging (a charger's own
  // draw and a full car's trickle stay under it).
  static constexpr double kChargingW = 100.0;
};

// The heat pump's SG Ready state (1 blocked, 2 normal, 3 recommended, 4
// forced) and whether a person holds it there (else the energy manager
// chose it).
struct HeatPumpValues {
  std::string load;
  int sg_ready = 2;
  bool manual = false;
  double p_w = 0.0;  // its power now
};

// "blocked", "normal", "recommended", "forced" for SG Ready 1-4; "unknown"
// for anything else.
std::string_view sg_ready_name(int state);

struct BatteryValues {
  std::string load;
  double soc_pct = 0.0;
  double power_w = 0.0;      // + discharge, as the battery reports it
  double reserve_pct = 0.0;  // the reserve in force: a person's or the installation's
  std::optional<double> capacity_kwh = std::nullopt;  // usable; empty when not known
};

struct SiteSnapshot {
  std::int64_t unix_ms = 0;
  double frequency_hz = 0.0;
  std::vector<VoltageValues> voltages;
  std::vector<LoadValues> loads;
  std::vector<InputValues> inputs;
  std::vector<OutputValues> outputs;
  std::vector<ControlDecision> control;
  std::vector<ActiveAlarm> alarms;
  std::vector<DeviceValues> devices;  // real devices, when the site has any
  // What the energy manager steers, as it stood this cycle (empty when the
  // site has none of it).
  std::vector<ChargerValues> chargers;
  std::vector<HeatPumpValues> heat_pumps;
  std::vector<BatteryValues> batteries;
  // The loads' energy registers come from the source (a meter's own
  // registers, counted since it started) rather than from integrating P.
  bool has_energy = false;
};

nlohmann::json to_json(const SiteSnapshot& snapshot);
// [{name, driver, load, connected, stale, last_reading_ms, age_ms, ...}] at `now_ms`.
nlohmann::json devices_to_json(const std::vector<DeviceValues>& devices, std::int64_t now_ms);

}  // namespace kirchhoff::snapshot
