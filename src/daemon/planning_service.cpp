#include "daemon/planning_service.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "control/controllers.hpp"
#include "planner/outlook.hpp"

namespace kirchhoff::daemon {

namespace {

constexpr int kSlotS = 900;
constexpr std::size_t kActualSlots = 96;  // a day of measured quarter hours for the chart
constexpr std::size_t kReportedDays = 7;  // forecast errors in GET /api/v1/plan
constexpr double kSolveLimitS = 5.0;      // later than this is a failed solve

std::string iso(std::int64_t unix_s) { return common::format_utc_time(unix_s * 1000); }

double rounded(double v, double step) { return std::round(v / step) * step + 0.0; }

}  // namespace

PlanningService::PlanningService(const model::Installation& installation)
    : installation_(installation),
      planner_(planner::SolveOptions{kSolveLimitS}),
      thread_([this] { run(); }) {}

PlanningService::~PlanningService() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::size_t PlanningService::seed_from_history(store::Store& history, std::int64_t now_unix_s,
                                               int days) {
  const std::int64_t to_ms = (now_unix_s - now_unix_s % kSlotS) * 1000;
  const std::int64_t from_ms = to_ms - std::int64_t{days} * 86'400'000;
  // Per quarter hour: the household's power and the PV's.
  std::map<std::int64_t, std::array<double, 2>> slots;
  for (const model::Load& load : installation_.loads) {
    double to_household = 0.0;
    bool pv = false;
    switch (load.kind) {
      case model::LoadKind::kGrid:
        to_household = 1.0;
        break;
      case model::LoadKind::kSolar:
        to_household = 1.0;
        pv = true;
        break;
      case model::LoadKind::kBattery:
        to_household = 1.0;
        break;
      case model::LoadKind::kEv:
        to_household = -1.0;
        break;
      default:
        continue;  // consumers are inside the grid's balance already
    }
    auto buckets =
        history.read_rollup("load/" + load.name + "/p_w", store::kLevel15m, from_ms, to_ms);
    if (!buckets) {
      continue;
    }
    for (const store::Bucket& b : *buckets) {
      auto& slot = slots[b.start_ms / 1000];
      slot[0] += to_household * b.mean;
      slot[1] += pv ? b.mean : 0.0;
    }
  }
  for (const auto& [start, values] : slots) {
    pending_observed_.push_back(
        {static_cast<double>(start), std::max(0.0, values[0]), std::max(0.0, values[1])});
  }
  return slots.size();
}

void PlanningService::set_installation(const model::Installation& installation) {
  last_sessions_.clear();
  std::lock_guard lock(mutex_);
  installation_ = installation;
  reset_pv_ = true;
  outcome_ = Outcome{};
}

bool PlanningService::sessions_changed(const control::ControlInput& input) {
  std::vector<std::pair<std::int64_t, double>> now;
  for (const auto& ev : input.evs) {
    const bool planned = control::planned_car(installation_.control, ev);
    now.emplace_back(planned ? ev.session->departure_unix_s : 0,
                     planned ? ev.session->need_wh : 0.0);
  }
  const bool changed = now != last_sessions_;
  last_sessions_ = std::move(now);
  return changed;
}

void PlanningService::on_cycle(control::ControlInput& input, const model::TariffConfig& tariff) {
  const std::int64_t now_s = input.now_ms / 1000;
  const std::int64_t slot = now_s - now_s % kSlotS;
  if (input.measured_ms > 0) {
    // What the house used without the cars: grid + PV + battery discharge - cars.
    double cars_w = 0.0;
    for (const auto& ev : input.evs) {
      cars_w += ev.present ? ev.power_w : 0.0;
    }
    const double pv_w = input.inverter.present ? input.inverter.pv_w : 0.0;
    const double battery_w = input.battery.present ? input.battery.power_w : 0.0;
    slot_s_ += input.cycle_s;
    slot_load_ws_ += std::max(0.0, input.grid_w + pv_w + battery_w - cars_w) * input.cycle_s;
    slot_pv_ws_ += pv_w * input.cycle_s;
    slot_import_ws_ += input.grid_w * input.cycle_s;
  }
  bool due = false;
  if (slot != slot_) {
    if (slot_ >= 0 && slot_s_ > 0.0) {
      // A quarter hour measured for less than half its time teaches nothing.
      if (slot_s_ >= kSlotS / 2.0) {
        const std::array<double, 3> observed{static_cast<double>(slot_), slot_load_ws_ / slot_s_,
                                             slot_pv_ws_ / slot_s_};
        pending_observed_.push_back(observed);
        std::lock_guard lock(mutex_);
        actual_.push_back(observed);
        while (actual_.size() > kActualSlots) {
          actual_.pop_front();
        }
      }
      const int month = loop_clock_.at(slot_).month_key;
      if (month != month_key_) {
        month_key_ = month;
        month_peak_w_ = 0.0;
      }
      month_peak_w_ = std::max(month_peak_w_, slot_import_ws_ / slot_s_);
    }
    slot_ = slot;
    slot_s_ = slot_load_ws_ = slot_pv_ws_ = slot_import_ws_ = 0.0;
    due = true;
  }
  due = sessions_changed(input) || due;
  if (tariff.prices.get() != last_prices_) {
    last_prices_ = tariff.prices.get();
    due = true;
  }
  std::lock_guard lock(mutex_);
  if (due) {
    Request request;
    if (request_) {
      // The last request was not taken yet: keep what it had to learn.
      request.observed = std::move(request_->observed);
    }
    request.observed.insert(request.observed.end(), pending_observed_.begin(),
                            pending_observed_.end());
    pending_observed_.clear();
    request.input = input;
    request.input.plan = nullptr;
    request.tariff = tariff;
    request.slot_start_unix_s = slot;
    request.month_peak_w = month_key_ == loop_clock_.at(slot).month_key ? month_peak_w_ : 0.0;
    request_ = std::move(request);
    wake_.notify_one();
  }
  input.plan = outcome_.plan;
}

void PlanningService::run() {
  for (;;) {
    Request request;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || request_.has_value(); });
      if (stop_) {
        return;
      }
      request = std::move(*request_);
      request_.reset();
    }
    solve(std::move(request));
  }
}

