#include "metering/meter_json.hpp"

#include <cmath>

namespace kirchhoff::metering {

namespace {

// Enough digits for 0.01 % of any value a site produces, none of float noise.
double round_to(double value, double per_unit) { return std::round(value * per_unit) / per_unit; }

}  // namespace

nlohmann::json to_json(const MeterResults& r) {
  using nlohmann::json;
  json out;
  out["frequency_hz"] = round_to(r.frequency_hz, 1e5);
  out["cycles"] = r.cycles;
  out["seconds"] = round_to(r.seconds, 1e6);
  json voltages = json::object();
  for (const auto& v : r.voltages) {
    voltages[std::string(model::phase_name(v.phase))] = {{"v_ln", round_to(v.v_ln, 1e3)},
                                                         {"v_ll", round_to(v.v_ll, 1e3)}};
  }
  out["voltages"] = voltages;
  json loads = json::array();
  for (const auto& l : r.loads) {
    json phases = json::array();
    for (const auto& p : l.phases) {
      phases.push_back({{"phase", model::phase_name(p.phase)},
                        {"input", p.input},
                        {"p_w", round_to(p.p_w, 1e3)},
                        {"q_var", round_to(p.q_var, 1e3)},
                        {"s_va", round_to(p.s_va, 1e3)},
                        {"pf", round_to(p.pf, 1e5)},
                        {"i_a", round_to(p.i_a, 1e5)},
                        {"thd_i", round_to(p.thd_i, 1e5)}});
    }
    loads.push_back({{"name", l.name},
                     {"kind", model::load_kind_name(l.kind)},
                     {"p_w", round_to(l.p_w, 1e3)},
                     {"q_var", round_to(l.q_var, 1e3)},
                     {"s_va", round_to(l.s_va, 1e3)},
                     {"pf", round_to(l.pf, 1e5)},
                     {"energy_import_wh", round_to(l.energy_import_wh, 1e6)},
                     {"energy_export_wh", round_to(l.energy_export_wh, 1e6)},
                     {"energy_import_varh", round_to(l.energy_import_varh, 1e6)},
                     {"energy_export_varh", round_to(l.energy_export_varh, 1e6)},
                     {"phases", phases}});
  }
  out["loads"] = loads;
  return out;
}

}  // namespace kirchhoff::metering
