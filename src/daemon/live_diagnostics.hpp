// The installation diagnostics of a running daemon (docs/daemon.md,
// docs/diagnostics.md): GET /api/v1/diagnostics, which diagnoses the window
// of phasors on request, and the wiring alarms the control loop raises from
// the same window.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/auth_api.hpp"
#include "api/http_server.hpp"
#include "daemon/alarms.hpp"
#include "daemon/diagnostics_window.hpp"
#include "daemon/site_config.hpp"
#include "model/installation.hpp"
#include "snapshot/snapshot.hpp"

namespace kirchhoff::daemon {

// The body of GET /api/v1/diagnostics: the diagnosis of `mean` under
// `installation` (whose file text is `yaml`) as diagnostics::to_json, with
// "available", "window_s", "installation" (the corrected file, null when
// nothing needs fixing), "installation_error" when it cannot be written,
// "voltages" and per input "live" (I, P, Q, PF of that input and V_LN, V_LL
// of its configured phase from `latest`, which may be null; the angle from
// the diagnosis). Without samples, without measurements, or with a window
// measured with another channel layout: {"available": false, "why",
// "window_s"}. Pure.
nlohmann::json diagnostics_response(const model::Installation& installation,
                                    const std::string& yaml, const DiagnosticsWindow::Mean& mean,
                                    const snapshot::SiteSnapshot* latest);

// GET /api/v1/diagnostics (installer). `site`, `window` and `latest` must
// outlive the router; `latest` is called on the HTTP thread.
void add_diagnostics_routes(api::Router& router, api::AuthApi& auth, const SiteConfig& site,
                            const DiagnosticsWindow& window,
                            std::function<std::shared_ptr<const snapshot::SiteSnapshot>()> latest);

// The wiring alarms: every `kEveryS` seconds of measurement, once the window
// holds `kMinWindowS`, diagnoses it and says for each CT input whose verdict
// changes the installation file (diagnostics::is_wiring_fix) that
// `wiring-<input>` is active (major in the alarm catalogue), for the others that it is not; inputs
// no longer diagnosed (another installation) are cleared. Not thread-safe:
// the control loop's.
class WiringAlarms {
 public:
  static constexpr double kEveryS = 10.0;
  static constexpr double kMinWindowS = 60.0;

  // The installation changed: diagnose at the next check when the window is
  // kept; when it was cleared (another layout), clear every wiring alarm.
  void installation_changed(bool window_kept);

  // The checks of this cycle (none when it is not time).
  std::vector<AlarmCheck> check(const DiagnosticsWindow& window,
                                const model::Installation& installation);

 private:
  double last_check_measured_s_ = 0.0;
  bool due_ = false;
  bool clear_all_ = false;
  std::set<std::string> raised_;  // ids said active at the last check
};

}  // namespace kirchhoff::daemon
