// Alarms: conditions a person should know about, raised and cleared by the
// daemon each cycle, with the severities of the Huawei EMMA manual
// (critical, major, minor, warning). Each raise and clear is an event of kind
// "alarm"; the ones in force travel with every snapshot (`alarms`) and are
// served by GET /api/v1/alarms. AlarmBook is thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "model/installation.hpp"
#include "snapshot/snapshot.hpp"

namespace kirchhoff::daemon {

// What one cycle's checks say about one alarm.
struct AlarmCheck {
  std::string id;
  bool active = false;
  std::string severity;  // "critical", "major", "minor", "warning"
  std::string message;
};

// The checks of one cycle. `snap` is null when the source delivered nothing:
//  - no-measurements (major): the source delivered no measurement;
//  - overcurrent-Lx (major): a grid phase above the main breaker's rating;
//  - voltage-Lx (minor): a phase voltage outside 230 V +-10 % (EN 50160) of
//    the topology's nominal;
//  - fail-safe (critical): the energy manager holds the devices safe.
std::vector<AlarmCheck> check_alarms(const snapshot::SiteSnapshot* snap,
                                     const model::Installation& installation);

class AlarmBook {
 public:
  struct Transition {
    bool raised = false;  // false: cleared
    snapshot::ActiveAlarm alarm;
  };
  // Applies the checks; returns what was raised or cleared. An alarm whose
  // message changes while active stays the same alarm (its text follows).
  // Alarms checked by none of `checks` are left as they are.
  std::vector<Transition> apply(const std::vector<AlarmCheck>& checks, std::int64_t now_ms);
  std::vector<snapshot::ActiveAlarm> active() const;

 private:
  mutable std::mutex mutex_;
  std::vector<snapshot::ActiveAlarm> active_;
};

}  // namespace kirchhoff::daemon
