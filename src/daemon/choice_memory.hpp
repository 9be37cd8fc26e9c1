// People's choices other than relays that outlive restarts and installation
// changes (docs/daemon.md, "Other choices that last"): a charger's mode, the
// heat pump's SG Ready hold and the battery's reserve. Kept in a small JSON
// file in the data directory (choices.json), one entry per load keyed by its
// name, replaced atomically at each change, and restored at start and after
// an installation change. The sibling of relay_memory, which keeps relays.
//
// Owned by the control loop: not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "control/commands.hpp"
#include "control/control.hpp"
#include "daemon/people_commands.hpp"
#include "model/installation.hpp"

namespace kirchhoff::daemon {

// One load's choice as a person left it: exactly one of the three.
struct LoadChoice {
  std::string load;
  std::optional<model::EvMode> ev_mode = std::nullopt;  // an EV load's charger
  std::optional<int> sg_ready = std::nullopt;           // the heat pump, 1-4
  std::optional<double> reserve_pct = std::nullopt;     // the battery, 0-100
  std::string user = {};                                // the account, or "mqtt"
  std::int64_t time_ms = 0;
};

// An event for the history (kind "command"); user "" for the system.
struct ChoiceEvent {
  std::string user;
  std::string message;
};

// The file's text: {"version": 1, "loads": {NAME: {"ev_mode": "pv" |
// "sg_ready": 1-4 | "reserve_pct": 0-100, "user", "time_ms"}}}. Parsing never
// throws; an error names the load and the reason.
common::Result<std::vector<LoadChoice>> parse_load_choices(std::string_view text);
std::string load_choices_json(const std::vector<LoadChoice>& choices);

// "charger 'Car' mode pv", "heat pump 'Heat pump' SG Ready 3", "battery
// 'Battery' reserve 40 %".
std::string choice_text(const LoadChoice& choice);

class ChoiceMemory {
 public:
  // `path`: the file in the data directory (choices.json).
  explicit ChoiceMemory(std::string path) : path_(std::move(path)) {}

  // Reads the file; a missing file is no choices. A damaged one is moved
  // aside to `<path>.damaged` and the error says so; the memory is then
  // empty.
  common::Status load();
  const std::vector<LoadChoice>& choices() const { return choices_; }

  // A person's command, once applied: a charger's mode, an SG Ready hold
  // (on the installation's first heat pump; "auto" forgets it) or a battery
  // reserve (on its first battery) replaces that load's earlier choice and
  // the file is written (in memory even when the write fails; the error
  // says why). Other commands change nothing.
  common::Status remember(const control::Command& command, const model::Installation& installation,
                          const std::string& user, std::int64_t time_ms);

  // For the installation in force: choices whose load it no longer has, or
  // has as another kind (or no longer as its first heat pump or battery),
  // are dropped, each with an event; the file is rewritten when anything was
  // dropped (`saved`).
  struct Reconciled {
    std::vector<ChoiceEvent> dropped;
    common::Status saved = common::Status::success();
  };
  Reconciled keep_only(const model::Installation& installation);

  // Lays every choice onto `choices` (modes, reserve) and `manager` (the SG
  // Ready hold); `when` says why ("at start"). An event for each.
  std::vector<ChoiceEvent> restore(PersonChoices& choices, control::EnergyManager& manager,
                                   const std::string& when) const;

 private:
  common::Status record(LoadChoice choice);
  common::Status forget(const std::string& load);
  common::Status save() const;
  std::string path_;
  std::vector<LoadChoice> choices_;
};

}  // namespace kirchhoff::daemon
