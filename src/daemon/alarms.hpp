// Alarms: conditions a person should know about, raised and cleared by the
// daemon each cycle, with the severities of the Huawei EMMA manual
// (critical, major, minor, warning). Each raise and clear is an event of kind
// "alarm"; the ones in force travel with every snapshot (`alarms`) and are
// served by GET /api/v1/alarms. docs/daemon.md ("Alarms") lists them all.
//
// One catalogue gives every alarm family its severity, title and advice (what
// a person should check); checks only say which id, whether it holds and the
// message, so no check can give an alarm another severity or advice.
#pragma once

#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/installation.hpp"
#include "snapshot/snapshot.hpp"

namespace kirchhoff::daemon {

// One family of alarms: an exact id ("no-measurements") or, with `prefix`, the
// start of ids that a name completes ("device-" for "device-P1 meter").
struct AlarmKind {
  std::string_view id;
  bool prefix = false;
  std::string_view severity;  // "critical", "major", "minor", "warning"
  std::string_view title;     // a few words, e.g. "Device not answering"
  std::string_view advice;    // what a person should check, one or two sentences
};

// Every family, in the order of docs/daemon.md. Static storage.
std::span<const AlarmKind> alarm_catalogue();

// The family of an alarm id: the exact entry, else the prefix entry that
// starts it; null for an id outside the catalogue.
const AlarmKind* find_alarm_kind(std::string_view id);

// What one cycle's checks say about one alarm. Severity and advice come from
// the catalogue by `id`.
struct AlarmCheck {
  std::string id;
  bool active = false;
  std::string message;
};

// What the daemon knows about its source this cycle.
struct SourceInfo {
  // The source meters samples as a Power Box delivers them (the simulator's
  // waveform mode stands in for one); a source of meters' readings does not.
  bool samples = false;
  // Why it delivered nothing this cycle, when it did not (may be empty).
  std::string error;
};

// The checks of one cycle. `snap` is null when the source delivered nothing:
//  - no-measurements: the source delivered no measurement ("no samples from
//    the Power Box" for a source of samples);
//  - overcurrent-Lx: a grid phase above the main breaker's rating;
//  - voltage-Lx: a phase voltage outside 230 V +-10 % (EN 50160) of the
//    topology's nominal;
//  - ct-overrange-INPUT: a CT input's current above its CT type's rating;
//  - device-NAME: a real device that has not answered for three polls;
//  - fail-safe: the energy manager holds the devices safe.
// Without a snapshot only no-measurements is judged.
std::vector<AlarmCheck> check_alarms(const snapshot::SiteSnapshot* snap,
                                     const model::Installation& installation,
                                     const SourceInfo& source = {});

// installation-invalid: raised while `error` (why the saved installation
// cannot run) is not empty; its first line goes into the message.
AlarmCheck installation_alarm(const std::string& error);

// module-ID for each Input and Output module of the installation: raised
// while none of its configured inputs or outputs is in the snapshot, but only
// once the source is known to read the B-bus, i.e. it has delivered values of
// a module of the installation, in this snapshot or an earlier one
// (docs/daemon.md, "When a module counts as not answering"). A source of
// meters, which reads no modules, raises none. Assign a new ModuleWatch when
// the installation, and with it the source, changes. Not thread-safe: the
// cycle's thread only.
class ModuleWatch {
 public:
  std::vector<AlarmCheck> check(const snapshot::SiteSnapshot& snap,
                                const model::Installation& installation);

 private:
  bool reads_bus_ = false;
};

class AlarmBook {
 public:
  struct Transition {
    bool raised = false;  // false: cleared
    snapshot::ActiveAlarm alarm;
  };
  // Applies the checks; returns what was raised or cleared. A raised alarm
  // takes its severity and advice from the catalogue (an id outside it is
  // raised as major without advice). An alarm whose message changes while
  // active stays the same alarm (its text follows). Alarms checked by none of
  // `checks` are left as they are.
  std::vector<Transition> apply(const std::vector<AlarmCheck>& checks, std::int64_t now_ms);
  std::vector<snapshot::ActiveAlarm> active() const;

 private:
  mutable std::mutex mutex_;
  std::vector<snapshot::ActiveAlarm> active_;
};

// The text of a raise or clear event: "raised major: MESSAGE. Check: ADVICE"
// or "cleared: MESSAGE".
std::string alarm_event_text(const AlarmBook::Transition& transition);

}  // namespace kirchhoff::daemon
