#include "daemon/energy_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <system_error>
#include <utility>
#include <vector>

#include "common/json_text.hpp"
#include "common/time.hpp"
#include "daemon/people_commands.hpp"

namespace kirchhoff::daemon {

namespace {

constexpr std::int64_t kQuarterMs = store::kLevel15m;
constexpr std::int64_t kDayMs = store::kLevel1d;
constexpr std::int64_t kDayS = 86'400;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a >= 0 ? a / b : (a - b + 1) / b; }

// The UTC second at which local day `local_day` begins. The offset in force
// at midnight may differ from the one now (a daylight saving change during
// the day): two corrections settle on the offset of midnight itself.
std::int64_t local_midnight_s(std::int64_t local_day, const SummaryClock& clock,
                              std::int64_t offset_hint_s) {
  std::int64_t t = local_day * kDayS - offset_hint_s;
  for (int i = 0; i < 2; ++i) {
    t = local_day * kDayS - clock.utc_offset_s(t);
  }
  return t;
}

// A counter's 15-minute buckets by start, from a day before the month on.
struct Counter {
  std::string key;
  std::map<std::int64_t, store::Bucket> buckets;
};

// What a counter grew by in a period, per quarter hour.
struct Growth {
  bool any = false;  // the counter has points in the period
  double total_wh = 0.0;
  std::map<std::int64_t, double> quarters_wh;  // quarter start (ms) -> growth
  std::set<std::int64_t> complete;             // quarters measured at both ends
};

common::Result<std::optional<Counter>> read_counter(store::Store& store, const std::string& key,
                                                    std::int64_t from_ms, std::int64_t to_ms) {
  auto buckets = store.read_rollup(key, kQuarterMs, from_ms, to_ms);
  if (!buckets) {
    if (buckets.error().kind == common::ErrorKind::kNotFound) {
      return std::optional<Counter>();
    }
    return buckets.error();
  }
  Counter counter{key, {}};
  for (const store::Bucket& b : *buckets) {
    if (b.count > 0) {
      counter.buckets[b.start_ms] = b;
    }
  }
  return std::optional<Counter>(std::move(counter));
}

// The counter's growth over [from_ms, now_ms]. Its value at from_ms is the
// last one before it: from the buckets read (a day before the month on), else
// from whole day buckets that end before from_ms, else (the series began in
// the period) its first value in the period.
common::Result<Growth> period_growth(store::Store& store, const Counter& counter,
                                     std::int64_t from_ms, std::int64_t now_ms) {
  Growth growth;
  const auto first_in = counter.buckets.lower_bound(from_ms);
  if (first_in == counter.buckets.end() || first_in->first > now_ms) {
    return growth;
  }
  growth.any = true;
  std::optional<double> previous;
  if (first_in != counter.buckets.begin()) {
    previous = std::prev(first_in)->second.last;
  } else {
    // Day buckets that start a day or more before from_ms end before it;
    // the buckets read cover the rest (they start a day before the month).
    auto days = store.read_rollup(counter.key, kDayMs, 0, from_ms - kDayMs);
    if (!days) {
      return days.error();
    }
    for (auto it = days->rbegin(); it != days->rend(); ++it) {
      if (it->count > 0) {
        previous = it->last;
        break;
      }
    }
  }
  if (!previous) {
    previous = first_in->second.first;
  }
  for (auto it = first_in; it != counter.buckets.end() && it->first <= now_ms; ++it) {
    // A counter that went back (a replaced meter) counts nothing here.
    const double wh = std::max(0.0, it->second.last - *previous);
    previous = it->second.last;
    growth.quarters_wh[it->first] = wh;
    growth.total_wh += wh;
    const std::int64_t q = it->first;
    if (q + kQuarterMs <= now_ms && counter.buckets.contains(q - kQuarterMs) &&
        counter.buckets.contains(q + kQuarterMs)) {
      growth.complete.insert(q);
    }
  }
  return growth;
}

// Several loads of one kind: their growths added, a quarter complete when
// it is complete in every counter that has points in the period.
Growth add_up(const std::vector<Growth>& parts) {
  Growth sum;
  bool first = true;
  for (const Growth& g : parts) {
    if (!g.any) {
      continue;
    }
    sum.any = true;
    sum.total_wh += g.total_wh;
    for (const auto& [q, wh] : g.quarters_wh) {
      sum.quarters_wh[q] += wh;
    }
    if (first) {
      sum.complete = g.complete;
      first = false;
    } else {
      std::set<std::int64_t> both;
      for (std::int64_t q : sum.complete) {
        if (g.complete.contains(q)) {
          both.insert(q);
        }
      }
      sum.complete = std::move(both);
    }
  }
  return sum;
}

double rounded(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  const double r = std::round(value * scale) / scale;
  return r == 0.0 ? 0.0 : r;  // no "-0"
}

nlohmann::json number_or_null(std::optional<double> value, int decimals) {
  return value ? nlohmann::json(rounded(*value, decimals)) : nlohmann::json(nullptr);
}

std::optional<double> kwh(const Growth& g) {
  return g.any ? std::optional<double>(g.total_wh / 1000.0) : std::nullopt;
}

// Per kind of load: its counters' growths in one period.
struct PeriodGrowth {
  std::optional<Growth> grid_import, grid_export, solar, discharge, charge;
};

nlohmann::json period_json(const PeriodGrowth& p, std::int64_t from_ms, std::int64_t now_ms,
                           const model::Installation& installation,
                           const model::TariffConfig& tariff, const SummaryClock& clock) {
  auto energy = [](const std::optional<Growth>& g) {
    return g ? kwh(*g) : std::optional<double>();
  };
  const auto import_kwh = energy(p.grid_import);
  const auto export_kwh = energy(p.grid_export);
  const auto solar_kwh = energy(p.solar);
  const auto discharge_kwh = energy(p.discharge);
  const auto charge_kwh = energy(p.charge);
  // The grid is needed; an absent solar or battery load adds nothing (the
  // house has none), one with no points in the period is unknown.
  std::optional<double> consumption_kwh;
  if (import_kwh && export_kwh && (!p.solar || solar_kwh) && (!p.discharge || discharge_kwh) &&
      (!p.charge || charge_kwh)) {
    consumption_kwh = *import_kwh - *export_kwh + solar_kwh.value_or(0.0) +
                      discharge_kwh.value_or(0.0) - charge_kwh.value_or(0.0);
  }
  std::optional<double> self_sufficiency;
  if (consumption_kwh && import_kwh && *consumption_kwh > 0.0) {
    self_sufficiency = std::clamp(100.0 * (1.0 - *import_kwh / *consumption_kwh), 0.0, 100.0);
  }
  std::optional<double> self_consumption;
  if (solar_kwh && export_kwh && *solar_kwh > 0.0) {
    self_consumption = std::clamp(100.0 * (*solar_kwh - *export_kwh) / *solar_kwh, 0.0, 100.0);
  }
  // Each quarter's energy at the price in force at its start.
  auto priced = [&](const std::optional<Growth>& g, bool importing) -> std::optional<double> {
    if (!g || !g->any) {
      return std::nullopt;
    }
    double money = 0.0;
    for (const auto& [q, wh] : g->quarters_wh) {
      const std::int64_t s = q / 1000;
      const std::int64_t local_s = s + clock.utc_offset_s(s);
      const auto minute = static_cast<int>((local_s - floor_div(local_s, kDayS) * kDayS) / 60);
      const double price =
          importing ? tariff.import_price_at(s, minute) : tariff.export_price_at(s, minute);
      money += wh / 1000.0 * price;
    }
    return money;
  };
  const auto import_cost = priced(p.grid_import, true);
  const auto export_earnings = priced(p.grid_export, false);
  std::optional<double> net_cost;
  if (import_cost && export_earnings) {
    net_cost = *import_cost - *export_earnings;
  }
  // The capacity peak: the highest complete quarter's mean import; null
  // until a quarter is complete. Of equal ones (within the float noise of
  // counter differences, far below the counters' 1 mWh) the earliest.
  std::optional<double> peak_kw;
  std::optional<std::int64_t> peak_at;
  if (p.grid_import && p.grid_import->any) {
    for (std::int64_t q : p.grid_import->complete) {
      const double kw = p.grid_import->quarters_wh.at(q) * 4.0 / 1000.0;
      if (!peak_kw || kw > *peak_kw + 1e-9) {
        peak_kw = kw;
        peak_at = q;
      }
    }
  }
  nlohmann::json capacity = {
      {"peak_kw", number_or_null(peak_kw, 3)},
      {"peak_at", peak_at ? nlohmann::json(common::format_utc_time(*peak_at)) : nullptr},
      {"limit_kw", number_or_null(installation.control.grid.peak_limit_kw, 3)},
      {"billed_kw", nullptr},
      {"cost", nullptr}};
  if (tariff.capacity && peak_kw) {
    const double billed = std::max(*peak_kw, tariff.capacity->min_kw);
    capacity["billed_kw"] = rounded(billed, 3);
    capacity["cost"] = rounded(tariff.capacity->eur_per_kw_month * billed, 4);
  }
  return {{"from", common::format_utc_time(from_ms)},
          {"to", common::format_utc_time(now_ms)},
          {"import_kwh", number_or_null(import_kwh, 3)},
          {"export_kwh", number_or_null(export_kwh, 3)},
          {"solar_kwh", number_or_null(solar_kwh, 3)},
          {"consumption_kwh", number_or_null(consumption_kwh, 3)},
          {"battery_charge_kwh", number_or_null(charge_kwh, 3)},
          {"battery_discharge_kwh", number_or_null(discharge_kwh, 3)},
          {"self_sufficiency_pct", number_or_null(self_sufficiency, 1)},
          {"self_consumption_pct", number_or_null(self_consumption, 1)},
          {"import_cost", number_or_null(import_cost, 4)},
          {"export_earnings", number_or_null(export_earnings, 4)},
          {"net_cost", number_or_null(net_cost, 4)},
          {"capacity", capacity}};
}

}  // namespace

common::Result<nlohmann::json> compute_energy_summary(store::Store& store,
                                                      const model::Installation& installation,
                                                      const model::TariffConfig& tariff,
                                                      const SummaryClock& clock) {
  const std::int64_t now_ms = clock.now_ms;
  const std::int64_t now_s = floor_div(now_ms, 1000);
  const std::int64_t offset_s = clock.utc_offset_s(now_s);
  const std::int64_t local_day = floor_div(now_s + offset_s, kDayS);
  const std::int64_t today_ms = local_midnight_s(local_day, clock, offset_s) * 1000;
  // The local date's year and month: the calendar of the local day number.
  const auto day_start = static_cast<std::time_t>(local_day * kDayS);
  std::tm date{};
  gmtime_r(&day_start, &date);
  const std::int64_t first_day = common::days_from_civil(date.tm_year + 1900, date.tm_mon + 1, 1);
  const std::int64_t month_ms = local_midnight_s(first_day, clock, offset_s) * 1000;
  const std::int64_t read_from_ms = month_ms - kDayMs;

  // Each counter of a kind of load, read once for both periods.
  PeriodGrowth today, month;
  auto collect = [&](model::LoadKind kind, const char* counter,
                     std::optional<Growth> PeriodGrowth::*member) -> common::Status {
    std::vector<Growth> in_day, in_month;
    bool any_load = false;
    for (const auto& load : installation.loads) {
      if (load.kind != kind) {
        continue;
      }
      any_load = true;
      auto read = read_counter(store, "load/" + load.name + "/" + counter, read_from_ms, now_ms);
      if (!read) {
        return read.error();
      }
      if (!*read) {
        continue;
      }
      auto d = period_growth(store, **read, today_ms, now_ms);
      auto m = d ? period_growth(store, **read, month_ms, now_ms) : d;
      if (!d || !m) {
        return !d ? d.error() : m.error();
      }
      in_day.push_back(std::move(*d));
      in_month.push_back(std::move(*m));
    }
    if (any_load) {
      today.*member = add_up(in_day);
      month.*member = add_up(in_month);
    }
    return common::Status::success();
  };
  using model::LoadKind;
  for (auto [kind, counter, member] :
       {std::tuple{LoadKind::kGrid, "energy_import_wh", &PeriodGrowth::grid_import},
        std::tuple{LoadKind::kGrid, "energy_export_wh", &PeriodGrowth::grid_export},
        std::tuple{LoadKind::kSolar, "energy_import_wh", &PeriodGrowth::solar},
        std::tuple{LoadKind::kBattery, "energy_import_wh", &PeriodGrowth::discharge},
        std::tuple{LoadKind::kBattery, "energy_export_wh", &PeriodGrowth::charge}}) {
    if (auto s = collect(kind, counter, member); !s) {
      return s.error();
    }
  }
  return nlohmann::json{
      {"time_ms", now_ms},
      {"currency", tariff.currency},
      {"timezone", clock.timezone},
      {"utc_offset_s", offset_s},
      {"today", period_json(today, today_ms, now_ms, installation, tariff, clock)},
      {"month", period_json(month, month_ms, now_ms, installation, tariff, clock)}};
}

std::string local_zone_name(std::int64_t utc_offset_s) {
  // Read once at start; nothing in the daemon changes TZ.
  if (const char* tz = std::getenv("TZ");
      tz != nullptr && *tz != '\0') {  // NOLINT(concurrency-mt-unsafe)
    return tz[0] == ':' ? std::string(tz + 1) : std::string(tz);
  }
  std::error_code error;
  const std::string target = std::filesystem::read_symlink("/etc/localtime", error).string();
  if (const auto at = target.find("zoneinfo/"); !error && at != std::string::npos) {
    return target.substr(at + 9);
  }
  const std::int64_t minutes = std::abs(utc_offset_s) / 60;
  char text[32];
  std::snprintf(text, sizeof text, "%c%02lld:%02lld", utc_offset_s < 0 ? '-' : '+',
                static_cast<long long>(minutes / 60), static_cast<long long>(minutes % 60));
  return text;
}

EnergySummary::EnergySummary(std::string db_path, std::function<Inputs()> inputs)
    : db_path_(std::move(db_path)),
      inputs_(std::move(inputs)),
      timezone_(local_zone_name(local_utc_offset_s(common::unix_ms_now() / 1000))) {}

common::Result<std::string> EnergySummary::json(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (!cached_.empty() && now_ms >= cached_at_ms_ && now_ms - cached_at_ms_ < kCacheMs) {
    return cached_;
  }
  if (!store_) {
    store::StoreOptions options;
    options.read_only = true;
    auto opened = store::Store::open(db_path_, options);
    if (!opened) {
      return opened.error();
    }
    store_ = std::move(*opened);
  }
  const Inputs in = inputs_();
  if (!in.installation) {
    return common::make_error(common::ErrorKind::kNotFound, "summary: no installation yet");
  }
  model::TariffConfig tariff = in.installation->control.tariff;
  tariff.prices = in.prices;
  const SummaryClock clock{now_ms, local_utc_offset_s, timezone_};
  auto summary = compute_energy_summary(*store_, *in.installation, tariff, clock);
  if (!summary) {
    return summary.error();
  }
  cached_ = common::json_text(*summary);
  cached_at_ms_ = now_ms;
  return cached_;
}

void EnergySummary::add_route(api::Router& router, api::AuthApi& auth) {
  router.add("GET", "/api/v1/summary",
             auth.guarded(auth::Role::kViewer, false,
                          [this](const api::HttpRequest&, const auth::Session&) {
                            auto body = json(common::unix_ms_now());
                            return body ? api::json_body(200, *body)
                                        : api::json_error(503, body.error().message);
                          }));
}

}  // namespace kirchhoff::daemon
