// Forecasts per quarter hour of a site's PV production and household load,
// from the site's own history only, and their mean absolute error per day
// (docs/forecasts.md).
//
// A slot is the 900 s from a unix time that is a multiple of 900; values are
// the slot's mean power in W. Callers observe a slot only after it ended.
// None of these classes is thread-safe (they cache): one per user.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "common/time.hpp"
#include "sim/solar.hpp"

namespace kirchhoff::forecast {

inline constexpr int kSlotS = 900;
inline constexpr int kSlotsPerDay = 86400 / kSlotS;

// The start of the slot holding `unix_s` (floor, also before 1970).
std::int64_t slot_start(std::int64_t unix_s);

// What a real site knows of its panels (from its installation file).
struct PvArray {
  double latitude_deg = 50.85, longitude_deg = 4.35;
  sim::PanelOrientation panel;  // tilt/azimuth
  double peak_w = 0.0;          // panels' DC peak
  double inverter_max_w = 0.0;  // AC limit
};

struct PvOptions {
  // Clear-sky ratio over this many days of history: the site's "climate".
  int long_term_days = 30;
  // The recent ratio: over this many of the newest daylight slots.
  int recent_slots = 4;
  // How fast the recent ratio gives way to the long-term one, with its age
  // plus the lead time; 0 uses the long-term ratio only. 6 h scored best on
  // the simulated year (docs/forecasts.md).
  double blend_time_constant_s = 6.0 * 3600.0;
  // A slot counts as daylight when its clear-sky power is above this share of
  // the inverter's limit (dawn and dusk ratios are noise).
  double daylight_fraction = 0.05;
  // The ratio before the site has seen any daylight.
  double prior_ratio = 0.6;
  // Outdoor temperature assumed for the clear-sky cell temperature.
  double assumed_outdoor_c = 15.0;
};

// PV forecast = clear-sky power × the site's clear-sky ratio (measured / clear
// sky), a blend of its recent and its long-term value.
class PvForecast {
 public:
  explicit PvForecast(PvArray array, PvOptions options = {});

  // Mean AC W over the slot under a clear sky (three sub-samples). Cached per
  // slot; the cache is why this const method is not thread-safe.
  double clear_sky_w(std::int64_t slot_start_unix_s) const;

  // A finished slot's measured mean AC W. Non-finite values are ignored,
  // negative ones count as 0. Observing a slot again replaces it.
  void observe(std::int64_t slot_start_unix_s, double measured_w);

  // A slot's mean W as known at `now_unix_s`: only observations of slots that
  // ended by then count, so observing later slots does not change the result
  // (as long as they lie within `long_term_days` after `now`: history is a
  // ring of twice that length). Usually slot_start >= now.
  double forecast_w(std::int64_t slot_start_unix_s, std::int64_t now_unix_s) const;

  // The clear-sky ratio forecast_w applies (for reports and tests).
  double ratio(std::int64_t slot_start_unix_s, std::int64_t now_unix_s) const;

  const PvArray& array() const { return array_; }

 private:
  struct Entry {
    std::int64_t slot = INT64_MIN;  // slot index (start / 900); INT64_MIN when empty
    double measured_w = 0.0;
    double clear_w = 0.0;
  };
  struct Stats {
    std::int64_t now_slot = INT64_MIN;  // the first slot not yet ended at `now`
    bool has_recent = false;
    double recent_ratio = 0.0;
    std::int64_t recent_end_s = 0;  // end of the newest daylight slot seen
    double long_ratio = 0.0;
  };
  struct CacheEntry {
    std::int64_t slot = INT64_MIN;
    double clear_w = 0.0;
  };
  const Stats& stats_at(std::int64_t now_slot) const;
  double compute_clear_sky_w(std::int64_t slot_start_unix_s) const;

  PvArray array_;
  PvOptions options_;
  sim::PvSystem system_;
  double daylight_w_ = 0.0;
  std::vector<Entry> history_;  // ring indexed by slot index modulo its size
  mutable Stats stats_;
  mutable std::array<CacheEntry, 1024> clear_cache_{};
};

struct LoadOptions {
  // Weight of a new observation in its weekday × quarter-hour cell (seen once
  // a week) and in its all-days quarter-hour cell (seen daily).
  double weekday_weight_new = 0.3;
  double all_days_weight_new = 0.1;
  // Share of the weekday cell in the forecast; the rest is the all-days cell.
  double weekday_share = 0.5;
  // Recent-level correction: the residuals' exponential weight per slot (1:
  // the last slot's only) and the decay of the correction with the lead from
  // the last observed slot; a time constant of 0 turns it off.
  double residual_weight_new = 1.0;
  double residual_time_constant_s = 3600.0;
  // Cells track a median (steps of the cell's weight times its mean absolute
  // deviation towards each observation) instead of a mean: the MAE-optimal
  // forecast of a spiky load. false: exponentially weighted means.
  bool track_median = true;
};

// Household load: a weekday × quarter-hour profile in local time (the box's
// zone, common::LocalClock) learnt from history, plus a recent-level correction.
class LoadForecast {
 public:
  explicit LoadForecast(LoadOptions options = {});

  // A finished slot's measured mean W (household only: without the EV).
  // Non-finite values are ignored.
  void observe(std::int64_t slot_start_unix_s, double measured_w);

  // A slot's mean W from everything observed so far, i.e. as known at
  // observed_until_unix_s(): the caller's `now` is the end of the last slot it
  // fed, so it cannot peek unless it feeds a slot before the slot ended. Meant
  // for slots after that (the correction decays from it). Before any data: 0.
  double forecast_w(std::int64_t slot_start_unix_s) const;

  // The end of the newest observed slot (INT64_MIN before any).
  std::int64_t observed_until_unix_s() const {
    return count_ > 0 ? last_slot_start_ + kSlotS : INT64_MIN;
  }

  // The profile alone, without the recent-level correction.
  double profile_w(std::int64_t slot_start_unix_s) const;

 private:
  struct Cell {
    double value_w = 0.0;   // the cell's value: a mean, or a median when tracking one
    double spread_w = 0.0;  // mean absolute deviation (median tracking)
    bool seen = false;
  };
  double profile_at(const common::LocalClock::Local& local) const;

  LoadOptions options_;
  std::array<Cell, 7 * kSlotsPerDay> weekday_cells_{};
  std::array<Cell, kSlotsPerDay> all_days_cells_{};
  double total_w_ = 0.0;
  std::int64_t count_ = 0;
  double residual_w_ = 0.0;
  std::int64_t last_slot_start_ = INT64_MIN;
  common::LocalClock observe_clock_;
  mutable common::LocalClock forecast_clock_;
};

// Mean absolute error per local day (the box's zone), and over all slots.
class DailyError {
 public:
  void add(std::int64_t slot_start_unix_s, double forecast_w, double actual_w);

  struct Day {
    std::int64_t day_start_unix_s;  // local midnight
    double mae_w;
    int slots;
  };
  // Finished and current days, in order of their start.
  const std::vector<Day>& days() const { return days_; }
  // Over all slots added; 0 before any.
  double mean_mae_w() const;

 private:
  std::vector<Day> days_;
  std::vector<std::int64_t> local_days_;  // local day number of each entry of days_
  std::vector<double> abs_sums_w_;        // Σ |error| of each entry of days_
  double total_abs_w_ = 0.0;
  std::int64_t total_slots_ = 0;
  common::LocalClock clock_;
};

}  // namespace kirchhoff::forecast
