// People's relay choices that outlive restarts and installation changes
// (docs/daemon.md, "Relay choices that last"): a person's switch of an
// Output module's relay holds until a person switches it again. The choices
// are kept in a small JSON file in the data directory, replaced atomically
// at each switch, and restored at start and after an installation change;
// on a relay the energy manager manages, a choice is its manual hold.
//
// Every change of a relay is an event of kind "relay"; the texts are made
// here so that a person's switch, a restore and the energy manager's rule
// read alike: "out1/2 'Garden lights' switched off: <why>".
//
// Owned by the control loop: not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "control/control.hpp"
#include "devices/capabilities.hpp"
#include "model/installation.hpp"

namespace kirchhoff::daemon {

// One relay as a person left it. The relay is identified by its Output
// module's id and output number; `name` is what the installation called it.
struct RelayChoice {
  std::string module;
  int output = 0;
  std::string name;
  bool on = false;
  std::string user;  // the account, or "mqtt"
  std::int64_t time_ms = 0;
};

// A change of a relay for the history: user "" for the system.
struct RelayEvent {
  std::string user;
  std::string message;
};

// The file's text: {"version": 1, "relays": [{module, output, name, on,
// user, time_ms}]}. Parsing never throws; an error names the entry and the
// reason.
common::Result<std::vector<RelayChoice>> parse_relay_choices(std::string_view text);
std::string relay_choices_json(const std::vector<RelayChoice>& choices);

// "out1/2 'Garden lights' switched off: <why>".
std::string relay_event_text(const std::string& module, int output, const std::string& name,
                             bool on, const std::string& why);

// The name the installation gives an Output module's output; empty when it
// has no such output.
std::optional<std::string> output_name(const model::Installation& installation,
                                       const std::string& module, int output);

class RelayMemory {
 public:
  // `path`: the file in the data directory (relays.json).
  explicit RelayMemory(std::string path) : path_(std::move(path)) {}

  // Reads the file; a missing file is no choices. A damaged one is moved
  // aside to `<path>.damaged` and the error says so; the memory is then
  // empty.
  common::Status load();
  const std::vector<RelayChoice>& choices() const { return choices_; }

  // A person's switch: replaces the relay's earlier choice and writes the
  // file (in memory even when the write fails; the error says why).
  common::Status record(RelayChoice choice);

  // For a new installation: choices of outputs it no longer has are dropped
  // (`dropped`), renamed outputs keep their state under the new name. The
  // file is rewritten when anything changed (`saved`).
  struct Reconciled {
    std::vector<RelayChoice> dropped;
    std::vector<RelayChoice> renamed;  // with the new name
    common::Status saved = common::Status::success();
  };
  Reconciled keep_only(const model::Installation& installation);

  // Applies every choice to its relay among `devices` (null: none) and, on a
  // managed relay, to `manager`'s manual hold. `when` says why ("at start").
  // Returns an event for each relay whose state this changed.
  std::vector<RelayEvent> restore(const devices::SiteDevices* devices,
                                  control::EnergyManager& manager, const std::string& when) const;

 private:
  common::Status save() const;
  std::string path_;
  std::vector<RelayChoice> choices_;
};

// The energy manager's relay switches of one cycle: for each managed relay
// (`installation.control.relays`, index i) whose setpoint differs from its
// state before the cycle (`was_on[i]`; empty: the site has no such relay,
// nothing to record), an event naming why. The why is the
// cycle's decisions that name the relay (its output or name), else a
// person's choice in `held` that the relay returns to (a safety controller
// let go of it), else all the decisions, else the relay's default (a shed
// relay runs, a surplus relay waits for surplus).
std::vector<RelayEvent> manager_relay_events(const model::Installation& installation,
                                             const std::vector<std::optional<bool>>& was_on,
                                             const control::ControlResult& result,
                                             const std::vector<RelayChoice>& held);

}  // namespace kirchhoff::daemon
