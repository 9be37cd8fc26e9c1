// What people ask of the site (a relay, a charger's mode, the heat pump's
// SG Ready state), from the API or MQTT: queued from any thread, applied by
// the control loop at the start of the next cycle, each an event with its
// user. The choices that last (charger modes, a held SG Ready state) are
// kept here and laid over the energy manager's input every cycle.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "api/auth_api.hpp"
#include "api/http_server.hpp"
#include "control/commands.hpp"
#include "control/input.hpp"
#include "daemon/site_config.hpp"
#include "snapshot/snapshot.hpp"

namespace kirchhoff::daemon {

struct PersonCommand {
  control::Command command;
  std::string user;  // an account's name, or "mqtt"
};

// Thread-safe: the API's and MQTT's threads push, the control loop takes.
class CommandQueue {
 public:
  void push(PersonCommand command);
  std::vector<PersonCommand> take();

 private:
  std::mutex mutex_;
  std::vector<PersonCommand> commands_;
};

// The charger modes people chose, by EV load name (the installation's
// control.ev.mode for the others), the charge sessions they declared and
// the battery reserve they chose; and since when each car is plugged in.
// Owned by the control loop (not thread-safe).
class PersonChoices {
 public:
  void set_ev_mode(const std::string& load, model::EvMode mode) { ev_modes_[load] = mode; }
  std::optional<model::EvMode> ev_mode(const std::string& load) const;
  // The battery's reserve (%), instead of control.battery.reserve_pct;
  // empty: the installation's.
  void set_battery_reserve(std::optional<double> reserve_pct) { battery_reserve_ = reserve_pct; }
  std::optional<double> battery_reserve() const { return battery_reserve_; }
  // A declared session replaces the charger's earlier one; empty clears it.
  void set_ev_session(const std::string& load, std::optional<control::EvSession> session);
  std::optional<control::EvSession> ev_session(const std::string& load) const;

  struct ClearedSession {
    std::string load;
    std::string why;  // "unplugged", "departure passed"
  };
  // Once per cycle, on the input as filled from the devices: adds the energy
  // each charger with a session drew this cycle (power_w × cycle_s, charging
  // only) and clears the sessions whose car was unplugged (plugged at some
  // cycle since it was declared, and no longer) or whose departure has
  // passed. Returns what was cleared, for the events.
  std::vector<ClearedSession> update_sessions(const control::ControlInput& input,
                                              std::int64_t now_unix_s, double cycle_s);
  // Once per cycle, on the input as filled from the devices: notes when
  // each car was plugged in (`now_ms` at the first cycle it is seen
  // plugged) and adds the energy it drew this cycle (power_w × cycle_s,
  // positive power only); an unplugged car starts over. A charger that does
  // not answer changes nothing.
  void track_plugs(const control::ControlInput& input, std::int64_t now_ms, double cycle_s);
  // Lays the chosen modes, sessions and reserve over the energy manager's
  // input.
  void apply(control::ControlInput& input) const;
  // The chargers' modes and states (charging, energy since plugged in), the
  // heat pump's SG Ready state and power, and the battery's charge, reserve
  // in force and capacity as they stand, into the snapshot.
  void describe(const model::Installation& installation, const control::ControlInput& input,
                std::optional<int> sg_ready, bool sg_manual, snapshot::SiteSnapshot& snap) const;
  // A new installation: modes, sessions and plug states of chargers it no
  // longer has are forgotten, and the reserve when it has no battery.
  void keep_only(const model::Installation& installation);

 private:
  struct HeldSession {
    control::EvSession session;
    bool seen_plugged = false;  // the car was plugged in at a cycle since
  };
  struct Plugged {
    std::int64_t since_ms = 0;
    double energy_wh = 0.0;
  };
  std::map<std::string, model::EvMode> ev_modes_;
  std::map<std::string, HeldSession> sessions_;
  std::map<std::string, Plugged> plugged_;
  std::optional<double> battery_reserve_;
};

// The box's offset from UTC at an instant (local minus UTC, seconds).
std::int64_t local_utc_offset_s(std::int64_t unix_s);

// POST /api/v1/outputs/{module}/{output} {"on": bool}, POST
// /api/v1/chargers/{load}/mode {"mode": "pv"}, POST and DELETE
// /api/v1/chargers/{load}/session (control::parse_ev_session's body, judged
// at the box's clock and local time) and POST /api/v1/heat-pump/sg-ready
// {"state": 1-4 | "auto"} and POST /api/v1/battery/reserve {"reserve_pct":
// 0-100} (owner). Checked with control::validate against the
// installation in force, then queued; 202. `site` and `queue` must outlive
// the router.
void add_command_routes(api::Router& router, api::AuthApi& auth, SiteConfig& site,
                        CommandQueue& queue);

}  // namespace kirchhoff::daemon
