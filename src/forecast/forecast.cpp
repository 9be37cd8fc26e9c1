#include "forecast/forecast.hpp"

#include <algorithm>
#include <cmath>

namespace kirchhoff::forecast {

namespace {

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::size_t ring_index(std::int64_t slot, std::size_t size) {
  const auto n = static_cast<std::int64_t>(size);
  return static_cast<std::size_t>(((slot % n) + n) % n);
}

int quarter_of_day(const common::LocalClock::Local& local) {
  return std::clamp(local.minute_of_day / 15, 0, kSlotsPerDay - 1);
}

}  // namespace

std::int64_t slot_start(std::int64_t unix_s) { return floor_div(unix_s, kSlotS) * kSlotS; }

// ---------------------------------------------------------------- PV

PvForecast::PvForecast(PvArray array, PvOptions options)
    : array_(array), options_(options), system_{array.peak_w, array.inverter_max_w, array.panel} {
  options_.long_term_days = std::max(options_.long_term_days, 1);
  options_.recent_slots = std::max(options_.recent_slots, 1);
  const double limit_w = array_.inverter_max_w > 0.0 ? array_.inverter_max_w : array_.peak_w;
  daylight_w_ = std::max(options_.daylight_fraction * limit_w, 1e-9);
  // Twice the window, so observations up to a window ahead of `now` never
  // overwrite what a forecast at `now` reads.
  history_.resize(static_cast<std::size_t>(2 * options_.long_term_days * kSlotsPerDay));
}

double PvForecast::compute_clear_sky_w(std::int64_t start) const {
  // Midpoint rule on the slot's thirds: the clear-sky curve is smooth at this
  // scale, except at sunrise and sunset where the power is small anyway.
  constexpr int kSamples = 3;
  double sum_w = 0.0;
  for (int k = 0; k < kSamples; ++k) {
    const std::int64_t t = start + (2 * k + 1) * kSlotS / (2 * kSamples);
    const sim::SunPosition sun = sim::sun_position(t, array_.latitude_deg, array_.longitude_deg);
    const double poa = sim::plane_of_array_irradiance(sun, array_.panel, 1.0);
    sum_w += sim::pv_ac_power_w(system_, poa, options_.assumed_outdoor_c);
  }
  return sum_w / kSamples;
}

double PvForecast::clear_sky_w(std::int64_t slot_start_unix_s) const {
  const std::int64_t start = slot_start(slot_start_unix_s);
  const std::int64_t slot = start / kSlotS;
  CacheEntry& entry = clear_cache_[ring_index(slot, clear_cache_.size())];
  if (entry.slot != slot) {
    entry.slot = slot;
    entry.clear_w = compute_clear_sky_w(start);
  }
  return entry.clear_w;
}

void PvForecast::observe(std::int64_t slot_start_unix_s, double measured_w) {
  if (!std::isfinite(measured_w)) {
    return;
  }
  const std::int64_t start = slot_start(slot_start_unix_s);
  const std::int64_t slot = start / kSlotS;
  Entry& entry = history_[ring_index(slot, history_.size())];
  entry.slot = slot;
  entry.measured_w = std::max(measured_w, 0.0);
  entry.clear_w = clear_sky_w(start);
  stats_.now_slot = INT64_MIN;  // the history changed
}

const PvForecast::Stats& PvForecast::stats_at(std::int64_t now_slot) const {
  if (stats_.now_slot == now_slot) {
    return stats_;
  }
  Stats stats;
  stats.now_slot = now_slot;
  double long_measured = 0.0, long_clear = 0.0, recent_measured = 0.0, recent_clear = 0.0;
  int recent = 0;
  const std::int64_t window = static_cast<std::int64_t>(options_.long_term_days) * kSlotsPerDay;
  // Only slots that ended by `now`: slot i ends at (i + 1) * 900 <= now.
  for (std::int64_t i = now_slot - 1; i >= now_slot - window; --i) {
    const Entry& e = history_[ring_index(i, history_.size())];
    if (e.slot != i || e.clear_w < daylight_w_) {
      continue;
    }
    long_measured += e.measured_w;
    long_clear += e.clear_w;
    if (recent < options_.recent_slots) {
      if (recent == 0) {
        stats.recent_end_s = (i + 1) * kSlotS;
      }
      recent_measured += e.measured_w;
      recent_clear += e.clear_w;
      ++recent;
    }
  }
  // Above 1 happens (cloud edges, a cold clear day); beyond 1.5 is a fault.
  stats.long_ratio =
      long_clear > 0.0 ? std::min(long_measured / long_clear, 1.5) : options_.prior_ratio;
  stats.has_recent = recent > 0;
  stats.recent_ratio = recent > 0 ? std::min(recent_measured / recent_clear, 1.5) : 0.0;
  stats_ = stats;
  return stats_;
}

double PvForecast::ratio(std::int64_t slot_start_unix_s, std::int64_t now_unix_s) const {
  const Stats& s = stats_at(floor_div(now_unix_s, kSlotS));
  const double tau_s = options_.blend_time_constant_s;
  if (!s.has_recent || tau_s <= 0.0) {
    return s.long_ratio;
  }
  const double lead_s =
      std::max(0.0, static_cast<double>(slot_start(slot_start_unix_s) + kSlotS / 2 - now_unix_s));
  const double age_s = std::max(0.0, static_cast<double>(now_unix_s - s.recent_end_s));
  const double w = std::exp(-(age_s + lead_s) / tau_s);
  return w * s.recent_ratio + (1.0 - w) * s.long_ratio;
}

double PvForecast::forecast_w(std::int64_t slot_start_unix_s, std::int64_t now_unix_s) const {
  const double clear_w = clear_sky_w(slot_start_unix_s);
  if (clear_w <= 0.0) {
    return 0.0;
  }
  const double limit_w = array_.inverter_max_w > 0.0 ? array_.inverter_max_w : clear_w;
  return std::clamp(ratio(slot_start_unix_s, now_unix_s) * clear_w, 0.0, limit_w);
}

// ---------------------------------------------------------------- load

LoadForecast::LoadForecast(LoadOptions options) : options_(options) {}

double LoadForecast::profile_at(const common::LocalClock::Local& local) const {
  const int quarter = quarter_of_day(local);
  const Cell& all_days = all_days_cells_[static_cast<std::size_t>(quarter)];
  const Cell& weekday =
      weekday_cells_[static_cast<std::size_t>(local.weekday * kSlotsPerDay + quarter)];
  if (weekday.seen && all_days.seen) {
    return options_.weekday_share * weekday.value_w +
           (1.0 - options_.weekday_share) * all_days.value_w;
  }
  if (all_days.seen) {
    return all_days.value_w;
  }
  if (count_ > 0) {
    return total_w_ / static_cast<double>(count_);
  }
  return 0.0;
}

void LoadForecast::observe(std::int64_t slot_start_unix_s, double measured_w) {
  if (!std::isfinite(measured_w)) {
    return;
  }
  const std::int64_t start = slot_start(slot_start_unix_s);
  const common::LocalClock::Local local = observe_clock_.at(start);
  if (count_ > 0) {
    const double a = options_.residual_weight_new;
    residual_w_ = a * (measured_w - profile_at(local)) + (1.0 - a) * residual_w_;
  }
  const int quarter = quarter_of_day(local);
  const bool median = options_.track_median;
  auto learn = [measured_w, median](Cell& cell, double weight_new) {
    if (!cell.seen) {
      cell.value_w = measured_w;
      cell.spread_w = std::abs(measured_w);
      cell.seen = true;
      return;
    }
    const double deviation_w = measured_w - cell.value_w;
    if (median) {
      cell.spread_w = weight_new * std::abs(deviation_w) + (1.0 - weight_new) * cell.spread_w;
      const double step_w = weight_new * cell.spread_w;
      cell.value_w += std::clamp(deviation_w, -step_w, step_w);
    } else {
      cell.value_w += weight_new * deviation_w;
    }
  };
  learn(weekday_cells_[static_cast<std::size_t>(local.weekday * kSlotsPerDay + quarter)],
        options_.weekday_weight_new);
  learn(all_days_cells_[static_cast<std::size_t>(quarter)], options_.all_days_weight_new);
  total_w_ += measured_w;
  ++count_;
  last_slot_start_ = std::max(last_slot_start_, start);
}

double LoadForecast::profile_w(std::int64_t slot_start_unix_s) const {
  return profile_at(forecast_clock_.at(slot_start(slot_start_unix_s)));
}

double LoadForecast::forecast_w(std::int64_t slot_start_unix_s) const {
  const std::int64_t start = slot_start(slot_start_unix_s);
  double forecast = profile_at(forecast_clock_.at(start));
  const double tau_s = options_.residual_time_constant_s;
  if (tau_s > 0.0 && count_ > 0) {
    const double lead_s = std::max(0.0, static_cast<double>(start - (last_slot_start_ + kSlotS)));
    forecast += residual_w_ * std::exp(-lead_s / tau_s);
  }
  return std::max(forecast, 0.0);
}

// ---------------------------------------------------------------- error

void DailyError::add(std::int64_t slot_start_unix_s, double forecast_w, double actual_w) {
  const common::LocalClock::Local local = clock_.at(slot_start_unix_s);
  const auto it = std::lower_bound(local_days_.begin(), local_days_.end(), local.day);
  const auto index = static_cast<std::size_t>(it - local_days_.begin());
  if (it == local_days_.end() || *it != local.day) {
    // Local midnight: back by the minutes of the day, then one correction for
    // a summer-time change between midnight and the slot (the offset at
    // midnight differs by an hour; the guess then lands at 23:00 or 01:00).
    std::int64_t midnight = slot_start_unix_s - static_cast<std::int64_t>(local.minute_of_day) * 60;
    const int minute = clock_.at(midnight).minute_of_day;
    if (minute >= 720) {
      midnight += static_cast<std::int64_t>(1440 - minute) * 60;
    } else {
      midnight -= static_cast<std::int64_t>(minute) * 60;
    }
    local_days_.insert(it, local.day);
    days_.insert(days_.begin() + static_cast<std::ptrdiff_t>(index), Day{midnight, 0.0, 0});
    abs_sums_w_.insert(abs_sums_w_.begin() + static_cast<std::ptrdiff_t>(index), 0.0);
  }
  const double error_w = std::abs(forecast_w - actual_w);
  abs_sums_w_[index] += error_w;
  Day& day = days_[index];
  ++day.slots;
  day.mae_w = abs_sums_w_[index] / day.slots;
  total_abs_w_ += error_w;
  ++total_slots_;
}

double DailyError::mean_mae_w() const {
  return total_slots_ > 0 ? total_abs_w_ / static_cast<double>(total_slots_) : 0.0;
}

}  // namespace kirchhoff::forecast