void PlanningService::solve(Request request) {
  model::Installation installation;
  bool reset_pv = false;
  {
    std::lock_guard lock(mutex_);
    installation = installation_;  // copied under the lock: set_installation may change it
    reset_pv = reset_pv_;
    reset_pv_ = false;
  }
  const control::InverterInput& inverter = request.input.inverter;
  const double peak_w = inverter.present ? std::max(inverter.panel_peak_w, inverter.peak_w) : 0.0;
  const double max_w = inverter.present ? inverter.peak_w : 0.0;
  if (reset_pv || !pv_forecast_ || pv_forecast_->array().peak_w != peak_w ||
      pv_forecast_->array().inverter_max_w != max_w) {
    pv_forecast_.emplace(planner::pv_array(installation, peak_w, max_w));
  }
  for (const auto& [start, load_w, pv_w] : request.observed) {
    const auto slot = static_cast<std::int64_t>(start);
    for (const auto& [at, forecast] : day_ahead_) {
      if (at == slot) {
        pv_error_.add(slot, forecast[0], pv_w);
        load_error_.add(slot, forecast[1], load_w);
        break;
      }
    }
    pv_forecast_->observe(slot, pv_w);
    load_forecast_.observe(slot, load_w);
  }
  const std::int64_t start = request.slot_start_unix_s;
  planner::Outlook outlook =
      planner::forecast_outlook(request.tariff, start, load_forecast_, &*pv_forecast_, clock_);
  // The day-ahead forecast of the day's quarter hours, made at local midnight:
  // the forecast whose error is tracked per day.
  if (clock_.at(start).minute_of_day == 0 && (day_ahead_.empty() || day_ahead_[0].first != start)) {
    day_ahead_.clear();
    for (std::size_t t = 0; t < std::min<std::size_t>(outlook.load_w.size(), 96); ++t) {
      day_ahead_.push_back(
          {start + static_cast<std::int64_t>(t) * kSlotS, {outlook.pv_w[t], outlook.load_w[t]}});
    }
  }
  installation.control.tariff = request.tariff;
  const planner::PlanProblem problem =
      planner::site_problem(installation, request.input, start, outlook, request.month_peak_w);
  planner::Plan plan = planner_.solve(problem);
  std::lock_guard lock(mutex_);
  stats_ = planner_.stats();
  pv_days_ = pv_error_.days();
  load_days_ = load_error_.days();
  if (!plan.ok) {
    last_error_ = plan.error;
    return;
  }
  last_error_.clear();
  outcome_.plan = std::make_shared<const planner::Plan>(std::move(plan));
  outcome_.outlook = std::move(outlook);
  outcome_.made_unix_s = request.input.now_ms / 1000;
  outcome_.cars.clear();
  for (const auto& ev : request.input.evs) {
    outcome_.cars.push_back({ev.name, control::planned_car(installation.control, ev)
                                          ? ev.session
                                          : std::optional<control::EvSession>{}});
  }
  outcome_.currency = request.tariff.currency;
}

