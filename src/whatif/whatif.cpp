#include "whatif/whatif.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include "common/time.hpp"
#include "control/controllers.hpp"
#include "model/loader.hpp"
#include "sim/control_adapter.hpp"
#include "sim/kpi.hpp"
#include "sim/site.hpp"
#include "whatif/recording.hpp"
#include "whatif/variant.hpp"

namespace kirchhoff::whatif {

namespace {

using model::LoadKind;

constexpr int kQuartersPerDay = 96;
// Heat a gas boiler made from a cubic metre: 9.77 kWh (the Dutch and Belgian
// reference calorific value, 35.17 MJ/m3) at 90 % efficiency.
constexpr double kGasHeatKwhPerM3 = 9.77 * 0.90;

common::Error invalid(std::string message) {
  return common::make_error(common::ErrorKind::kInvalidArgument, std::move(message));
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// Quarter-hour means of one run, per UTC day: what the typical days show.
struct DayCurves {
  std::int64_t day_start_s = 0;
  std::array<std::array<double, kQuartersPerDay>, 4> sum{};  // grid, pv, battery, soc
  std::array<int, kQuartersPerDay> count{};
  double pv_wh = 0.0;
};

struct RunOutcome {
  nlohmann::json kpis;
  double cost = 0.0;
  std::vector<DayCurves> days;
  double gas_saved_m3 = 0.0;
};

class Curves {
 public:
  void add(std::int64_t unix_s, double grid_w, double pv_w, double battery_w, double soc) {
    const std::int64_t day = unix_s - unix_s % 86400;
    if (days_.empty() || days_.back().day_start_s != day) {
      days_.push_back({});
      days_.back().day_start_s = day;
    }
    DayCurves& d = days_.back();
    const auto q = static_cast<std::size_t>((unix_s % 86400) / 900);
    d.sum[0][q] += grid_w;
    d.sum[1][q] += pv_w;
    d.sum[2][q] += battery_w;
    d.sum[3][q] += soc * 100.0;
    d.count[q] += 1;
    d.pv_wh += pv_w / 3600.0;
  }
  std::vector<DayCurves> take() { return std::move(days_); }

 private:
  std::vector<DayCurves> days_;
};

// One run: the recording (or the simulator when there is none) through the
// variant's site and manager.
common::Result<RunOutcome> run_one(const Request& request, const Recording* rec,
                                   const Variant& variant, Progress* progress) {
  sim::SiteOptions options;
  options.seed = request.seed;
  const std::int64_t from_s =
      rec != nullptr ? rec->from_s : request.start_unix_s.value_or(options.start_unix_s);
  const std::int64_t to_s =
      rec != nullptr ? rec->to_s : from_s + static_cast<std::int64_t>(request.sim_days) * 86400;
  options.start_unix_s = from_s;
  sim::SiteSimulator site(variant.installation, options);
  const model::Installation& inst = site.installation();
  if (rec != nullptr) {
    if (rec->initial_soc && site.battery() != nullptr) {
      site.battery()->set_soc(*rec->initial_soc);
    }
    for (std::size_t k = 0; k < rec->ev_sessions.size() && k < site.ev_charger_count(); ++k) {
      site.ev_charger(k)->set_planned_sessions(rec->ev_sessions[k]);
    }
  }
  if (variant.added_car) {
    site.ev_charger(site.ev_charger_count() - 1)
        ->set_planned_sessions(
            typical_sessions(from_s, to_s, variant.car_sessions_per_week, request.seed));
  }
  sim::KpiAccumulator kpis(inst);
  kpis.set_export_limit_w(control::ExportLimitation::limit_w(inst.control, site.pv_peak_w()));
  control::EnergyManager manager = control::make_default_manager(inst);
  common::LocalClock clock;
  const bool managed = variant.strategy != "none";
  control::ControlInput input;
  input.explain = false;
  control::SiteMeasurements measured;
  const devices::SiteDevices devices = sim::site_devices(site);
  Curves curves;
  RunOutcome outcome;

  // Per recorded step: every load's power and what follows from it.
  const std::size_t recorded_loads = rec != nullptr ? rec->load_count : 0;
  std::vector<float> row(std::max<std::size_t>(recorded_loads, 1), 0.0F);
  sim::RecordedSecond second;
  second.load_w = row.data();
  second.load_count = recorded_loads;

  auto one_second = [&](const sim::RecordedSecond* recorded) {
    if (managed && site.state().unix_s >= from_s) {
      const std::int64_t now_ms = (site.state().unix_s + 1) * 1000;
      sim::fill_measurements(site, site.state(), site.state().unix_s * 1000, measured);
      control::fill_input(inst, measured, devices, now_ms, 1.0, clock, input);
      sim::fill_sessions(site, input);
      control::apply(inst, devices, manager.cycle(input).setpoints);
    }
    const sim::SiteState& state = recorded != nullptr ? site.step_recorded(*recorded) : site.step();
    kpis.add(state, 1.0);
    curves.add(state.unix_s, state.grid_w, state.pv_w, state.battery_w, state.battery_soc);
  };

  if (rec == nullptr) {
    for (std::int64_t t = from_s; t < to_s; ++t) {
      one_second(nullptr);
      if ((t - from_s) % 86400 == 86399 && progress != nullptr) {
        progress->done_s += 86400;
        if (progress->cancel) {
          return invalid("cancelled");
        }
      }
    }
  } else {
    for (const RecordedBlock& block : rec->blocks) {
      if (progress != nullptr && progress->cancel) {
        return invalid("cancelled");
      }
      const std::size_t steps = block.load_w.empty() ? 0 : block.load_w[0].size();
      for (std::size_t i = 0; i < steps; ++i) {
        double grid = 0.0;
        double pv = 0.0;
        double battery = 0.0;
        double measured_use = 0.0;
        double heat_pump = 0.0;
        for (std::size_t l = 0; l < recorded_loads; ++l) {
          const float p = block.load_w[l].empty() ? 0.0F : block.load_w[l][i];
          row[l] = variant.silenced[l] ? 0.0F : p;
          switch (rec->kinds[l]) {
            case LoadKind::kGrid:
              grid += p;
              break;
            case LoadKind::kSolar:
              pv += p;
              break;
            case LoadKind::kBattery:
              battery += p;
              break;
            case LoadKind::kHeatpump:
              heat_pump += p;
              measured_use += p;
              break;
            default:
              measured_use += p;
          }
        }
        // What no load measured: the grid's balance of what the loads did.
        second.unmeasured_w = grid + pv + battery - measured_use;
        second.pv_scale = variant.pv_scale;
        second.heat_pump_w = heat_pump;
        second.source_v = block.source_v.empty() ? 0.0 : block.source_v[i];
        const std::int64_t t0 = block.start_s + static_cast<std::int64_t>(i) * block.step_s;
        const std::int64_t n =
            std::min<std::int64_t>(block.step_s, block.start_s + block.seconds - t0);
        for (std::int64_t k = 0; k < n; ++k) {
          double extra = 0.0;
          if (variant.heat_pump_from_gas && !rec->gas_m3.empty()) {
            const auto q = static_cast<std::size_t>((t0 + k - rec->from_s) / 900);
            if (q < rec->gas_m3.size()) {
              const double heat_w = rec->gas_m3[q] * kGasHeatKwhPerM3 * 1000.0 * 4.0;
              extra = heat_w / heat_pump_cop(typical_outdoor_c(t0 + k));
            }
          }
          const double base = second.unmeasured_w;
          second.unmeasured_w = base + extra;
          one_second(&second);
          second.unmeasured_w = base;
        }
      }
      if (progress != nullptr) {
        progress->done_s += block.seconds;
      }
    }
    if (variant.heat_pump_from_gas) {
      for (double m3 : rec->gas_m3) {
        outcome.gas_saved_m3 += m3;
      }
    }
  }
  outcome.kpis = kpis.report(site);
  outcome.cost = outcome.kpis.value("cost", 0.0);
  outcome.days = curves.take();
  return outcome;
}

// The recording's own quarter hours: the grid, PV and battery as measured.
std::vector<DayCurves> recorded_curves(const Recording& rec) {
  Curves curves;
  for (const RecordedBlock& block : rec.blocks) {
    const std::size_t steps = block.load_w.empty() ? 0 : block.load_w[0].size();
    for (std::size_t i = 0; i < steps; ++i) {
      double flow[3] = {0.0, 0.0, 0.0};
      for (std::size_t l = 0; l < rec.load_count; ++l) {
        const int at = rec.kinds[l] == LoadKind::kGrid      ? 0
                       : rec.kinds[l] == LoadKind::kSolar   ? 1
                       : rec.kinds[l] == LoadKind::kBattery ? 2
                                                            : -1;
        if (at >= 0 && !block.load_w[l].empty()) {
          flow[at] += block.load_w[l][i];
        }
      }
      const std::int64_t t0 = block.start_s + static_cast<std::int64_t>(i) * block.step_s;
      const std::int64_t n =
          std::min<std::int64_t>(block.step_s, block.start_s + block.seconds - t0);
      for (std::int64_t k = 0; k < n; ++k) {
        curves.add(t0 + k, flow[0], flow[1], flow[2], 0.0);
      }
    }
  }
  return curves.take();
}

}  // namespace

common::Result<Vary> parse_vary(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return invalid("--vary " + std::string(text) +
                   ": write KEY=V1,V2,... (e.g. "
                   "battery.capacity_kwh=5,10,15)");
  }
  Vary vary;
  vary.key = trim(text.substr(0, eq));
  std::string_view rest = text.substr(eq + 1);
  while (true) {
    const auto comma = rest.find(',');
    std::string value = trim(rest.substr(0, comma));
    if (value.empty()) {
      return invalid("--vary " + std::string(text) + ": an empty value");
    }
    if (std::find(vary.values.begin(), vary.values.end(), value) == vary.values.end()) {
      vary.values.push_back(std::move(value));
    }
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  return vary;
}

common::Result<Capex> parse_capex(std::string_view text) {
  const auto eq = text.find('=');
  Capex capex;
  if (eq != std::string_view::npos) {
    capex.key = trim(text.substr(0, eq));
    const std::string price = trim(text.substr(eq + 1));
    const char* end = price.data() + price.size();
    auto [ptr, ec] = std::from_chars(price.data(), end, capex.price_per_unit);
    if (ec == std::errc() && ptr == end && std::isfinite(capex.price_per_unit) &&
        capex.price_per_unit >= 0.0 && !capex.key.empty()) {
      return capex;
    }
  }
  return invalid("--capex " + std::string(text) +
                 ": write KEY=PRICE, the price of one unit in the tariff's currency (e.g. "
                 "battery.capacity_kwh=450 for 450 per kWh)");
}

common::Status check_request(const Request& request) {
  std::vector<std::string> keys;
  for (const Vary& vary : request.vary) {
    if (std::find(keys.begin(), keys.end(), vary.key) != keys.end()) {
      return invalid("--vary " + vary.key + " is given twice; give all its values in one");
    }
    keys.push_back(vary.key);
    if (vary.values.empty()) {
      return invalid("--vary " + vary.key + ": no values");
    }
    for (const std::string& value : vary.values) {
      if (auto ok = check_setting(vary.key, value, request.installation_dir); !ok) {
        return ok;
      }
    }
  }
  for (const Capex& capex : request.capex) {
    if (std::find(std::begin(kCapexKeys), std::end(kCapexKeys), capex.key) ==
        std::end(kCapexKeys)) {
      return invalid("--capex " + capex.key +
                     ": prices apply to battery.capacity_kwh, battery.power_kw, solar.kwp or "
                     "heatpump");
    }
  }
  if (!request.strategy.empty() && request.strategy != "none" && request.strategy != "managed") {
    return invalid("--strategy must be none or managed, not '" + request.strategy + "'");
  }
  std::size_t variants = 1;
  for (const Vary& vary : request.vary) {
    variants *= vary.values.size();
    if (variants > 256) {
      return invalid("--vary: more than 256 combinations; vary fewer values at once");
    }
  }
  return {};
}

common::Result<nlohmann::json> run(const Request& request, Progress* progress) {
  const auto started = std::chrono::steady_clock::now();
  if (auto ok = check_request(request); !ok) {
    return ok.error();
  }
  auto installation = model::load_installation_text(request.installation_text, "the installation");
  if (!installation) {
    return installation.error();
  }
  if (progress != nullptr) {
    progress->phase = 0;
  }
  std::optional<Recording> recording;
  if (!request.history_path.empty()) {
    auto read = read_recording(request.history_path, *installation, request.from_ms, request.to_ms,
                               progress);
    if (!read) {
      return read.error();
    }
    recording = std::move(*read);
  }
  const std::string recorded_strategy =
      recording && !recording->strategy.empty() ? recording->strategy : "managed";

  // The runs: the baseline, then every combination of the --vary values.
  std::vector<std::map<std::string, std::string>> sets{{}};
  for (const Vary& vary : request.vary) {
    std::vector<std::map<std::string, std::string>> next;
    for (const auto& set : sets) {
      for (const std::string& value : vary.values) {
        auto with = set;
        with[vary.key] = value;
        next.push_back(std::move(with));
      }
    }
    sets = std::move(next);
  }
  if (!request.vary.empty()) {
    sets.insert(sets.begin(), std::map<std::string, std::string>{});
  }
  std::vector<Variant> variants;
  for (const auto& set : sets) {
    auto variant = make_variant(request, set, recorded_strategy);
    if (!variant) {
      return variant.error();
    }
    variants.push_back(std::move(*variant));
  }
  const std::int64_t period_s =
      recording ? recording->to_s - recording->from_s : std::int64_t{request.sim_days} * 86400;
  if (progress != nullptr) {
    progress->phase = 1;
    progress->done_s = 0;
    progress->total_s = period_s * static_cast<std::int64_t>(variants.size());
  }
  std::vector<std::optional<common::Result<RunOutcome>>> outcomes(variants.size());
  std::atomic<std::size_t> next{0};
  const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const int jobs =
      std::clamp(request.jobs > 0 ? request.jobs : cores, 1, static_cast<int>(variants.size()));
  auto worker = [&] {
    for (std::size_t k = next++; k < variants.size(); k = next++) {
      outcomes[k] = run_one(request, recording ? &*recording : nullptr, variants[k], progress);
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j) {
    threads.emplace_back(worker);
  }
  worker();
  for (auto& t : threads) {
    t.join();
  }
  for (auto& outcome : outcomes) {
    if (!*outcome) {
      return outcome->error();
    }
  }
  const RunOutcome& base = **outcomes[0];
  nlohmann::json out;
  const std::int64_t from_s = recording
                                  ? recording->from_s
                                  : request.start_unix_s.value_or(sim::SiteOptions{}.start_unix_s);
  const double days = static_cast<double>(period_s) / 86400.0;
  out["period"] = {{"from", common::format_utc_time(from_s * 1000)},
                   {"to", common::format_utc_time((from_s + period_s) * 1000)},
                   {"days", days},
                   {"raw_seconds", recording ? recording->raw_seconds : period_s},
                   {"minute_seconds", recording ? recording->minute_seconds : 0}};
  out["strategy"] = variants[0].strategy;
  out["source"] = recording ? "history" : "simulation";
  const double recorded_import =
      recording ? recording->import_kwh : base.kpis.value("import_kwh", 0.0);
  const double recorded_export =
      recording ? recording->export_kwh : base.kpis.value("export_kwh", 0.0);
  out["recorded"] = {{"import_kwh", recorded_import}, {"export_kwh", recorded_export}};
  auto error_pct = [](double modelled, double recorded) -> nlohmann::json {
    if (recorded <= 0.0) {
      return modelled <= 0.0 ? nlohmann::json(0.0) : nlohmann::json(nullptr);
    }
    return std::round((modelled - recorded) / recorded * 100.0 * 1000.0) / 1000.0;
  };
  const auto import_error = error_pct(base.kpis.value("import_kwh", 0.0), recorded_import);
  const auto export_error = error_pct(base.kpis.value("export_kwh", 0.0), recorded_export);
  // Within 0.5 % (or 5 Wh when less than 1 kWh was recorded).
  auto within = [](double modelled, double recorded) {
    return std::abs(modelled - recorded) <= 0.005 * std::max(recorded, 1.0);
  };
  const bool reproduces = within(base.kpis.value("import_kwh", 0.0), recorded_import) &&
                          within(base.kpis.value("export_kwh", 0.0), recorded_export);
  out["baseline"] = {{"kpis", base.kpis},
                     {"import_error_pct", import_error},
                     {"export_error_pct", export_error},
                     {"reproduces_recorded", reproduces}};
  out["currency"] = base.kpis.value("currency", "EUR");

  // Variants: savings against the baseline and, with prices, the payback.
  nlohmann::json list = nlohmann::json::array();
  std::optional<std::size_t> best;
  double best_score = 0.0;
  for (std::size_t k = 1; k < variants.size(); ++k) {
    const RunOutcome& o = **outcomes[k];
    nlohmann::json kpis = o.kpis;
    const double savings = base.cost - o.cost;
    const double per_year = days > 0.0 ? savings * 365.0 / days : 0.0;
    kpis["savings"] = std::round(savings * 100.0) / 100.0;
    kpis["savings_per_year"] = std::round(per_year * 100.0) / 100.0;
    if (variants[k].heat_pump_from_gas) {
      kpis["gas_saved_m3"] = std::round(o.gas_saved_m3 * 1000.0) / 1000.0;
    }
    std::optional<double> payback;
    if (!request.capex.empty()) {
      double investment = 0.0;
      for (const Capex& capex : request.capex) {
        investment +=
            (variants[k].sizes[capex.key] - variants[0].sizes[capex.key]) * capex.price_per_unit;
      }
      kpis["investment"] = std::round(investment * 100.0) / 100.0;
      if (investment > 0.0 && per_year > 0.0) {
        payback = investment / per_year;
        kpis["payback_years"] = std::round(*payback * 10.0) / 10.0;
      } else {
        kpis["payback_years"] = nullptr;
      }
    }
    // The best: the shortest payback of those that pay back, else the most saved.
    const double score = payback ? 1e12 - *payback : savings;
    if (!best || score > best_score) {
      best = k;
      best_score = score;
    }
    list.push_back({{"set", variants[k].set}, {"kpis", std::move(kpis)}});
  }
  out["variants"] = std::move(list);
  out["best"] = best ? nlohmann::json(*best - 1) : nlohmann::json(nullptr);

  // Typical days: the whole days at the 90th and 10th percentile of
  // recorded PV energy, recorded against the best variant (or the baseline).
  const std::vector<DayCurves> recorded_days = recording ? recorded_curves(*recording) : base.days;
  std::vector<std::size_t> whole;
  for (std::size_t d = 0; d < recorded_days.size(); ++d) {
    if (std::all_of(recorded_days[d].count.begin(), recorded_days[d].count.end(),
                    [](int c) { return c > 0; })) {
      whole.push_back(d);
    }
  }
  std::sort(whole.begin(), whole.end(), [&](std::size_t a, std::size_t b) {
    return recorded_days[a].pv_wh < recorded_days[b].pv_wh;
  });
  nlohmann::json typical = nlohmann::json::array();
  const RunOutcome& shown = best ? **outcomes[*best] : base;
  auto curves = [](const DayCurves& d, bool with_soc) {
    nlohmann::json c;
    const char* names[] = {"grid_w", "pv_w", "battery_w", "battery_soc_pct"};
    for (int s = 0; s < (with_soc ? 4 : 3); ++s) {
      nlohmann::json values = nlohmann::json::array();
      for (int q = 0; q < kQuartersPerDay; ++q) {
        values.push_back(d.count[q] > 0 ? std::round(d.sum[s][q] / d.count[q] * 10.0) / 10.0 : 0.0);
      }
      c[names[s]] = std::move(values);
    }
    return c;
  };
  if (!whole.empty()) {
    const std::pair<const char*, double> picks[] = {{"summer", 0.9}, {"winter", 0.1}};
    for (const auto& [name, quantile] : picks) {
      const std::size_t d = whole[static_cast<std::size_t>(
          std::round(quantile * static_cast<double>(whole.size() - 1)))];
      const auto match = std::find_if(
          shown.days.begin(), shown.days.end(),
          [&](const DayCurves& x) { return x.day_start_s == recorded_days[d].day_start_s; });
      typical.push_back(
          {{"name", name},
           {"date", common::format_utc_time(recorded_days[d].day_start_s * 1000).substr(0, 10)},
           {"step_s", 900},
           {"recorded", curves(recorded_days[d], false)},
           {"best", match != shown.days.end() ? curves(*match, true) : nlohmann::json()}});
    }
  }
  out["typical_days"] = std::move(typical);
  out["elapsed_s"] =
      std::round(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() *
                 10.0) /
      10.0;
  if (progress != nullptr) {
    progress->phase = 2;
  }
  return out;
}

}  // namespace kirchhoff::whatif
