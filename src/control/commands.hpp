// What a person may ask of the site, from the API or an MQTT command topic:
// switch a relay, set a charger's mode, or set the heat pump's SG Ready
// state. Checked against the installation in force with the same rules
// whichever way it came, so MQTT accepts exactly what the API accepts.
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "common/result.hpp"
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

// The heat pump's SG Ready state 1-4 held by a person; empty hands it back
// to the energy manager ("auto").
struct SgReadyCommand {
  std::optional<int> state;
};

using Command = std::variant<RelayCommand, EvModeCommand, SgReadyCommand>;

// Whether the installation has what the command names; the error says what
// is wrong in words for the person who sent it.
common::Status validate(const Command& command, const model::Installation& installation);

// "min+pv" ↔ EvMode: the names of ev_mode_name(); also accepts "min_pv".
std::optional<model::EvMode> parse_ev_mode(std::string_view text);

// For events and logs: "out1/2 switched on", "charger 'Car' mode pv",
// "heat pump SG Ready 3", "heat pump SG Ready auto".
std::string describe(const Command& command);

}  // namespace kirchhoff::control
