#include "sim/ev.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kirchhoff::sim {

namespace {

// 1970-01-01 was a Thursday; 0 = Monday.
int weekday(std::int64_t unix_s) { return static_cast<int>((unix_s / 86400 + 3) % 7); }

}  // namespace

SimEvCharger::SimEvCharger(EvParams params, std::uint64_t seed)
    : params_(params), rng_(seed), limit_a_(params.charger_max_a), phases_(params.charger_phases) {}

void SimEvCharger::set_planned_sessions(std::vector<PlannedSession> sessions) {
  planned_ = std::move(sessions);
  next_planned_ = 0;
  arrival_s_ = -1;
}

void SimEvCharger::plan_next_session(std::int64_t after_unix_s) {
  if (planned_) {
    // The next planned session that has not already ended (one under way
    // when the replay starts begins at once); none: never.
    while (next_planned_ < planned_->size() &&
           (*planned_)[next_planned_].departure_unix_s <= after_unix_s) {
      ++next_planned_;
    }
    if (next_planned_ == planned_->size()) {
      arrival_s_ = departure_s_ = std::numeric_limits<std::int64_t>::max();
      wanted_wh_ = 0.0;
      return;
    }
    const PlannedSession& next = (*planned_)[next_planned_++];
    arrival_s_ = next.arrival_unix_s;
    departure_s_ = next.departure_unix_s;
    wanted_wh_ = next.wanted_wh;
    return;
  }
  std::int64_t day_start = after_unix_s - after_unix_s % 86400;
  for (int attempt = 0; attempt < 14; ++attempt, day_start += 86400) {
    const bool weekend = weekday(day_start) >= 5;
    if (!rng_.chance(weekend ? 0.45 : 0.85)) {
      continue;
    }
    const double arrive_h = weekend ? rng_.normal(13.0, 2.0) : rng_.normal(17.5, 1.0);
    const std::int64_t arrival =
        day_start + static_cast<std::int64_t>(std::clamp(arrive_h, 6.0, 23.5) * 3600);
    if (arrival <= after_unix_s) {
      continue;
    }
    std::int64_t departure;
    if (weekend) {
      departure = arrival + static_cast<std::int64_t>(rng_.uniform(4.0, 10.0) * 3600);
    } else {
      departure = day_start + 86400 +
                  static_cast<std::int64_t>(std::clamp(rng_.normal(7.5, 0.5), 5.5, 9.5) * 3600);
    }
    arrival_s_ = arrival;
    departure_s_ = departure;
    wanted_wh_ = rng_.uniform(8000.0, 30000.0);
    // A driver arrives with some charge left and rarely charges past 90 %:
    // a session never wants more than 90 % of the car's battery.
    if (params_.car_battery_wh > 0.0) {
      wanted_wh_ = std::min(wanted_wh_, 0.9 * params_.car_battery_wh);
    }
    return;
  }
  arrival_s_ = day_start;  // two weeks without a car: try again then
  departure_s_ = day_start;
  wanted_wh_ = 0.0;
}

double SimEvCharger::step(std::int64_t unix_s, double v_ln, double dt_s) {
  if (arrival_s_ < 0) {
    plan_next_session(unix_s);
  }
  if (!plugged_ && unix_s >= arrival_s_) {
    if (departure_s_ > arrival_s_) {
      plugged_ = true;
      session_wh_ = 0.0;
      session_ac_wh_ = 0.0;
      ++sessions_;
      const double stay_h = static_cast<double>(departure_s_ - arrival_s_) / 3600.0;
      feasible_ = wanted_wh_ / params_.charging_efficiency <= max_power_w() * stay_h;
      infeasible_sessions_ += feasible_ ? 0 : 1;
    } else {
      plan_next_session(unix_s);
    }
  }
  if (plugged_ && unix_s >= departure_s_) {
    const double unmet_wh = std::max(0.0, wanted_wh_ - session_wh_) / params_.charging_efficiency;
    unmet_total_wh_ += unmet_wh;
    unmet_feasible_wh_ += feasible_ ? unmet_wh : 0.0;
    plugged_ = false;
    plan_next_session(unix_s);
  }
  power_w_ = 0.0;
  current_a_ = 0.0;
  if (!plugged_ || session_wh_ >= wanted_wh_) {
    return 0.0;
  }
  double current_a = std::min({limit_a_, params_.charger_max_a, params_.car_max_a});
  if (current_a < 6.0) {
    return 0.0;  // IEC 61851: below 6 A the charger pauses
  }
  const double ac_w = current_a * v_ln * phases();
  const double stored_wh = ac_w * params_.charging_efficiency * dt_s / 3600.0;
  const double remaining_wh = wanted_wh_ - session_wh_;
  double scale = 1.0;
  if (stored_wh > remaining_wh) {
    scale = remaining_wh / stored_wh;  // the last second of the session
  }
  session_wh_ += stored_wh * scale;
  power_w_ = ac_w * scale;
  delivered_total_wh_ += power_w_ * dt_s / 3600.0;
  session_ac_wh_ += power_w_ * dt_s / 3600.0;
  current_a_ = current_a * scale;
  return current_a_;
}

std::optional<SimEvCharger::Session> SimEvCharger::session() const {
  if (!plugged_) {
    return std::nullopt;
  }
  return Session{arrival_s_, departure_s_, wanted_wh_ / params_.charging_efficiency, session_ac_wh_,
                 feasible_};
}

double SimEvCharger::max_power_w() const {
  return std::min(params_.charger_max_a, params_.car_max_a) * 230.0 * params_.charger_phases;
}

}  // namespace kirchhoff::sim
