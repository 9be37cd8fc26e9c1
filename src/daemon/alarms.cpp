#include "daemon/alarms.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/text.hpp"

namespace kirchhoff::daemon {

std::vector<AlarmCheck> check_alarms(const snapshot::SiteSnapshot* snap,
                                     const model::Installation& installation) {
  std::vector<AlarmCheck> out;
  out.push_back({"no-measurements", snap == nullptr, "major",
                 "no measurement from the source this cycle: live values are stale"});
  if (snap == nullptr) {
    return out;  // the rest cannot be judged without measurements
  }
  const auto& topo = model::topology_info(installation.site.topology);
  const double rating = installation.site.main_breaker_a;
  std::array<double, 3> grid_a{};
  std::array<bool, 3> measured{};
  for (const auto& load : snap->loads) {
    if (load.kind != model::LoadKind::kGrid) {
      continue;
    }
    for (const auto& ph : load.phases) {
      const int p = static_cast<int>(ph.phase);
      grid_a[p] += ph.i_a;
      measured[p] = true;
    }
  }
  for (int p = 0; p < 3; ++p) {
    const std::string phase = "L" + std::to_string(p + 1);
    const bool over = measured[p] && grid_a[p] > rating;
    out.push_back({"overcurrent-" + phase, over, "major",
                   phase + " at " + common::fixed_number(grid_a[p], 1) + " A, above the " +
                       common::fixed_number(rating, 1) + " A main breaker"});
  }
  const double nominal = topo.v_ln_nominal;
  for (const auto& v : snap->voltages) {
    const std::string phase = "L" + std::to_string(static_cast<int>(v.phase) + 1);
    const bool outside = v.v_ln > 0.0 && std::abs(v.v_ln - nominal) > 0.1 * nominal;
    out.push_back({"voltage-" + phase, outside, "minor",
                   phase + " at " + common::fixed_number(v.v_ln, 1) + " V, outside " +
                       common::fixed_number(0.9 * nominal, 1) + "-" +
                       common::fixed_number(1.1 * nominal, 1) + " V (EN 50160)"});
  }
  std::string fail_safe;
  for (const auto& d : snap->control) {
    if (d.alarm) {
      fail_safe = d.reason;
    }
  }
  out.push_back({"fail-safe", !fail_safe.empty(), "critical",
                 fail_safe.empty() ? "the energy manager holds the devices in their safe state"
                                   : "energy manager: " + fail_safe});
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
      active_.push_back({check.id, check.severity, check.message, now_ms});
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

}  // namespace kirchhoff::daemon
