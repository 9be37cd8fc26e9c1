// Key figures of a simulated period: energy through the grid connection,
// production, consumption, battery use, self-consumption, the 15-minute peak
// that capacity tariffs bill, cost, breaker overload and EV service.
//
// Definitions (all energies in kWh):
//   import/export: the net of all phases each second (as DSMR meters count);
//   self_consumption_pct = (production - export) / production * 100;
//   self_sufficiency_pct = (consumption - import) / consumption * 100;
//   peak_import_kw_15min = the largest mean grid import over a quarter hour
//     aligned on the clock (:00, :15, :30, :45);
//   fuse_overload_s = seconds in which a phase carried more than the main
//     breaker's rating (the thermal trip model comes with the energy manager);
//   balance_error_pct = (import - export + production + discharge - charge
//     - consumption) / consumption * 100, which the physics keeps at zero.
// Sums are compensated (Neumaier) so a year of seconds adds up exactly.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

#include "common/compensated_sum.hpp"
#include "model/installation.hpp"
#include "sim/site.hpp"

namespace kirchhoff::sim {

struct Tariff {
  double import_per_kwh = 0.30;  // EUR
  double export_per_kwh = 0.05;
};

using common::CompensatedSum;

class KpiAccumulator {
 public:
  KpiAccumulator(const model::Installation& installation, Tariff tariff);

  // Adds one step of `dt_s` seconds.
  void add(const SiteState& state, double dt_s);

  // The figures so far; the EV figures come from the charger's own counters.
  nlohmann::json report(SiteSimulator& site) const;

 private:
  struct LoadEnergy {
    CompensatedSum import_wh;
    CompensatedSum export_wh;
  };
  const model::Installation& installation_;
  Tariff tariff_;
  double seconds_ = 0.0;
  CompensatedSum import_wh_, export_wh_, production_wh_, consumption_wh_;
  CompensatedSum charge_wh_, discharge_wh_;
  std::vector<LoadEnergy> loads_;
  std::int64_t quarter_ = -1;
  CompensatedSum quarter_wh_;
  double quarter_seconds_ = 0.0;
  double peak_quarter_w_ = 0.0;
  double fuse_overload_s_ = 0.0;
  double max_export_w_ = 0.0;
  double max_phase_current_a_ = 0.0;
  int battery_direction_ = 0;
  std::int64_t battery_sign_changes_ = 0;
};

}  // namespace kirchhoff::sim
