// An EV charger with the cars that come and go.
//
// Sessions: on weekdays a car arrives around 17:30 (sd 1 h, 85 % of days) and
// leaves at 07:30 (sd 30 min) the next morning; on weekend days it comes home
// around 13:00 (sd 2 h, 45 % of days) and stays 4-10 h. Each session wants
// 8-30 kWh, at most 90 % of the car's battery when its size is known. The car accepts at most its
// on-board limit per phase; the charger obeys its current limit (6-32 A, below 6 A it pauses: IEC
// 61851). Without a setpoint the charger gives the car its full rated current at once, as an
// unmanaged wallbox does.
//
// On arrival the driver declares the session (departure and energy need), as
// a person would in the dashboard: the planner charges by that deadline.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "devices/capabilities.hpp"
#include "sim/random.hpp"

namespace kirchhoff::sim {

struct EvParams {
  int charger_phases = 3;       // 1 or 3
  double charger_max_a = 16.0;  // rated current per phase
  double car_max_a = 16.0;      // on-board charger limit per phase
  double charging_efficiency = 0.92;
  double car_battery_wh = 0.0;  // the car's battery; 0: unknown, sessions not capped
};

class SimEvCharger : public devices::EvCharger {
 public:
  SimEvCharger(EvParams params, std::uint64_t seed);

  void set_current_limit_a(double current_a) override { limit_a_ = current_a; }
  void set_phases(int phases) override { phases_ = phases == 1 ? 1 : 3; }

  // Advances to `unix_s` and returns the current drawn per phase (A); the
  // phases in use are the first `phases()` of the charger's connection.
  double step(std::int64_t unix_s, double v_ln, double dt_s);

  bool plugged() const { return plugged_; }
  int phases() const { return std::min(phases_, params_.charger_phases); }
  double power_w() const { return power_w_; }
  // The current drawn per phase in the last step (A), as a charger reports it.
  double current_a() const { return current_a_; }
  double delivered_wh() const { return delivered_total_wh_; }
  double unmet_wh() const { return unmet_total_wh_; }
  int sessions() const { return sessions_; }
  // The session of the car plugged in now, as its driver declared it on
  // arrival: departure and the AC energy it needs; `delivered_wh` is the AC
  // energy charged since.
  struct Session {
    std::int64_t arrival_unix_s = 0;
    std::int64_t departure_unix_s = 0;
    double need_wh = 0.0;
    double delivered_wh = 0.0;
    // The need fits in the stay at the charger's and car's full power.
    bool feasible = true;
  };
  std::optional<Session> session() const;
  // Replay: the sessions to come, in time order, instead of the random ones
  // (arrival, departure and the energy the car wants into its battery, Wh).
  // The charger then takes its cars from this list only.
  struct PlannedSession {
    std::int64_t arrival_unix_s = 0;
    std::int64_t departure_unix_s = 0;
    double wanted_wh = 0.0;
  };
  void set_planned_sessions(std::vector<PlannedSession> sessions);
  // Unmet energy of the sessions that were feasible, and how many were not.
  double unmet_feasible_wh() const { return unmet_feasible_wh_; }
  int infeasible_sessions() const { return infeasible_sessions_; }
  // The most this charger can give the car (W at 230 V).
  double max_power_w() const;
  const EvParams& params() const { return params_; }
  devices::EvChargerState state() const override {
    return {true,
            plugged_,
            current_a_,
            power_w_,
            phases(),
            params_.charger_max_a,
            params_.charger_phases == 3};
  }

 private:
  void plan_next_session(std::int64_t after_unix_s);

  EvParams params_;
  Rng rng_;
  double limit_a_;
  int phases_;
  bool plugged_ = false;
  std::int64_t arrival_s_ = -1;
  std::int64_t departure_s_ = -1;
  double wanted_wh_ = 0.0;   // energy into the car's battery this session
  double session_wh_ = 0.0;  // energy already stored this session
  double power_w_ = 0.0;
  double current_a_ = 0.0;
  double delivered_total_wh_ = 0.0;  // AC energy drawn over all sessions
  double unmet_total_wh_ = 0.0;      // AC energy still wanted at departures
  int sessions_ = 0;
  double session_ac_wh_ = 0.0;
  bool feasible_ = true;
  std::optional<std::vector<PlannedSession>> planned_;
  std::size_t next_planned_ = 0;
  double unmet_feasible_wh_ = 0.0;
  int infeasible_sessions_ = 0;
};

}  // namespace kirchhoff::sim
