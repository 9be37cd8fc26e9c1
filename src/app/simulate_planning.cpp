#include "app/simulate_planning.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

#include "control/controllers.hpp"
#include "control/site_input.hpp"
#include "planner/outlook.hpp"
#include "sim/control_adapter.hpp"

namespace kirchhoff::app {

namespace {

constexpr int kSlotS = 900;

// The simulator's site defaults (location, orientation) where the file
// gives none, as the simulator itself uses them.
forecast::PvArray pv_array(const model::Installation& installation, const sim::SiteSimulator& site,
                           const sim::SiteOptions& options) {
  model::Installation with_defaults = installation;
  with_defaults.site.latitude_deg = installation.site.latitude_deg.value_or(options.latitude_deg);
  with_defaults.site.longitude_deg =
      installation.site.longitude_deg.value_or(options.longitude_deg);
  forecast::PvArray array =
      planner::pv_array(with_defaults, site.pv_peak_w(), site.inverter_rated_w());
  bool oriented = false;
  for (const model::Load& load : installation.loads) {
    if (load.kind == model::LoadKind::kSolar) {
      oriented = true;
      array.panel.tilt_deg = load.tilt_deg.value_or(options.panel.tilt_deg);
      array.panel.azimuth_deg = load.azimuth_deg.value_or(options.panel.azimuth_deg);
      break;
    }
  }
  if (!oriented) {
    array.panel = options.panel;
  }
  return array;
}

// The energy a car needs between two instants, in the plan's slots.
planner::EnergyNeed need_between(std::int64_t start_unix_s, std::size_t slots, double from_s,
                                 double to_s) {
  const double start = static_cast<double>(start_unix_s);
  const double end = start + static_cast<double>(slots) * kSlotS;
  from_s = std::max(from_s, start);
  to_s = std::min(to_s, end);
  return planner::energy_need_between(start, kSlotS, from_s, to_s);
}

// A session running past the run's end needs in the run only what the time
// after it cannot give at full power.
double need_in_run(const RecordedSession& s, double run_end_s) {
  const double after_h =
      std::max(0.0, static_cast<double>(s.departure_unix_s) - run_end_s) / 3600.0;
  return std::max(0.0, s.need_wh - s.max_w * after_h);
}

}  // namespace

bool SlotMeans::add(const sim::SiteState& state) {
  if (slot_start_ < 0) {
    slot_start_ = state.unix_s - state.unix_s % kSlotS;
  }
  seconds_ += 1.0;
  load_ws_ += state.consumption_w - state.ev_w;
  pv_ws_ += state.pv_w;
  return (state.unix_s + 1) % kSlotS == 0;
}

void SlotMeans::reset() {
  slot_start_ = -1;
  seconds_ = load_ws_ = pv_ws_ = 0.0;
}

RunRecord record_run(const model::Installation& installation, const sim::SiteOptions& options,
                     std::int64_t steps) {
  RunRecord record;
  record.start_unix_s = options.start_unix_s - options.start_unix_s % kSlotS;
  sim::SiteSimulator site(installation, options);
  SlotMeans means;
  std::vector<bool> plugged(site.ev_charger_count(), false);
  for (std::int64_t i = 0; i < steps; ++i) {
    const sim::SiteState& state = site.step();
    for (std::size_t k = 0; k < site.ev_charger_count(); ++k) {
      const auto session = site.ev_charger(k)->session();
      if (session && !plugged[k]) {
        record.sessions.push_back({k, session->arrival_unix_s, session->departure_unix_s,
                                   session->need_wh, site.ev_charger(k)->max_power_w()});
      }
      plugged[k] = session.has_value();
    }
    if (means.add(state) || i + 1 == steps) {
      record.load_w.push_back(means.load_w());
      record.pv_w.push_back(means.pv_w());
      means.reset();
    }
  }
  return record;
}

PlanningRun::PlanningRun(const model::Installation& installation, const sim::SiteSimulator& site,
                         const sim::SiteOptions& options, std::optional<RunRecord> record)
    : installation_(installation),
      record_(std::move(record)),
      planner_(planner::SolveOptions{record_ ? 600.0 : 1.0}),
      pv_forecast_(pv_array(installation, site, options)) {}

void PlanningRun::before_cycle(control::ControlInput& input, double month_peak_w) {
  if (record_) {
    if (!plan_ && error_.empty()) {
      solve_whole_run(input);
    }
  } else {
    const std::int64_t now_s = input.now_ms / 1000;
    const std::int64_t slot = now_s - now_s % kSlotS;
    if (slot != planned_slot_) {
      planned_slot_ = slot;
      replan(input, month_peak_w);
    }
  }
  input.plan = plan_;
  if (!record_ && input.plan_slot() == nullptr) {
    ++fallbacks_;
  }
}

// At the start of quarter hour s the plan made during s-1 for the horizon
// from s takes over, and the plan for the horizon from s+1 is made beside the
// simulation (on the second core) from the state now, carried over the
// quarter hour as the plan in force expects it to go. A plan thus reaches the
// devices a quarter hour after the state it starts from, as a daemon whose
// solver needed that long would; the results do not depend on timing.
void PlanningRun::replan(control::ControlInput& input, double month_peak_w) {
  if (pending_.valid()) {
    planner::Plan plan = pending_.get();
    if (plan.ok) {
      plan_ = std::make_shared<const planner::Plan>(std::move(plan));
    }
    // A failed solve keeps the last plan while it still covers the time; the
    // rules run the site when none does.
  }
  Job job{input, month_peak_w, planned_slot_, std::move(observed_)};
  observed_.clear();
  job.input.plan = nullptr;
  input.plan = plan_;
  if (input.plan_slot() == nullptr) {
    // No plan for this quarter hour (the first, or after failures): make one now.
    planner::Plan plan = work(job);
    if (plan.ok) {
      plan_ = std::make_shared<const planner::Plan>(std::move(plan));
    }
    job.observed.clear();
    input.plan = plan_;
  }
  // The state at the next quarter hour's start, as the plan in force expects it.
  if (const planner::PlanSlot* slot = input.plan_slot()) {
    const auto index = static_cast<std::size_t>(slot - plan_->slots.data());
    const double soc_before = index > 0 ? plan_->slots[index - 1].soc_wh : plan_->battery.soc_wh;
    control::BatteryInput& b = job.input.battery;
    if (b.capacity_wh > 0.0) {
      const double soc_wh = b.soc_pct / 100.0 * b.capacity_wh + slot->soc_wh - soc_before;
      b.soc_pct = std::clamp(soc_wh / b.capacity_wh * 100.0, 0.0, 100.0);
    }
    for (std::size_t k = 0; k < job.input.evs.size() && k < slot->car_w.size(); ++k) {
      if (auto& session = job.input.evs[k].session;
          session && k < plan_->car_planned.size() && plan_->car_planned[k]) {
        session->delivered_wh += slot->car_w[k] * kSlotS / 3600.0;
      }
    }
  }
  job.start_unix_s = planned_slot_ + kSlotS;
  job.predicted = true;
  job.input.now_ms = job.start_unix_s * 1000;
  pending_ = std::async(std::launch::async,
                        [this, j = std::move(job)]() mutable { return work(std::move(j)); });
}

planner::Plan PlanningRun::work(Job job) {
  for (const auto& [start, load_w, pv_w] : job.observed) {
    const auto slot = static_cast<std::int64_t>(start);
    for (const auto& [at, forecast] : day_ahead_) {
      if (at == slot) {
        pv_error_.add(slot, forecast.first, pv_w);
        load_error_.add(slot, forecast.second, load_w);
        break;
      }
    }
    pv_forecast_.observe(slot, pv_w);
    load_forecast_.observe(slot, load_w);
  }
  const std::int64_t start = job.start_unix_s;
  const planner::Outlook outlook = planner::forecast_outlook(installation_.control.tariff, start,
                                                             load_forecast_, &pv_forecast_, clock_);
  // The day-ahead forecast of the day's quarter hours, made at local midnight.
  if (clock_.at(start).minute_of_day == 0) {
    day_ahead_.clear();
    for (std::size_t t = 0; t < std::min<std::size_t>(outlook.load_w.size(), 96); ++t) {
      day_ahead_.push_back(
          {start + static_cast<std::int64_t>(t) * kSlotS, {outlook.pv_w[t], outlook.load_w[t]}});
    }
  }
  const planner::PlanProblem problem =
      planner::site_problem(installation_, job.input, start, outlook, job.month_peak_w);
  planner::Plan plan = planner_.solve(problem);
  plan.predicted_start = job.predicted;
  return plan;
}

void PlanningRun::finish() {
  if (pending_.valid()) {
    pending_.get();
  }
}

void PlanningRun::solve_whole_run(const control::ControlInput& input) {
  const RunRecord& r = *record_;
  const model::TariffConfig& tariff = installation_.control.tariff;
  const std::size_t slots = r.load_w.size();
  planner::Outlook outlook;
  planner::fill_prices(tariff, r.start_unix_s, static_cast<int>(slots),
                       planner::prices_known_until(tariff, r.start_unix_s, clock_, true), clock_,
                       outlook);
  outlook.load_w = r.load_w;
  outlook.pv_w = r.pv_w;
  control::ControlInput now = input;
  for (auto& ev : now.evs) {
    ev.session.reset();  // the cars' needs come from the record below
  }
  planner::PlanProblem problem =
      planner::site_problem(installation_, now, r.start_unix_s, outlook, 0.0);
  problem.battery.terminal_value_per_kwh = 0.0;  // nothing is gained after the run
  for (const RecordedSession& s : r.sessions) {
    if (s.charger < problem.cars.size()) {
      planner::FlexibleDevice& car = problem.cars[s.charger];
      const control::EvInput& ev = input.evs[s.charger];
      car.max_w = std::min(ev.max_a, installation_.control.ev.max_a) * input.v_ln *
                  std::max(1, ev.wired_count());
      if (s.max_w > 0.0) {
        car.max_w = std::min(car.max_w, s.max_w);
      }
      planner::EnergyNeed need =
          need_between(r.start_unix_s, slots, static_cast<double>(s.arrival_unix_s),
                       static_cast<double>(s.departure_unix_s));
      need.need_wh = need.last_slot >= need.first_slot
                         ? need_in_run(s, static_cast<double>(r.start_unix_s) +
                                              static_cast<double>(slots) * kSlotS)
                         : 0.0;
      if (need.need_wh > 0.0) {
        car.needs.push_back(need);
      }
    }
  }
  planner::Plan plan = planner_.solve(problem);
  optimal_solve_ms_ = plan.solve_ms;
  if (!plan.ok) {
    error_ = plan.error;
    return;
  }
  optimal_objective_ = plan.objective;
  for (double wh : plan.car_unmet_wh) {
    optimal_unmet_wh_ += wh;
  }
  plan_ = std::make_shared<const planner::Plan>(std::move(plan));
}

void PlanningRun::after_step(const sim::SiteState& state) {
  if (record_ || !means_.add(state)) {
    return;
  }
  observed_.push_back(
      {static_cast<double>(means_.slot_start_unix_s()), means_.load_w(), means_.pv_w()});
  means_.reset();
}

nlohmann::json PlanningRun::report() const {
  nlohmann::json out;
  const planner::Planner::Stats s = planner_.stats();
  auto ms = [](double v) { return std::round(v * 1000.0) / 1000.0; };
  if (record_) {
    out["objective"] = std::round(optimal_objective_ * 100.0) / 100.0;
    out["solve_ms"] = ms(optimal_solve_ms_);
    out["slots"] = record_->load_w.size();
    out["ev_unmet_kwh"] = std::round(optimal_unmet_wh_) / 1000.0;
    return out;
  }
  out["replans"] = s.solves;
  out["failed_solves"] = s.failures;
  out["solve_ms_median"] = ms(s.median_ms);
  out["solve_ms_worst"] = ms(s.worst_ms);
  out["rules_fallback_s"] = fallbacks_;
  out["forecast"] = {{"pv_mae_w", std::round(pv_error_.mean_mae_w())},
                     {"load_mae_w", std::round(load_error_.mean_mae_w())},
                     {"days", pv_error_.days().size()}};
  return out;
}

}  // namespace kirchhoff::app
