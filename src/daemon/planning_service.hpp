// The planner in the daemon (docs/planner.md). The control loop hands it each
// cycle's input; it measures each quarter hour's household load and PV, and
// at the start of every quarter hour (and when a car's declared session or
// the prices change) re-plans on its own thread from the forecasts and the
// prices known then. The control loop puts the plan in force into its input:
// a solve that fails or is late leaves the last plan in force while it still
// covers the time, then the rules alone.
//
// Thread-safe: on_cycle and take_day_report from the control loop, json()
// from the API's threads.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/time.hpp"
#include "control/input.hpp"
#include "daemon/alarms.hpp"
#include "forecast/forecast.hpp"
#include "model/installation.hpp"
#include "planner/planner.hpp"
#include "planner/site_problem.hpp"
#include "store/store.hpp"

namespace kirchhoff::daemon {

class PlanningService {
 public:
  explicit PlanningService(const model::Installation& installation);
  ~PlanningService();
  PlanningService(const PlanningService&) = delete;
  PlanningService& operator=(const PlanningService&) = delete;

  // Control loop, after fill_input and people's choices: learns from the
  // measurements, asks for a re-plan when one is due, and puts the plan in
  // force (if any) into `input.plan`. `tariff` is the one in force (its
  // prices may have been replaced by a fetched series).
  void on_cycle(control::ControlInput& input, const model::TariffConfig& tariff);

  // Before the first cycle: the forecasts learn the household load and the
  // PV of the last `days` days from the history's 15-minute means (grid +
  // solar + battery - cars, per the load kinds), so a restart does not start
  // from nothing. Returns the quarter hours found.
  std::size_t seed_from_history(store::Store& history, std::int64_t now_unix_s, int days = 28);

  // A new installation (between cycles): the forecasts of the panels and the
  // plan start anew; the load profile is kept (the household is the same).
  void set_installation(const model::Installation& installation);

  // GET /api/v1/plan: the plan in force with its prices, forecasts and the
  // cars' expected finish, and the last day's measured quarter hours.
  nlohmann::json json() const;

  // The plan-failed alarm: the last solve failed and no plan covers now.
  AlarmCheck alarm(std::int64_t now_unix_s) const;

  // Once per finished local day: "forecast error on <day>: ..." for the
  // event history; empty otherwise.
  std::optional<std::string> take_day_report();

 private:
  struct Request {
    control::ControlInput input;
    model::TariffConfig tariff;
    std::int64_t slot_start_unix_s = 0;
    double month_peak_w = 0.0;
    // Finished quarter hours to learn from first: start, load W, PV W.
    std::vector<std::array<double, 3>> observed;
  };
  struct Outcome {
    std::shared_ptr<const planner::Plan> plan;
    planner::Outlook outlook;
    std::int64_t made_unix_s = 0;
    std::string currency;
    // Per charger: its name and, when planned, its session at planning time.
    std::vector<std::pair<std::string, std::optional<control::EvSession>>> cars;
  };
  void run();
  void solve(Request request);
  bool sessions_changed(const control::ControlInput& input);

  // Control loop state (installation_ is read by the planning thread under
  // the mutex).
  model::Installation installation_;
  std::int64_t slot_ = -1;
  double slot_s_ = 0.0, slot_load_ws_ = 0.0, slot_pv_ws_ = 0.0, slot_import_ws_ = 0.0;
  int month_key_ = -1;
  double month_peak_w_ = 0.0;
  std::vector<std::array<double, 3>> pending_observed_;
  std::vector<std::pair<std::int64_t, double>> last_sessions_;  // departure, need per charger
  const void* last_prices_ = nullptr;
  std::size_t reported_days_ = 0;
  common::LocalClock loop_clock_;

  // Shared with the planning thread and the API.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::optional<Request> request_;
  bool stop_ = false;
  bool reset_pv_ = false;
  Outcome outcome_;
  std::deque<std::array<double, 3>> actual_;  // the last day's measured quarter hours
  std::vector<forecast::DailyError::Day> pv_days_, load_days_;
  planner::Planner::Stats stats_;
  std::string last_error_;

  // Planning thread state.
  std::optional<forecast::PvForecast> pv_forecast_;
  forecast::LoadForecast load_forecast_;
  forecast::DailyError pv_error_, load_error_;
  std::vector<std::pair<std::int64_t, std::array<double, 2>>> day_ahead_;  // slot -> pv, load
  planner::Planner planner_;
  common::LocalClock clock_;  // the planning thread's
  std::thread thread_;
};

}  // namespace kirchhoff::daemon