nlohmann::json PlanningService::json() const {
  std::lock_guard lock(mutex_);
  nlohmann::json out;
  const planner::Plan* plan = outcome_.plan.get();
  out["status"] = plan != nullptr ? "ok" : (last_error_.empty() ? "none" : "failed");
  if (!last_error_.empty()) {
    out["error"] = last_error_;
  }
  out["replans"] = stats_.solves;
  out["failed_solves"] = stats_.failures;
  out["solve_ms_median"] = rounded(stats_.median_ms, 0.001);
  out["solve_ms_worst"] = rounded(stats_.worst_ms, 0.001);
  out["slots"] = nlohmann::json::array();
  out["cars"] = nlohmann::json::array();
  if (plan != nullptr) {
    out["made_at"] = iso(outcome_.made_unix_s);
    out["start"] = iso(plan->start_unix_s);
    out["slot_s"] = plan->slot_s;
    out["currency"] = outcome_.currency;
    out["solve_ms"] = rounded(plan->solve_ms, 0.001);
    out["objective"] = rounded(plan->objective, 0.0001);
    const double capacity_wh = plan->battery.capacity_wh;
    for (std::size_t t = 0; t < plan->slots.size(); ++t) {
      const planner::PlanSlot& s = plan->slots[t];
      nlohmann::json slot = {
          {"start", iso(plan->start_unix_s + static_cast<std::int64_t>(t) * plan->slot_s)},
          {"import_eur_per_kwh", s.import_price},
          {"export_eur_per_kwh", s.export_price},
          {"load_w", rounded(outcome_.outlook.load_w[t], 1.0)},
          {"pv_w", rounded(outcome_.outlook.pv_w[t], 1.0)},
          {"pv_used_w", rounded(s.pv_w, 1.0)},
          {"grid_w", rounded(s.grid_w, 1.0)},
          {"battery_w", rounded(s.battery_w, 1.0)}};
      slot["soc_pct"] = capacity_wh > 0.0
                            ? nlohmann::json(rounded(s.soc_wh / capacity_wh * 100.0, 0.1))
                            : nlohmann::json(nullptr);
      nlohmann::json cars = nlohmann::json::array();
      for (double w : s.car_w) {
        cars.push_back(rounded(w, 1.0));
      }
      slot["cars_w"] = std::move(cars);
      out["slots"].push_back(std::move(slot));
    }
    // Each planned car: when the plan has given it what it needs.
    for (std::size_t k = 0; k < outcome_.cars.size(); ++k) {
      const auto& [name, session] = outcome_.cars[k];
      nlohmann::json car = {{"load", name}};
      if (!session) {
        car["planned"] = false;
        out["cars"].push_back(std::move(car));
        continue;
      }
      car["planned"] = true;
      car["departure"] = iso(session->departure_unix_s);
      car["need_kwh"] = rounded(session->need_wh / 1000.0, 0.001);
      car["delivered_kwh"] = rounded(session->delivered_wh / 1000.0, 0.001);
      double planned_wh = 0.0;
      std::optional<std::int64_t> finish;
      for (std::size_t t = 0; t < plan->slots.size() && k < plan->slots[t].car_w.size(); ++t) {
        const double slot_wh = plan->slots[t].car_w[k] * plan->slot_s / 3600.0;
        if (!finish && slot_wh > 0.0 && planned_wh + slot_wh >= session->remaining_wh() - 1.0) {
          // Within the slot the car charges at the plan's power from its start.
          const double share = (session->remaining_wh() - planned_wh) / slot_wh;
          finish = plan->start_unix_s + static_cast<std::int64_t>(t) * plan->slot_s +
                   static_cast<std::int64_t>(std::clamp(share, 0.0, 1.0) * plan->slot_s);
        }
        planned_wh += slot_wh;
      }
      car["planned_kwh"] = rounded(planned_wh / 1000.0, 0.001);
      car["expected_finish"] = finish ? nlohmann::json(iso(*finish)) : nlohmann::json(nullptr);
      car["unmet_kwh"] =
          rounded(k < plan->car_unmet_wh.size() ? plan->car_unmet_wh[k] / 1000.0 : 0.0, 0.001);
      out["cars"].push_back(std::move(car));
    }
  }
  nlohmann::json actual = nlohmann::json::array();
  for (const auto& [start, load_w, pv_w] : actual_) {
    actual.push_back({{"start", iso(static_cast<std::int64_t>(start))},
                      {"load_w", rounded(load_w, 1.0)},
                      {"pv_w", rounded(pv_w, 1.0)}});
  }
  out["actual"] = std::move(actual);
  nlohmann::json errors = nlohmann::json::array();
  const std::size_t first = pv_days_.size() > kReportedDays ? pv_days_.size() - kReportedDays : 0;
  for (std::size_t d = first; d < pv_days_.size() && d < load_days_.size(); ++d) {
    errors.push_back({{"day", iso(pv_days_[d].day_start_unix_s)},
                      {"pv_mae_w", rounded(pv_days_[d].mae_w, 1.0)},
                      {"load_mae_w", rounded(load_days_[d].mae_w, 1.0)},
                      {"slots", pv_days_[d].slots}});
  }
  out["forecast_error"] = std::move(errors);
  return out;
}

