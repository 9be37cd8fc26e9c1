#include "sim/kpi.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>

namespace kirchhoff::sim {

namespace {

// Rounds to a decimal step (0.001, 0.01, 0.1); dividing by the integer 1/step
// gives the double nearest the decimal, so JSON prints "11.075", not
// "11.075000000000001".
double round_to(double value, double step) {
  const double per_unit = std::round(1.0 / step);
  return std::round(value * per_unit) / per_unit;
}

// Days of a LocalClock month key (year * 12 + 0-based month).
int days_in_month(int month_key) {
  return common::days_in_month(month_key / 12, month_key % 12 + 1);
}

}  // namespace

KpiAccumulator::KpiAccumulator(const model::Installation& installation)
    : installation_(installation),
      breaker_(installation.site.main_breaker_a,
               installation.control.breaker_curve == model::BreakerCurve::kB ? TripCurve::kB
                                                                             : TripCurve::kC),
      loads_(installation.loads.size()) {}

double KpiAccumulator::month_peak_w() const {
  const auto it = months_.find(month_key_);
  return it == months_.end() ? 0.0 : it->second.peak_w;
}

void KpiAccumulator::set_export_limit_w(double limit_w) { export_limit_w_ = limit_w; }

void KpiAccumulator::add(const SiteState& s, double dt_s) {
  const double hours = dt_s / 3600.0;
  seconds_ += dt_s;
  const common::LocalClock::Local local = clock_.at(s.unix_s);
  const int minute = local.minute_of_day;
  const auto& tariff = installation_.control.tariff;
  if (local.month_key != month_key_) {  // a map lookup once a month, not each second
    if (month_key_ >= 0) {
      months_[month_key_].seconds += month_seconds_;
    }
    month_key_ = local.month_key;
    month_seconds_ = 0.0;
  }
  month_seconds_ += dt_s;
  if (s.grid_w >= 0.0) {
    import_wh_.add(s.grid_w * hours);
    cost_energy_.add(s.grid_w * hours / 1000.0 * tariff.import_price_at(s.unix_s, minute));
  } else {
    export_wh_.add(-s.grid_w * hours);
    cost_energy_.add(s.grid_w * hours / 1000.0 * tariff.export_price_at(s.unix_s, minute));
    max_export_w_ = std::max(max_export_w_, -s.grid_w);
    if (export_limit_w_ >= 0.0 && -s.grid_w > export_limit_w_) {
      export_above_limit_s_ += dt_s;
    }
  }
  if (breaker_.step(s.grid_phase_a, dt_s)) {
    ++breaker_trips_;
  }
  if (!first_) {
    relay_switches_ += std::popcount(s.relays_energised ^ relays_);
  }
  relays_ = s.relays_energised;
  first_ = false;
  production_wh_.add(s.pv_w * hours);
  consumption_wh_.add(s.consumption_w * hours);
  if (s.battery_w >= 0.0) {
    discharge_wh_.add(s.battery_w * hours);
  } else {
    charge_wh_.add(-s.battery_w * hours);
  }
  // A change between charging and discharging, ignoring idle (|P| < 50 W).
  const int direction = s.battery_w > 50.0 ? 1 : (s.battery_w < -50.0 ? -1 : 0);
  if (direction != 0) {
    if (battery_direction_ != 0 && direction != battery_direction_) {
      ++battery_sign_changes_;
    }
    battery_direction_ = direction;
  }
  for (std::size_t i = 0; i < loads_.size(); ++i) {
    const double p = s.loads[i].total_w();
    (p >= 0.0 ? loads_[i].import_wh : loads_[i].export_wh).add(std::abs(p) * hours);
  }
  const std::int64_t quarter = s.unix_s / 900;
  if (quarter != quarter_) {
    if (quarter_seconds_ > 0.0) {
      const double mean_w = quarter_wh_.value() * 3600.0 / 900.0;
      peak_quarter_w_ = std::max(peak_quarter_w_, mean_w);
      Month& month = months_[quarter_month_];
      month.peak_w = std::max(month.peak_w, mean_w);
    }
    quarter_ = quarter;
    quarter_month_ = local.month_key;
    quarter_wh_ = CompensatedSum();
    quarter_seconds_ = 0.0;
  }
  quarter_wh_.add(s.grid_w * hours);
  quarter_seconds_ += dt_s;
  double worst_a = 0.0;
  for (double a : s.grid_phase_a) {
    worst_a = std::max(worst_a, std::abs(a));
  }
  max_phase_current_a_ = std::max(max_phase_current_a_, worst_a);
  if (worst_a > installation_.site.main_breaker_a) {
    fuse_overload_s_ += dt_s;
    overload_run_s_ += dt_s;
    overload_longest_s_ = std::max(overload_longest_s_, overload_run_s_);
  } else {
    overload_run_s_ = 0.0;
  }
}

nlohmann::json KpiAccumulator::report(SiteSimulator& site) const {
  using nlohmann::json;
  const double import_kwh = import_wh_.value() / 1000.0;
  const double export_kwh = export_wh_.value() / 1000.0;
  const double production_kwh = production_wh_.value() / 1000.0;
  const double consumption_kwh = consumption_wh_.value() / 1000.0;
  const double charge_kwh = charge_wh_.value() / 1000.0;
  const double discharge_kwh = discharge_wh_.value() / 1000.0;
  // A quarter still open at the end counts only when it is complete.
  double peak_w = peak_quarter_w_;
  if (quarter_seconds_ >= 900.0) {
    peak_w = std::max(peak_w, quarter_wh_.value() * 3600.0 / 900.0);
  }
  // Capacity term per month: the open quarter counts only when complete, as
  // for peak_import_kw_15min.
  std::map<int, Month> months = months_;
  if (month_key_ >= 0) {
    months[month_key_].seconds += month_seconds_;
  }
  if (quarter_seconds_ >= 900.0) {
    Month& month = months[quarter_month_];
    month.peak_w = std::max(month.peak_w, quarter_wh_.value() * 3600.0 / 900.0);
  }
  const auto& capacity = installation_.control.tariff.capacity;
  CompensatedSum cost_capacity;
  double capacity_peak_kw = 0.0;
  for (const auto& [key, month] : months) {
    double billed_kw = std::max(month.peak_w, 0.0) / 1000.0;
    if (capacity) {
      billed_kw = std::max(billed_kw, capacity->min_kw);
      const double share = month.seconds / (days_in_month(key) * 86400.0);
      cost_capacity.add(billed_kw * capacity->eur_per_kw_month * share);
    }
    capacity_peak_kw = std::max(capacity_peak_kw, billed_kw);
  }
  const double balance_kwh =
      import_kwh - export_kwh + production_kwh + discharge_kwh - charge_kwh - consumption_kwh;
  json out;
  out["seconds"] = seconds_;
  out["import_kwh"] = round_to(import_kwh, 1e-3);
  out["export_kwh"] = round_to(export_kwh, 1e-3);
  out["production_kwh"] = round_to(production_kwh, 1e-3);
  out["consumption_kwh"] = round_to(consumption_kwh, 1e-3);
  out["battery_charge_kwh"] = round_to(charge_kwh, 1e-3);
  out["battery_discharge_kwh"] = round_to(discharge_kwh, 1e-3);
  out["self_consumption_pct"] =
      production_kwh > 0 ? round_to((production_kwh - export_kwh) / production_kwh * 100, 0.01)
                         : 0.0;
  out["self_sufficiency_pct"] =
      consumption_kwh > 0 ? round_to((consumption_kwh - import_kwh) / consumption_kwh * 100, 0.01)
                          : 0.0;
  out["peak_import_kw_15min"] = round_to(std::max(peak_w, 0.0) / 1000.0, 1e-3);
  out["max_export_w"] = round_to(max_export_w_, 0.1);
  out["max_phase_current_a"] = round_to(max_phase_current_a_, 0.01);
  out["cost"] = round_to(cost_energy_.value() + cost_capacity.value(), 0.01);
  out["cost_energy"] = round_to(cost_energy_.value(), 0.01);
  out["cost_capacity"] = round_to(cost_capacity.value(), 0.01);
  out["capacity_peak_kw"] = round_to(capacity_peak_kw, 1e-3);
  out["currency"] = installation_.control.tariff.currency;
  out["fuse_overload_s"] = fuse_overload_s_;
  out["overload_longest_s"] = overload_longest_s_;
  out["breaker_trips"] = breaker_trips_;
  out["export_above_limit_s"] = export_above_limit_s_;
  out["relay_switches"] = relay_switches_;
  out["battery_sign_changes"] = battery_sign_changes_;
  double ev_wh = 0.0;
  double unmet_wh = 0.0;
  double unmet_feasible_wh = 0.0;
  int sessions = 0;
  int infeasible = 0;
  for (std::size_t k = 0; k < site.ev_charger_count(); ++k) {
    const SimEvCharger* ev = site.ev_charger(k);
    ev_wh += ev->delivered_wh();
    unmet_wh += ev->unmet_wh();
    unmet_feasible_wh += ev->unmet_feasible_wh();
    sessions += ev->sessions();
    infeasible += ev->infeasible_sessions();
  }
  out["ev_energy_kwh"] = round_to(ev_wh / 1000.0, 1e-3);
  out["ev_unmet_kwh"] = round_to(unmet_wh / 1000.0, 1e-3);
  out["ev_sessions"] = sessions;
  // Of the unmet energy, what sessions that could have been served in full
  // (need <= full power x stay) did not get.
  out["ev_unmet_feasible_kwh"] = round_to(unmet_feasible_wh / 1000.0, 1e-3);
  out["ev_sessions_infeasible"] = infeasible;
  out["balance_error_pct"] =
      consumption_kwh > 0 ? round_to(balance_kwh / consumption_kwh * 100, 1e-6) + 0.0 : 0.0;
  json loads = json::array();
  for (std::size_t i = 0; i < loads_.size(); ++i) {
    const auto& load = installation_.loads[i];
    loads.push_back({{"name", load.name},
                     {"kind", model::load_kind_name(load.kind)},
                     {"energy_import_kwh", round_to(loads_[i].import_wh.value() / 1000.0, 1e-3)},
                     {"energy_export_kwh", round_to(loads_[i].export_wh.value() / 1000.0, 1e-3)}});
  }
  out["loads"] = loads;
  json meters = json::array();
  for (const auto& meter : site.pulse_meters()) {
    meters.push_back({{"module", meter.module_id},
                      {"input", meter.input},
                      {"name", meter.name},
                      {"unit", meter.unit},
                      {"value", round_to(meter.value, 1e-3)},
                      {"pulses", meter.pulses}});
  }
  out["meters"] = meters;
  return out;
}

}  // namespace kirchhoff::sim
