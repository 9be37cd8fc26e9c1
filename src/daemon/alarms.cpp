#include "daemon/alarms.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "common/text.hpp"
#include "common/utf8.hpp"

namespace kirchhoff::daemon {

namespace {

// The catalogue. Severities follow the Huawei EMMA's scale (SmartAssistant
// manual, Table 2-2 "LED indicator description": critical steady red, major
// fast red, minor or warning slow red); the ones Kirchhoff had before are
// kept, as neither manual rates these conditions otherwise. The advice is
// written for this software from the manuals named above each entry ("Smappee"
// is the Infinity installation manual, "EMMA" the SmartAssistant user manual).
constexpr std::array kCatalogue{
    // Smappee 12 Troubleshooting, General: "The Smappee Infinity does not switch
    // on", "One or all CT Hubs are not available", "No real-time measurements of
    // the connected CTs"; 15 Addendum 1, Power Box status LED.
    AlarmKind{"no-measurements", false, "major", "No measurements",
              "Check that the Power Box has power (its fuse on; its status LED pulses once every "
              "3 s), that the CT Hubs are on its port A with the termination plug in the last one "
              "and the gateway on port B, and that every CT is plugged in and closed. With meters "
              "instead of a Power Box, see their device alarms."},
    // Smappee 12 Troubleshooting, Connect series: "The CT's are measuring
    // current, but no power is being calculated" (resend the configuration);
    // 15 Addendum 1, CT Hub LED "2 pulses per second: configuration problem".
    AlarmKind{"installation-invalid", false, "critical", "Configuration problem",
              "Open the installation in the installer view: the message names the first problem "
              "(kirchhoff check lists them all with line and column). Correct it and save; it "
              "applies without a restart. Nothing is measured or switched until then."},
    // No manual entry: Kirchhoff's own fail-safe (docs/control.md).
    AlarmKind{"fail-safe", false, "critical", "Devices held safe",
              "The energy manager stopped steering: its measurements are missing, stale or "
              "frozen, or a device it needs does not answer; see the alarm raised with it. The "
              "devices stay in their safe state (charger paused, battery idle, relays at their "
              "safe position) until fresh measurements return."},
    // No troubleshooting entry; Smappee 3 site checklist (how the total load and
    // the circuits are fused), EMMA 6.3.2 peak shaving (limit the power drawn).
    AlarmKind{"overcurrent-", true, "major", "Main breaker overloaded",
              "Switch off or delay a large load on that phase (charger, heat pump, boiler). If it "
              "recurs, move single-phase loads to other phases or let the energy manager limit "
              "them. Check that main_breaker_a is the main breaker's rating."},
    // Smappee 12 Troubleshooting, General: "The main feed measurement values are
    // incorrect" (multimeter, phase mapping); 9 Validation of the installation.
    AlarmKind{"voltage-", true, "minor", "Voltage out of range",
              "Measure the phase voltage at the Power Box with a multimeter. If it agrees, the "
              "grid is out of range: tell the grid operator. If it does not, check the voltage "
              "wiring against the installation's topology and phase mapping."},
    // Smappee 3 site checklist (amps and wire diameter of each measured load);
    // 17 Addendum 3, the CT types and Rogowski coils by rating.
    AlarmKind{"ct-overrange-", true, "major", "CT above its rating",
              "The conductor carries more current than this CT measures, so its readings and "
              "energy are too low. Check that the CT type in the installation is the one on the "
              "conductor (its label); else fit a CT or Rogowski coil rated for the current and "
              "the conductor's size, and update the installation."},
    // Smappee 6 installation steps ("the arrow ... K > L must point in the
    // direction of the current flow") and 9 Validation of the installation.
    AlarmKind{"wiring-", true, "major", "Wiring mistake",
              "Check the CT's phase and that its arrow (K to L) points toward the load. Compare "
              "with the diagnostics in the installer view, then apply the fix it offers or "
              "correct the installation."},
    // Smappee 12 Troubleshooting, General: "Input/Output module is not available"
    // (scan, wrong bus); 15 Addendum 1, Input and Output module LEDs;
    // 10 (modules work with a Genius only).
    AlarmKind{"module-", true, "major", "Bus module not answering",
              "Check the module's LED: a short pulse every 3 s is healthy, one pulse a second "
              "means no communication. It belongs on the B-bus between the Power Box and a "
              "Genius, with both RJ10 cables seated, and its id in the installation must be this "
              "module's. Then rescan the modules or restart the gateway."},
    // EMMA 5.3 RS485 cables, 7.1 maintenance checklist (cables securely
    // connected), 8 RS485 baud rates; Smappee 12 Troubleshooting, Genius
    // ("The Ethernet cable is not connected correctly").
    AlarmKind{"device-", true, "major", "Device not answering",
              "Check that the device has power and that its cable (RS485 A/B, Ethernet) or "
              "network link is seated; compare its address, port, unit id and baud rate with the "
              "installation's devices section. What depends on it stays in its safe state until "
              "it answers again."},
    // Smappee 12 Troubleshooting, Genius: "The light of the Genius flashes red"
    // (internet lost), "A firewall blocks outgoing communication"; 16 Addendum
    // 2, firewall rules; EMMA Table 2-2, communication status indicator.
    AlarmKind{"mqtt-offline", false, "minor", "No uplink",
              "Check the box's network link and that the broker is reachable: its address and "
              "port, TLS certificate and account; a firewall must let outgoing connections to it "
              "through. Nothing is lost meanwhile: the uplink keeps every point until it is "
              "back."},
    // No manual entry: Kirchhoff's uplink bound (docs/uplink-format.md).
    AlarmKind{"uplink-dropped", false, "major", "Uplink data dropped",
              "The broker was unreachable for longer than the uplink keeps points: restore the "
              "connection (see No uplink). The dropped points are still in the local history; a "
              "larger server.mqtt.uplink_days bridges longer outages."},
    // No manual entry: Kirchhoff's day-ahead sources (docs/control.md).
    AlarmKind{"prices-missing", false, "warning", "Day-ahead prices missing",
              "Check that control.tariff.prices_url answers (the log has a line per failed "
              "fetch with the reason) or that the publisher sends to prices_topic; day-ahead "
              "prices appear around 13:00 CET for the next day. Meanwhile the tariff's windows "
              "and flat prices apply."},
    // No manual entry: Kirchhoff's planner (docs/planner.md).
    AlarmKind{"plan-failed", false, "warning", "No plan in force",
              "The planner's last solve failed and no earlier plan covers the time: the energy "
              "manager's rules run the site (cars with a ready-by time charge by their mode). "
              "GET /api/v1/plan gives the solver's reason; check the battery's and chargers' "
              "read-backs and the installation's control section. Each quarter hour it tries "
              "again."},
    // No manual entry: Kirchhoff's history store (docs/storage-faults.md).
    AlarmKind{"history-damaged", false, "critical", "History file damaged",
              "The history was damaged (the message says how: a power cut, a failing SD card or "
              "disk) and was moved aside; a new one records from now and the energy registers "
              "continue. Copy the moved file off the box (sqlite3's .recover gets most of it "
              "back), check the storage, then remove the file from the data directory to clear "
              "this alarm."},
    AlarmKind{"history-write-failed", false, "major", "History not written",
              "Writing the history fails (the message has the reason): check the data "
              "directory's disk (kernel log, SMART or SD card health), its permissions and that "
              "it is not mounted read-only. The points wait in memory and are written when it "
              "works again."},
    AlarmKind{"disk-full", false, "critical", "Disk full",
              "The data directory's disk is full, so no history is written. Free space on it "
              "(other files, logs) or give it a larger disk; the points wait in memory and are "
              "written when space returns. Shorter retention (server.history.retention) keeps "
              "it from filling again."},
    AlarmKind{"disk-low", false, "warning", "Disk nearly full",
              "The data directory's disk is nearly full, and the oldest raw history is dropped "
              "to make room (the minute and longer rollups stay). Free space on it, give it a "
              "larger disk, or shorten server.history.retention."},
};

// The grid phases' currents: over the main breaker's rating.
void add_overcurrent(const snapshot::SiteSnapshot& snap, const model::Installation& installation,
                     std::vector<AlarmCheck>& out) {
  const double rating = installation.site.main_breaker_a;
  std::array<double, 3> grid_a{};
  std::array<bool, 3> measured{};
  for (const auto& load : snap.loads) {
    if (load.kind != model::LoadKind::kGrid) {
      continue;
    }
    for (const auto& ph : load.phases) {
      const auto p = static_cast<std::size_t>(ph.phase);
      grid_a[p] += ph.i_a;
      measured[p] = true;
    }
  }
  for (std::size_t p = 0; p < 3; ++p) {
    const std::string phase = "L" + std::to_string(p + 1);
    const bool over = measured[p] && grid_a[p] > rating;
    out.push_back(AlarmCheck{"overcurrent-" + phase, over,
                             phase + " at " + common::fixed_number(grid_a[p], 1) +
                                 " A, above the " + common::fixed_number(rating, 1) +
                                 " A main breaker"});
  }
}

void add_voltage(const snapshot::SiteSnapshot& snap, const model::Installation& installation,
                 std::vector<AlarmCheck>& out) {
  const double nominal = model::topology_info(installation.site.topology).v_ln_nominal;
  for (const auto& v : snap.voltages) {
    const std::string phase = "L" + std::to_string(static_cast<int>(v.phase) + 1);
    const bool outside = v.v_ln > 0.0 && std::abs(v.v_ln - nominal) > 0.1 * nominal;
    out.push_back(AlarmCheck{"voltage-" + phase, outside,
                             phase + " at " + common::fixed_number(v.v_ln, 1) + " V, outside " +
                                 common::fixed_number(0.9 * nominal, 1) + "-" +
                                 common::fixed_number(1.1 * nominal, 1) + " V (EN 50160)"});
  }
}

// Every CT input of the installation's loads against its type's rating. An
// input not in the snapshot cannot be above it: its alarm clears rather than
// stays forever (e.g. after the load was removed).
void add_ct_overrange(const snapshot::SiteSnapshot& snap, const model::Installation& installation,
                      std::vector<AlarmCheck>& out) {
  for (const auto& load : installation.loads) {
    const snapshot::LoadValues* values = nullptr;
    for (const auto& l : snap.loads) {
      if (l.name == load.name) {
        values = &l;
        break;
      }
    }
    for (const auto& channel : load.channels) {
      const model::CtInput* ct = installation.find_input(channel.input);
      if (ct == nullptr) {
        continue;  // the validator does not let this through
      }
      const std::string input = channel.input.to_string();
      const model::CtTypeInfo& type = model::ct_type_info(ct->ct);
      const snapshot::PhaseValues* phase = nullptr;
      if (values != nullptr) {
        for (const auto& ph : values->phases) {
          if (ph.input == input) {
            phase = &ph;
            break;
          }
        }
      }
      const bool over = phase != nullptr && phase->i_a > type.rating_a;
      const std::string ct_text =
          "CT " + input + " (" + std::string(type.name) + ") of '" + load.name + "' ";
      out.push_back(AlarmCheck{"ct-overrange-" + input, over,
                               phase != nullptr
                                   ? ct_text + "at " + common::fixed_number(phase->i_a, 1) +
                                         " A, above its " + common::shortest_number(type.rating_a) +
                                         " A rating"
                                   : ct_text + "not measured this cycle"});
    }
  }
}

// One alarm per real device: raised while it has not answered for three of
// its polls, cleared when it answers again.
void add_devices(const snapshot::SiteSnapshot& snap, std::vector<AlarmCheck>& out) {
  for (const auto& d : snap.devices) {
    const std::string what = d.last_error.empty() ? "no reading" : d.last_error;
    out.push_back(AlarmCheck{"device-" + d.name, d.stale,
                             "device '" + d.name + "' (" + d.driver +
                                 ") not answering: " + common::log_safe(what, 300) +
                                 "; what depends on it is held in its safe state"});
  }
}

void add_fail_safe(const snapshot::SiteSnapshot& snap, std::vector<AlarmCheck>& out) {
  std::string fail_safe;
  for (const auto& d : snap.control) {
    if (d.alarm) {
      fail_safe = d.reason;
    }
  }
  out.push_back(AlarmCheck{"fail-safe", !fail_safe.empty(),
                           fail_safe.empty()
                               ? "the energy manager holds the devices in their safe state"
                               : "energy manager: " + fail_safe});
}

// Whether any configured input or output of `module` has a value in `snap`.
bool has_values(const snapshot::SiteSnapshot& snap, const model::Module& module) {
  for (const auto& in : module.inputs) {
    for (const auto& v : snap.inputs) {
      if (v.module == module.id && v.input == in.number) {
        return true;
      }
    }
  }
  for (const auto& o : module.outputs) {
    for (const auto& v : snap.outputs) {
      if (v.module == module.id && v.output == o.number) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::span<const AlarmKind> alarm_catalogue() { return kCatalogue; }

const AlarmKind* find_alarm_kind(std::string_view id) {
  for (const auto& kind : kCatalogue) {
    if (kind.prefix ? id.size() > kind.id.size() && id.starts_with(kind.id) : id == kind.id) {
      return &kind;
    }
  }
  return nullptr;
}

std::vector<AlarmCheck> check_alarms(const snapshot::SiteSnapshot* snap,
                                     const model::Installation& installation,
                                     const SourceInfo& source) {
  std::vector<AlarmCheck> out;
  std::string message = source.samples ? "no samples from the Power Box this cycle"
                                       : "no measurement from the source this cycle";
  message += ": live values are stale";
  if (!source.error.empty()) {
    message += " (" + common::log_safe(source.error, 300) + ")";
  }
  out.push_back(AlarmCheck{"no-measurements", snap == nullptr, std::move(message)});
  if (snap == nullptr) {
    return out;  // the rest cannot be judged without measurements
  }
  add_overcurrent(*snap, installation, out);
  add_voltage(*snap, installation, out);
  add_ct_overrange(*snap, installation, out);
  add_devices(*snap, out);
  add_fail_safe(*snap, out);
  return out;
}

AlarmCheck installation_alarm(const std::string& error) {
  const std::string first_line = error.substr(0, error.find('\n'));
  return AlarmCheck{"installation-invalid", !error.empty(),
                    "the saved installation cannot run (" + common::log_safe(first_line, 300) +
                        "); nothing is measured or switched until a valid one is saved"};
}

std::vector<AlarmCheck> ModuleWatch::check(const snapshot::SiteSnapshot& snap,
                                           const model::Installation& installation) {
  std::vector<bool> present;
  for (const auto& module : installation.modules) {
    present.push_back(has_values(snap, module));
    reads_bus_ = reads_bus_ || present.back();
  }
  std::vector<AlarmCheck> out;
  for (std::size_t m = 0; m < installation.modules.size(); ++m) {
    const model::Module& module = installation.modules[m];
    const bool input = module.kind == model::ModuleKind::kInput;
    const std::size_t count = input ? module.inputs.size() : module.outputs.size();
    if (count == 0) {
      continue;  // nothing configured: nothing to miss
    }
    const bool silent = reads_bus_ && !present[m];
    const std::string what =
        input ? "no values from its " + std::to_string(count) + " input" + (count == 1 ? "" : "s")
              : "the state of its " + std::to_string(count) + " relay" + (count == 1 ? "" : "s") +
                    " is unknown";
    out.push_back(AlarmCheck{"module-" + module.id, silent,
                             std::string(input ? "Input" : "Output") + " module " + module.id +
                                 " not answering: " + what});
  }
  return out;
}

std::vector<AlarmBook::Transition> AlarmBook::apply(const std::vector<AlarmCheck>& checks,
                                                    std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  std::vector<Transition> out;
  for (const auto& check : checks) {
    auto it = std::find_if(active_.begin(), active_.end(),
                           [&](const auto& a) { return a.id == check.id; });
    if (check.active && it == active_.end()) {
      const AlarmKind* kind = find_alarm_kind(check.id);
      active_.push_back({check.id, kind != nullptr ? std::string(kind->severity) : "major",
                         check.message, now_ms,
                         kind != nullptr ? std::string(kind->advice) : std::string()});
      out.push_back({true, active_.back()});
    } else if (check.active) {
      it->message = check.message;
    } else if (it != active_.end()) {
      out.push_back({false, *it});
      active_.erase(it);
    }
  }
  return out;
}

std::vector<snapshot::ActiveAlarm> AlarmBook::active() const {
  std::lock_guard lock(mutex_);
  return active_;
}

std::string alarm_event_text(const AlarmBook::Transition& transition) {
  const auto& a = transition.alarm;
  if (!transition.raised) {
    return "cleared: " + a.message;
  }
  std::string text = "raised " + a.severity + ": " + a.message;
  if (!a.advice.empty()) {
    text += ". Check: " + a.advice;
  }
  return text;
}

}  // namespace kirchhoff::daemon
