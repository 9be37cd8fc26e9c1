// Forecast accuracy and cost on a simulated year (docs/forecasts.md).
//
// Runs the demo site unmanaged for a year (or --days N) and, per quarter hour,
// feeds the forecasters strictly causally: a slot is observed when it ends;
// day-ahead forecasts are made at local midnight for every slot of that day,
// 1-slot-lead forecasts when a slot ends for the slot that starts then. Prints
// the mean absolute error of each method beside the naive baselines measured
// in the same run (yesterday's same slot; for the 1-slot lead also the last
// slot), and the time per 192-slot forecast as the planner would ask for it
// (a new `now` every quarter hour). Local time follows the Brussels rules.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <limits>
#include <string>
#include <vector>

#include "common/time.hpp"
#include "forecast/forecast.hpp"
#include "model/loader.hpp"
#include "sim/site.hpp"

namespace {

using kirchhoff::forecast::DailyError;
constexpr double kNone = std::numeric_limits<double>::quiet_NaN();

// Horizons: day-ahead (made at local midnight for each slot of the day), 4 h
// lead (made when a slot ends, for the slot that starts 4 h later) and 1-slot
// lead (for the slot that starts as the last one ends).
constexpr int kHorizons = 3;
constexpr std::size_t kLead4h = 16;

struct Scored {
  std::string name;
  std::vector<DailyError> errors = std::vector<DailyError>(kHorizons);
  std::vector<std::vector<double>> forecast_w;  // per horizon, per slot of the run
};

// Slot-weighted MAE over the days that start at or after `from_unix_s`.
double mae_from(const DailyError& error, std::int64_t from_unix_s) {
  double sum = 0.0;
  long slots = 0;
  for (const DailyError::Day& day : error.days()) {
    if (day.day_start_unix_s >= from_unix_s) {
      sum += day.mae_w * day.slots;
      slots += day.slots;
    }
  }
  return slots > 0 ? sum / static_cast<double>(slots) : 0.0;
}

void score(Scored& m, std::size_t k, std::int64_t slot_start, double actual_w) {
  for (int h = 0; h < kHorizons; ++h) {
    if (!std::isnan(m.forecast_w[h][k])) {
      m.errors[h].add(slot_start, m.forecast_w[h][k], actual_w);
    }
  }
}

void print(const char* what, const std::vector<Scored>& methods, std::int64_t warm_from) {
  std::printf(
      "%-5s MAE in W, year (from day 29)    day-ahead          4 h lead            1-slot lead\n",
      what);
  for (const Scored& m : methods) {
    std::printf("  %-34s", m.name.c_str());
    for (const DailyError& error : m.errors) {
      std::printf("  %6.1f (%6.1f)  ", error.mean_mae_w(), mae_from(error, warm_from));
    }
    std::printf("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace kirchhoff;
  long days = 365;
  std::string config = std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--days") == 0) {
      days = std::strtol(argv[i + 1], nullptr, 10);
    } else if (std::strcmp(argv[i], "--config") == 0) {
      config = argv[i + 1];
    }
  }
  // Europe/Brussels' rules as a POSIX zone, so no zone database is needed.
  setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
  tzset();
  const auto installation = model::load_installation_file(config);
  if (!installation) {
    std::fprintf(stderr, "%s\n", installation.error().message.c_str());
    return 1;
  }
  const sim::SiteOptions site_options;
  sim::SiteSimulator site(*installation, site_options);

  forecast::PvArray array;
  array.latitude_deg = installation->site.latitude_deg.value_or(site_options.latitude_deg);
  array.longitude_deg = installation->site.longitude_deg.value_or(site_options.longitude_deg);
  array.panel = site_options.panel;
  for (const model::Load& load : installation->loads) {
    if (load.kind == model::LoadKind::kSolar) {
      array.panel.tilt_deg = load.tilt_deg.value_or(array.panel.tilt_deg);
      array.panel.azimuth_deg = load.azimuth_deg.value_or(array.panel.azimuth_deg);
      break;
    }
  }
  array.peak_w = site.pv_peak_w();
  array.inverter_max_w = site.inverter_rated_w();

  const auto pv_variant = [&](double tau_h, int long_days) {
    forecast::PvOptions options;
    options.blend_time_constant_s = tau_h * 3600.0;
    options.long_term_days = long_days;
    return forecast::PvForecast(array, options);
  };
  std::vector<forecast::PvForecast> pv = {pv_variant(0.0, 30), pv_variant(0.0, 7),
                                          pv_variant(1.0, 30), pv_variant(3.0, 30),
                                          pv_variant(6.0, 30), pv_variant(12.0, 30)};
  const std::vector<std::string> pv_names = {
      "clear sky x 30-day ratio",       "clear sky x 7-day ratio",
      "blend recent/30-day, tau 1 h",   "blend recent/30-day, tau 3 h",
      "blend recent/30-day, tau 6 h *", "blend recent/30-day, tau 12 h"};
  const std::size_t kPvDefault = 4;
  const auto load_variant = [](double weekday_share, bool median, double residual_tau_h) {
    forecast::LoadOptions options;
    options.weekday_share = weekday_share;
    options.track_median = median;
    options.residual_time_constant_s = residual_tau_h * 3600.0;
    return forecast::LoadForecast(options);
  };
  std::vector<forecast::LoadForecast> load = {
      load_variant(1.0, false, 0.0), load_variant(0.0, false, 0.0), load_variant(1.0, true, 0.0),
      load_variant(0.0, true, 0.0),  load_variant(0.5, true, 0.0),  load_variant(0.5, true, 1.0),
      load_variant(0.0, true, 1.0)};
  const std::vector<std::string> load_names = {
      "mean, weekday x quarter hour", "mean, all-days quarter hour", "median, weekday x qh",
      "median, all-days qh",          "median, blend 0.5",           "median, blend 0.5 + level *",
      "median, all-days + level"};
  const std::size_t kLoadDefault = 5;

  const auto n_slots = static_cast<std::size_t>(days * forecast::kSlotsPerDay);
  const auto make = [n_slots](const std::string& name) {
    Scored scored;
    scored.name = name;
    scored.forecast_w.assign(kHorizons, std::vector<double>(n_slots, kNone));
    return scored;
  };
  std::vector<Scored> pv_scores, load_scores;
  for (const std::string& name : pv_names) {
    pv_scores.push_back(make(name));
  }
  pv_scores.push_back(make("baseline: yesterday's same slot"));
  pv_scores.push_back(make("baseline: last slot"));
  for (const std::string& name : load_names) {
    load_scores.push_back(make(name));
  }
  load_scores.push_back(make("baseline: yesterday's same slot"));
  load_scores.push_back(make("baseline: last slot"));
  const std::size_t n_pv = pv.size(), n_load = load.size();

  std::vector<double> pv_actual(n_slots, kNone), load_actual(n_slots, kNone);
  const std::int64_t start = forecast::slot_start(site_options.start_unix_s);
  common::LocalClock clock;
  double pv_sum = 0.0, load_sum = 0.0, clear_sum = 0.0, pv_daylight_sum = 0.0;
  int samples = 0;
  std::size_t current = 0;
  double forecast_pv_s = 0.0, forecast_load_s = 0.0, sink = 0.0;
  long timed = 0;
  double pv_year = 0.0, load_year = 0.0;
  const auto sim_start = std::chrono::steady_clock::now();

  // Yesterday's same slot as known at `now`: 96 slots back, or 192 when that
  // slot has not ended yet (slots past the 96th of a 25-hour day).
  const auto yesterday = [&](const std::vector<double>& actual, std::size_t k, std::int64_t now) {
    for (std::size_t back : {std::size_t{96}, std::size_t{192}}) {
      if (k >= back && start + static_cast<std::int64_t>(k - back + 1) * forecast::kSlotS <= now) {
        return actual[k - back];
      }
    }
    return kNone;
  };

  const auto finish = [&](std::size_t k) {
    const std::int64_t slot = start + static_cast<std::int64_t>(k) * forecast::kSlotS;
    const std::int64_t now = slot + forecast::kSlotS;
    const double pv_w = pv_sum / samples, load_w = load_sum / samples;
    pv_actual[k] = pv_w;
    load_actual[k] = load_w;
    pv_year += pv_w;
    load_year += load_w;
    for (Scored& m : pv_scores) {
      score(m, k, slot, pv_w);
    }
    for (Scored& m : load_scores) {
      score(m, k, slot, load_w);
    }
    for (auto& f : pv) {
      f.observe(slot, pv_w);
    }
    for (auto& f : load) {
      f.observe(slot, load_w);
    }
    const double clear_w = pv[kPvDefault].clear_sky_w(slot);
    if (clear_w > 0.05 * array.inverter_max_w) {
      clear_sum += clear_w;
      pv_daylight_sum += pv_w;
    }
    // Forecasts made at `now` for the slot `j` in horizon `h`.
    const auto forecast_slot = [&](int h, std::size_t j) {
      if (j >= n_slots) {
        return;
      }
      const std::int64_t s = start + static_cast<std::int64_t>(j) * forecast::kSlotS;
      for (std::size_t i = 0; i < n_pv; ++i) {
        pv_scores[i].forecast_w[h][j] = pv[i].forecast_w(s, now);
      }
      pv_scores[n_pv].forecast_w[h][j] = yesterday(pv_actual, j, now);
      pv_scores[n_pv + 1].forecast_w[h][j] = pv_w;
      for (std::size_t i = 0; i < n_load; ++i) {
        load_scores[i].forecast_w[h][j] = load[i].forecast_w(s);
      }
      load_scores[n_load].forecast_w[h][j] = yesterday(load_actual, j, now);
      load_scores[n_load + 1].forecast_w[h][j] = load_w;
    };
    forecast_slot(2, k + 1);
    forecast_slot(1, k + 1 + kLead4h);
    const common::LocalClock::Local local_now = clock.at(now);
    if (local_now.minute_of_day == 0) {
      for (std::size_t j = k + 1; j < n_slots; ++j) {
        if (clock.at(start + static_cast<std::int64_t>(j) * forecast::kSlotS).day !=
            local_now.day) {
          break;
        }
        forecast_slot(0, j);
      }
    }

    // The planner's call: the next 192 slots from this `now`.
    auto t0 = std::chrono::steady_clock::now();
    for (int j = 0; j < 192; ++j) {
      sink += pv[kPvDefault].forecast_w(now + j * forecast::kSlotS, now);
    }
    auto t1 = std::chrono::steady_clock::now();
    for (int j = 0; j < 192; ++j) {
      sink += load[kLoadDefault].forecast_w(now + j * forecast::kSlotS);
    }
    auto t2 = std::chrono::steady_clock::now();
    forecast_pv_s += std::chrono::duration<double>(t1 - t0).count();
    forecast_load_s += std::chrono::duration<double>(t2 - t1).count();
    ++timed;
  };

  for (;;) {
    const sim::SiteState& s = site.step();
    const auto k =
        static_cast<std::size_t>((forecast::slot_start(s.unix_s) - start) / forecast::kSlotS);
    if (k != current) {
      finish(current);
      current = k;
      pv_sum = load_sum = 0.0;
      samples = 0;
    }
    if (k >= n_slots) {
      break;
    }
    pv_sum += s.pv_w;
    load_sum += s.consumption_w - s.ev_w;
    ++samples;
  }
  const double sim_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - sim_start).count();

