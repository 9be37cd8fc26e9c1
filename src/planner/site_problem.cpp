#include "planner/site_problem.hpp"

#include <algorithm>
#include <cmath>

#include "control/controllers.hpp"

namespace kirchhoff::planner {

EnergyNeed energy_need_between(double start_s, double slot_s, double from_s, double to_s) {
  EnergyNeed need;
  need.first_slot = static_cast<int>(std::floor((from_s - start_s) / slot_s));
  need.last_slot = static_cast<int>(std::ceil((to_s - start_s) / slot_s)) - 1;
  need.first_fraction = 1.0 - ((from_s - start_s) / slot_s - need.first_slot);
  need.last_fraction = (to_s - start_s) / slot_s - need.last_slot;
  return need;
}

PlanProblem site_problem(const model::Installation& installation, const control::ControlInput& now,
                         std::int64_t start_unix_s, const Outlook& outlook, double month_peak_w,
                         const PlanningSettings& settings) {
  const model::ControlConfig& config = installation.control;
  PlanProblem p;
  p.start_unix_s = start_unix_s;
  const std::size_t n = outlook.load_w.size();
  const double slot_s = p.slot_s;
  p.slots.resize(n);
  double price_sum = 0.0;
  for (std::size_t t = 0; t < n; ++t) {
    p.slots[t] = {outlook.load_w[t], outlook.pv_w[t], outlook.import_price[t],
                  outlook.export_price[t], outlook.month[t]};
    price_sum += outlook.import_price[t];
  }
  const double mean_price = n > 0 ? price_sum / static_cast<double>(n) : 0.0;
  const double eta = std::sqrt(settings.round_trip_efficiency);
  const control::BatteryInput& b = now.battery;
  if (b.present && b.responding && b.capacity_wh > 0.0) {
    p.battery.present = true;
    p.battery.capacity_wh = b.capacity_wh;
    p.battery.soc_wh = b.soc_pct / 100.0 * b.capacity_wh;
    p.battery.min_wh = b.soc_min_pct / 100.0 * b.capacity_wh;
    p.battery.max_wh = b.soc_max_pct / 100.0 * b.capacity_wh;
    p.battery.max_charge_w = b.max_charge_w;
    p.battery.max_discharge_w = b.max_discharge_w;
    p.battery.charge_efficiency = eta;
    p.battery.discharge_efficiency = eta;
    p.battery.wear_per_kwh = settings.wear_per_kwh;
    p.battery.terminal_value_per_kwh =
        std::max(0.0, settings.terminal_share * mean_price * eta - settings.wear_per_kwh);
  }
  const double horizon_end = static_cast<double>(start_unix_s) + static_cast<double>(n) * slot_s;
  const double now_s = static_cast<double>(now.now_ms) / 1000.0;
  for (const control::EvInput& ev : now.evs) {
    FlexibleDevice car{ev.name, 0.0, {}};
    if (control::planned_car(config, ev)) {
      const control::EvSession& s = *ev.session;
      car.max_w = std::min(ev.max_a, config.ev.max_a) * now.v_ln * std::max(1, ev.wired_count());
      if (s.max_w > 0.0) {
        car.max_w = std::min(car.max_w, s.max_w);
      }
      const double start = static_cast<double>(start_unix_s);
      const double from = std::max(now_s, start);
      // The plan aims to be done a margin before the departure (when the
      // stay allows it): a quarter hour held back by a higher controller
      // then still has time to be made up.
      const double departure = static_cast<double>(s.departure_unix_s);
      const double margin_s = std::min(settings.deadline_margin_s, (departure - from) / 4.0);
      const double to = std::min(departure - std::max(0.0, margin_s), horizon_end);
      if (to > from && car.max_w > 0.0) {
        EnergyNeed need = energy_need_between(start, slot_s, from, to);
        // A departure after the horizon: the horizon must do what the time
        // after it cannot, at full power.
        const double after_h =
            std::max(0.0, departure - std::max(0.0, margin_s) - horizon_end) / 3600.0;
        need.need_wh = std::max(0.0, s.remaining_wh() - car.max_w * after_h);
        if (need.need_wh > 0.0) {
          car.needs.push_back(need);
        }
      }
    }
    p.cars.push_back(std::move(car));
  }
  const double breaker_w =
      now.main_breaker_a * now.v_ln * std::max(1, now.phase_count) * settings.breaker_use;
  p.import_max_w = breaker_w;
  // A peak limit (peak shaving, docs/control.md) holds the 15-minute import
  // under it, or under the month's peak when that is already higher.
  if (config.grid.peak_limit_kw) {
    p.import_max_w = std::min(
        p.import_max_w,
        std::max(settings.peak_limit_use * *config.grid.peak_limit_kw * 1000.0, month_peak_w));
  }
  const double export_limit = control::ExportLimitation::limit_w(config, now.inverter.panel_peak_w);
  p.export_max_w = export_limit >= 0.0 ? export_limit : 1e9;
  if (config.tariff.capacity) {
    p.capacity_per_kw_month = config.tariff.capacity->eur_per_kw_month;
    p.capacity_min_w = config.tariff.capacity->min_kw * 1000.0;
    p.capacity_billed_w = month_peak_w;
  }
  return p;
}

}  // namespace kirchhoff::planner
