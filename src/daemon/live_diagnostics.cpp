#include "daemon/live_diagnostics.hpp"

#include <algorithm>
#include <cmath>

#include "common/json_text.hpp"
#include "diagnostics/diagnose.hpp"

namespace kirchhoff::daemon {

namespace {

using nlohmann::json;

double round_to(double value, double per_unit) { return std::round(value * per_unit) / per_unit; }

std::string phase_text(model::Phase phase, bool reversed) {
  return std::string(model::phase_name(phase)) + (reversed ? " reversed" : "");
}

AlarmCheck wiring_check(const diagnostics::InputDiagnosis& d) {
  const std::string input = d.input.to_string();
  AlarmCheck check{"wiring-" + input, diagnostics::is_wiring_fix(d.verdict), ""};
  const std::string configured = phase_text(d.configured_phase, d.configured_reversed);
  const std::string verdict(diagnostics::verdict_name(d.verdict));
  if (check.active && d.detected_phase) {
    check.message = "CT " + input + " of load '" + d.load + "' measures " +
                    phase_text(*d.detected_phase, d.reversed) + ", configured " + configured +
                    " (" + verdict + ")" + (d.fixable ? "" : ": " + d.why);
  } else {
    check.message =
        "CT " + input + " of load '" + d.load + "' (configured " + configured + "): " + verdict;
  }
  return check;
}

json unavailable(const std::string& why) {
  return {{"available", false}, {"why", why}, {"window_s", 0.0}};
}

const snapshot::VoltageValues* voltage_of(const snapshot::SiteSnapshot* latest,
                                          model::Phase phase) {
  if (latest == nullptr) {
    return nullptr;
  }
  for (const auto& v : latest->voltages) {
    if (v.phase == phase) {
      return &v;
    }
  }
  return nullptr;
}

const snapshot::PhaseValues* input_values(const snapshot::SiteSnapshot* latest,
                                          const std::string& load, const std::string& input) {
  if (latest == nullptr) {
    return nullptr;
  }
  for (const auto& l : latest->loads) {
    if (l.name != load) {
      continue;
    }
    for (const auto& p : l.phases) {
      if (p.input == input) {
        return &p;
      }
    }
  }
  return nullptr;
}

// The manual's validation table for one CT: what the latest snapshot says
// of its input (null where it says nothing), the angle the diagnosis found.
json live_values(const diagnostics::InputDiagnosis& d, const snapshot::SiteSnapshot* latest) {
  json live = {{"i_a", nullptr},       {"p_w", nullptr},  {"q_var", nullptr}, {"pf", nullptr},
               {"angle_deg", nullptr}, {"v_ln", nullptr}, {"v_ll", nullptr}};
  if (d.verdict != diagnostics::Verdict::kNoCurrent) {
    live["angle_deg"] = round_to(d.evidence.angle_deg, 10);  // without current, no angle
  }
  if (const auto* p = input_values(latest, d.load, d.input.to_string())) {
    live["i_a"] = round_to(p->i_a, 1000);
    live["p_w"] = round_to(p->p_w, 10);
    live["q_var"] = round_to(p->q_var, 10);
    live["pf"] = round_to(p->pf, 1000);
  }
  if (const auto* v = voltage_of(latest, d.configured_phase)) {
    live["v_ln"] = round_to(v->v_ln, 10);
    live["v_ll"] = round_to(v->v_ll, 10);
  }
  return live;
}

}  // namespace

json diagnostics_response(const model::Installation& installation, const std::string& yaml,
                          const DiagnosticsWindow::Mean& mean,
                          const snapshot::SiteSnapshot* latest) {
  if (!mean.has_samples) {
    return unavailable(
        "this source delivers no samples (the simulator's power mode, or devices that report "
        "powers): the diagnostics need the waveforms of every CT and voltage");
  }
  if (mean.phasors.seconds <= 0.0) {
    return unavailable("no whole second measured yet");
  }
  if (mean.layout_key != phasor_layout_key(installation)) {
    return unavailable(
        "the installation was just changed: its measurements start with the next cycle");
  }
  const diagnostics::Diagnosis diagnosis = diagnostics::diagnose(installation, mean.phasors);
  json out = diagnostics::to_json(diagnosis);
  out["available"] = true;
  out["window_s"] = round_to(mean.phasors.seconds, 10);
  out["installation"] = nullptr;
  if (diagnosis.fixes() > 0) {
    auto corrected = diagnostics::corrected_installation(yaml, installation, diagnosis);
    if (corrected) {
      out["installation"] = *corrected;
    } else {
      out["installation_error"] = corrected.error().message;
    }
  }
  json& inputs = out["inputs"];
  if (inputs.is_array() && inputs.size() == diagnosis.inputs.size()) {
    for (std::size_t k = 0; k < diagnosis.inputs.size(); ++k) {
      inputs[k]["live"] = live_values(diagnosis.inputs[k], latest);
    }
  }
  json voltages = json::object();
  if (latest != nullptr) {
    for (const auto& v : latest->voltages) {
      voltages[std::string(model::phase_name(v.phase))] = {{"v_ln", round_to(v.v_ln, 10)},
                                                           {"v_ll", round_to(v.v_ll, 10)}};
    }
  }
  out["voltages"] = std::move(voltages);
  return out;
}

void add_diagnostics_routes(api::Router& router, api::AuthApi& auth, const SiteConfig& site,
                            const DiagnosticsWindow& window,
                            std::function<std::shared_ptr<const snapshot::SiteSnapshot>()> latest) {
  router.add("GET", "/api/v1/diagnostics",
             auth.guarded(auth::Role::kInstaller, false,
                          [&site, &window, latest = std::move(latest)](const api::HttpRequest&,
                                                                       const auth::Session&) {
                            // The file's text and its installation as one pair: a PUT
                            // in between makes the two pointers differ, then ask again.
                            auto inst = site.installation();
                            std::string yaml = site.yaml();
                            for (auto again = site.installation(); again != inst;
                                 again = site.installation()) {
                              inst = again;
                              yaml = site.yaml();
                            }
                            const auto snap = latest();
                            return api::json_body(200,
                                                  common::json_text(diagnostics_response(
                                                      *inst, yaml, window.mean(), snap.get())));
                          }));
}

void WiringAlarms::installation_changed(bool window_kept) {
  due_ = true;
  clear_all_ = clear_all_ || !window_kept;
}

std::vector<AlarmCheck> WiringAlarms::check(const DiagnosticsWindow& window,
                                            const model::Installation& installation) {
  std::vector<AlarmCheck> checks;
  if (clear_all_) {
    for (const auto& id : raised_) {
      checks.push_back({id, false, "wiring alarm of another installation"});
    }
    raised_.clear();
    clear_all_ = false;
  }
  const double measured = window.measured_s();
  if (!due_ && measured - last_check_measured_s_ < kEveryS) {
    return checks;
  }
  if (window.seconds() < kMinWindowS) {
    return checks;  // not enough evidence yet (a due check stays due)
  }
  const DiagnosticsWindow::Mean mean = window.mean();
  if (mean.layout_key != phasor_layout_key(installation)) {
    return checks;
  }
  last_check_measured_s_ = measured;
  due_ = false;
  const diagnostics::Diagnosis diagnosis = diagnostics::diagnose(installation, mean.phasors);
  std::set<std::string> raised;
  for (const auto& d : diagnosis.inputs) {
    checks.push_back(wiring_check(d));
    if (checks.back().active) {
      raised.insert(checks.back().id);
    }
  }
  for (const auto& id : raised_) {
    const bool still_diagnosed =
        std::any_of(diagnosis.inputs.begin(), diagnosis.inputs.end(),
                    [&](const auto& d) { return "wiring-" + d.input.to_string() == id; });
    if (!still_diagnosed) {
      checks.push_back({id, false, "no longer a CT input of the installation"});
    }
  }
  raised_ = std::move(raised);
  return checks;
}

}  // namespace kirchhoff::daemon