AlarmCheck PlanningService::alarm(std::int64_t now_unix_s) const {
  std::lock_guard lock(mutex_);
  const planner::Plan* plan = outcome_.plan.get();
  const bool covered =
      plan != nullptr && now_unix_s >= plan->start_unix_s &&
      now_unix_s <
          plan->start_unix_s + static_cast<std::int64_t>(plan->slots.size()) * plan->slot_s;
  const bool active = !last_error_.empty() && !covered;
  return AlarmCheck{"plan-failed", active,
                    active ? "no plan in force: " + last_error_ : std::string()};
}

std::optional<std::string> PlanningService::take_day_report() {
  std::lock_guard lock(mutex_);
  // Every day but the newest is finished.
  if (pv_days_.size() < 2 || load_days_.size() < 2 || reported_days_ + 1 >= pv_days_.size()) {
    return std::nullopt;
  }
  const std::size_t d = std::max(reported_days_, pv_days_.size() - 2);
  reported_days_ = d + 1;
  char text[160];
  std::snprintf(text, sizeof text,
                "day-ahead forecast error of the day from %s: PV %.0f W, household load %.0f W "
                "(mean absolute, %d quarter hours)",
                iso(pv_days_[d].day_start_unix_s).c_str(), pv_days_[d].mae_w, load_days_[d].mae_w,
                pv_days_[d].slots);
  return std::string(text);
}

}  // namespace kirchhoff::daemon