  // A cold forecaster: the first call computes every slot's clear sky.
  double cold_s = 0.0;
  {
    forecast::PvForecast cold(array);
    const std::int64_t now = start + 180 * 86400;
    const auto t0 = std::chrono::steady_clock::now();
    for (int j = 0; j < 192; ++j) {
      sink += cold.forecast_w(now + j * forecast::kSlotS, now);
    }
    cold_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }

  const std::int64_t warm_from = start + 28 * 86400;
  std::printf("demo site, %ld days from 2026-01-01 (Brussels local time), simulated in %.1f s\n",
              days, sim_s);
  std::printf(
      "PV: inverter %.0f W, panels %.0f Wp; mean %.1f W; measured / clear sky over the "
      "run's daylight slots %.3f\n",
      array.inverter_max_w, array.peak_w, pv_year / static_cast<double>(n_slots),
      clear_sum > 0.0 ? pv_daylight_sum / clear_sum : 0.0);
  std::printf("household load (consumption - EV): mean %.1f W\n",
              load_year / static_cast<double>(n_slots));
  print("PV", pv_scores, warm_from);
  print("load", load_scores, warm_from);
  std::printf(
      "time per 192-slot forecast, new `now` each quarter hour (%ld calls): PV %.1f us, "
      "load %.1f us; PV with a cold clear-sky cache %.1f us\n",
      timed, forecast_pv_s / static_cast<double>(timed) * 1e6,
      forecast_load_s / static_cast<double>(timed) * 1e6, cold_s * 1e6);
  std::printf("(checksum %.0f)\n", sink);
  return 0;
}
