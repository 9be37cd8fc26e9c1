// What a person may ask of the site, from the API or an MQTT command topic:
// switch a relay, set a charger's mode or declare its charge session, or set
// the heat pump's SG Ready state. Checked against the installation in force with the same rules
// whichever way it came, so MQTT accepts exactly what the API accepts.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "common/result.hpp"
#include "control/input.hpp"
#include "model/control_config.hpp"
#include "model/installation.hpp"

namespace kirchhoff::control {

// An Output module's relay, e.g. module "out1", output 2.
struct RelayCommand {
  std::string module;
  int output = 0;
  bool on = false;
};

// A charger's mode (off, now, min+pv, pv), by its EV load's name.
struct EvModeCommand {
  std::string load;
  model::EvMode mode = model::EvMode::kMinPv;
};

// A charger's session (docs/api.md, POST /api/v1/chargers/{load}/session):
// when the car leaves and the energy it needs; empty clears it.
struct EvSessionCommand {
  std::string load;
  std::optional<EvSession> session;
};

// The heat pump's SG Ready state 1-4 held by a person; empty hands it back
// to the energy manager ("auto").
struct SgReadyCommand {
  std::optional<int> state;
};

// The battery's reserve (%) a person chose, kept instead of the
// installation's control.battery.reserve_pct.
struct BatteryReserveCommand {
  double reserve_pct = 0.0;
};

using Command = std::variant<RelayCommand, EvModeCommand, SgReadyCommand, EvSessionCommand,
                             BatteryReserveCommand>;

// A session's bounds: a departure at most 7 days ahead, a need above 0 and
// at most 200 kWh.
inline constexpr std::int64_t kMaxSessionAheadS = 7 * 86400;
inline constexpr double kMaxSessionNeedWh = 200'000.0;

// When a command arrives: "07:00" is the next such local time after
// `now_unix_s`, and "in the past" is before it.
struct CommandTime {
  std::int64_t now_unix_s = 0;
  std::int64_t utc_offset_s = 0;  // local time - UTC, now
};

// A session's JSON body: {"departure": "07:00" | ISO 8601 with offset,
// "need_kwh": 20} or {"departure", "need_pct": 80, "battery_kwh": 60}
// (battery_kwh defaults to `default_battery_kwh`). The session is declared
// at `at.now_unix_s`. Errors say what is wrong for the person who sent it.
// Pure; never throws.
common::Result<EvSession> parse_ev_session(std::string_view body, const CommandTime& at,
                                           double default_battery_kwh);

// Whether the installation has what the command names; the error says what
// is wrong in words for the person who sent it.
common::Status validate(const Command& command, const model::Installation& installation);

// "min+pv" ↔ EvMode: the names of ev_mode_name(); also accepts "min_pv".
std::optional<model::EvMode> parse_ev_mode(std::string_view text);

// For events and logs: "out1/2 switched on", "charger 'Car' mode pv",
// "heat pump SG Ready 3", "heat pump SG Ready auto", "charger 'Car' session
// 20 kWh by 2026-03-02T06:00:00Z", "charger 'Car' session cleared",
// "battery reserve 30 %".
std::string describe(const Command& command);

}  // namespace kirchhoff::control
