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
//     breaker's rating; overload_longest_s = the longest run of consecutive
//     such seconds; breaker_trips = trips of the breaker's thermal-magnetic
//     model (sim/breaker.hpp) with the control section's curve;
//   cost_energy = import * import price - export * export price, each second
//     at the dynamic price (control.tariff.prices) when it covers the second,
//     else at the price of the tariff window in force (local time), else flat;
//   cost_capacity = per calendar month (local time): max(the month's highest
//     clock-aligned 15-minute mean import, min_kw) * eur_per_kw_month * the
//     share of the month covered (seconds / (days of the month * 86400));
//   cost = cost_energy + cost_capacity;
//   capacity_peak_kw = the highest monthly peak of the run as billed (at least
//     min_kw with a capacity tariff);
//   export_above_limit_s = seconds exporting more than the export limit;
//   ev_unmet_feasible_kwh = unmet energy of the sessions whose need fitted
//     in their stay at full power (ev_sessions_infeasible counts the others);
//   relay_switches = changes of state of the Output modules' relays;
//   balance_error_pct = (import - export + production + discharge - charge
//     - consumption) / consumption * 100, which the physics keeps at zero.
// Sums are compensated (Neumaier) so a year of seconds adds up exactly.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <vector>

#include "common/compensated_sum.hpp"
#include "common/time.hpp"
#include "model/installation.hpp"
#include "sim/breaker.hpp"
#include "sim/site.hpp"

namespace kirchhoff::sim {

using common::CompensatedSum;

class KpiAccumulator {
 public:
  explicit KpiAccumulator(const model::Installation& installation);

  // The export limit (W) to count seconds above; negative: none.
  void set_export_limit_w(double limit_w);

  // Adds one step of `dt_s` seconds.
  void add(const SiteState& state, double dt_s);

  // The figures so far; the EV figures come from the charger's own counters.
  nlohmann::json report(SiteSimulator& site) const;

  // The billing month's highest complete 15-minute mean import so far (W).
  double month_peak_w() const;

 private:
  struct LoadEnergy {
    CompensatedSum import_wh;
    CompensatedSum export_wh;
  };
  const model::Installation& installation_;
  common::LocalClock clock_;
  BreakerModel breaker_;
  double export_limit_w_ = -1.0;
  CompensatedSum cost_energy_;
  std::int64_t breaker_trips_ = 0;
  double export_above_limit_s_ = 0.0;
  std::int64_t relay_switches_ = 0;
  std::uint32_t relays_ = 0;
  bool first_ = true;
  double seconds_ = 0.0;
  CompensatedSum import_wh_, export_wh_, production_wh_, consumption_wh_;
  CompensatedSum charge_wh_, discharge_wh_;
  std::vector<LoadEnergy> loads_;
  struct Month {
    double peak_w = 0.0;   // highest complete quarter-hour mean import
    double seconds = 0.0;  // seconds of the run in the month
  };
  std::map<int, Month> months_;  // by LocalClock month key
  int month_key_ = -1;           // the month of the last second added
  double month_seconds_ = 0.0;   // its seconds not yet in months_
  int quarter_month_ = 0;        // the month in which the open quarter started
  double overload_run_s_ = 0.0;
  double overload_longest_s_ = 0.0;
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
