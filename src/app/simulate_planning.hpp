// The planner in `kirchhoff simulate` (docs/planner.md): `planned` re-plans
// at every quarter hour from forecasts and the prices known then, as the
// daemon does; `optimal` solves the same model once over the whole run with
// what actually happened (a first pass without management records each
// quarter hour's load and PV and every car's session): the bound no
// strategy can beat. Both hand the plan to the energy manager's input; the
// plan follower turns it into setpoints second by second.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <vector>

#include "common/time.hpp"
#include "control/input.hpp"
#include "forecast/forecast.hpp"
#include "planner/planner.hpp"
#include "planner/site_problem.hpp"
#include "sim/site.hpp"

namespace kirchhoff::app {

// Means of one quarter hour of a run: the load the planner does not move
// (consumption less the cars) and the PV.
class SlotMeans {
 public:
  // Adds a second; returns true when it was the slot's last.
  bool add(const sim::SiteState& state);
  std::int64_t slot_start_unix_s() const { return slot_start_; }
  double load_w() const { return seconds_ > 0 ? load_ws_ / seconds_ : 0.0; }
  double pv_w() const { return seconds_ > 0 ? pv_ws_ / seconds_ : 0.0; }
  void reset();

 private:
  std::int64_t slot_start_ = -1;
  double seconds_ = 0.0, load_ws_ = 0.0, pv_ws_ = 0.0;
};

// A car's session as it happened, for the optimal plan.
struct RecordedSession {
  std::size_t charger = 0;
  std::int64_t arrival_unix_s = 0, departure_unix_s = 0;
  double need_wh = 0.0;
  double max_w = 0.0;  // the car's and charger's limit
};

struct RunRecord {
  std::int64_t start_unix_s = 0;
  std::vector<double> load_w, pv_w;  // per quarter hour of the run
  std::vector<RecordedSession> sessions;
};

// A run of `steps` seconds without management, recorded per quarter hour.
RunRecord record_run(const model::Installation& installation, const sim::SiteOptions& options,
                     std::int64_t steps);

class PlanningRun {
 public:
  // `site` is the simulator the run steps (its PV system is what the
  // forecasts know of the panels); `record` is given for `optimal`.
  PlanningRun(const model::Installation& installation, const sim::SiteSimulator& site,
              const sim::SiteOptions& options, std::optional<RunRecord> record);

  // Before each managed cycle: puts the plan in force into the input,
  // re-planning at the start of each quarter hour (`planned`), or solving
  // the whole run once (`optimal`). `month_peak_w`: the billing month's
  // highest 15-minute import so far.
  void before_cycle(control::ControlInput& input, double month_peak_w);
  // After each simulated second: the quarter hour's means, and at its end
  // what the forecasts learn from it.
  void after_step(const sim::SiteState& state);
  // Figures for the report: re-plans, solve times, forecast errors; false
  // with a message when the optimal plan could not be made.
  nlohmann::json report() const;
  // Waits for the plan being made (before report()).
  void finish();
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  // What the planning side needs to make a plan, handed to it whole so it
  // can run beside the simulation.
  struct Job {
    control::ControlInput input;
    double month_peak_w = 0.0;
    std::int64_t start_unix_s = 0;
    std::vector<std::array<double, 3>> observed;  // finished slots: start, load W, PV W
    bool predicted = false;                       // the input is the state expected at start_unix_s
  };
  void replan(control::ControlInput& input, double month_peak_w);
  // Learns from the job's slots, forecasts and solves. Touches only the
  // planning side's members (forecasts, errors, planner): one job at a time.
  planner::Plan work(Job job);
  void solve_whole_run(const control::ControlInput& input);

  const model::Installation& installation_;
  std::optional<RunRecord> record_;
  common::LocalClock clock_;
  planner::Planner planner_;
  std::shared_ptr<const planner::Plan> plan_;
  std::int64_t planned_slot_ = -1;
  SlotMeans means_;
  std::vector<std::array<double, 3>> observed_;  // finished slots not yet handed over
  std::future<planner::Plan> pending_;
  forecast::PvForecast pv_forecast_;
  forecast::LoadForecast load_forecast_;
  forecast::DailyError pv_error_, load_error_;
  // The forecast made at the last local midnight for each slot of the day
  // (by slot start): the day-ahead forecast whose error is tracked.
  std::vector<std::pair<std::int64_t, std::pair<double, double>>> day_ahead_;
  int fallbacks_ = 0;  // quarter hours run on the rules (no plan)
  std::string error_;
  double optimal_objective_ = 0.0;
  double optimal_solve_ms_ = 0.0;
  double optimal_unmet_wh_ = 0.0;  // what the optimal plan itself could not give the cars
};

}  // namespace kirchhoff::app
