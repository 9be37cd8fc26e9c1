#include <array>
#include <ostream>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "app/progress_bar.hpp"
#include "app/simulate_planning.hpp"
#include "common/json_text.hpp"
#include "common/time.hpp"
#include "control/controllers.hpp"
#include "daemon/data_dir.hpp"
#include "daemon/history_writer.hpp"
#include "daemon/source.hpp"
#include "model/loader.hpp"
#include "model/price_series.hpp"
#include "sim/control_adapter.hpp"
#include "sim/kpi.hpp"
#include "sim/site.hpp"
#include "store/background_appender.hpp"
#include "store/store.hpp"

namespace kirchhoff::app {

int simulate_command(const CommandContext& ctx) {
  constexpr std::array<std::string_view, 7> kKnown = {"config", "days",  "seed",  "strategy",
                                                      "data",   "start", "prices"};
  const auto options = Options::parse(ctx.args, kKnown);
  if (!options) {
    ctx.err << "kirchhoff simulate: " << options.error().message
            << "\nusage: kirchhoff simulate --config FILE [--days N] [--seed S] [--start DATE] "
               "[--strategy none|managed|planned|optimal] [--prices FILE] [--data DIR]\n";
    return kExitUnreadable;
  }
  const auto config = options->get("config");
  if (!config) {
    ctx.err << "kirchhoff simulate: --config FILE is required\n";
    return kExitUnreadable;
  }
  const auto days = options->integer("days", 1, 1, 3660);
  const auto seed = options->integer("seed", 1, 0, 1LL << 62);
  for (const auto* bad : {&days, &seed}) {
    if (!*bad) {
      ctx.err << "kirchhoff simulate: " << bad->error().message << "\n";
      return kExitUnreadable;
    }
  }
  const std::string strategy = options->get("strategy").value_or("none");
  if (strategy != "none" && strategy != "managed" && strategy != "planned" &&
      strategy != "optimal") {
    ctx.err << "kirchhoff simulate: --strategy must be none (devices unmanaged), managed (the "
               "energy manager's rules), planned (the rules following the planner's plan, "
               "re-planned each quarter hour from forecasts) or optimal (one plan over the whole "
               "run with perfect knowledge), not '"
            << strategy << "'\n";
    return kExitUnreadable;
  }
  auto installation = model::load_installation_file(*config);
  if (!installation) {
    return report_installation_error(ctx, installation.error());
  }
  // --prices replaces the installation's price file for this run (a path
  // relative to the working directory, as command-line paths are).
  if (auto prices_file = options->get("prices")) {
    auto prices = model::PriceSeries::load(*prices_file);
    if (!prices) {
      ctx.err << "kirchhoff simulate: --prices: " << prices.error().message << "\n";
      return prices.error().kind == common::ErrorKind::kIoError ? kExitUnreadable : kExitInvalid;
    }
    installation->control.tariff.prices_file = *prices_file;
    installation->control.tariff.prices =
        std::make_shared<const model::PriceSeries>(std::move(*prices));
  }
  sim::SiteOptions site_options;
  site_options.seed = static_cast<std::uint64_t>(*seed);
  if (auto start = options->get("start")) {
    const auto unix_s = common::parse_utc_time(*start);
    if (!unix_s) {
      ctx.err << "kirchhoff simulate: --start must be a date such as 2026-06-01 (UTC), not '"
              << *start << "'\n";
      return kExitUnreadable;
    }
    site_options.start_unix_s = *unix_s;
  }
  sim::SiteSimulator site(*installation, site_options);
  sim::KpiAccumulator kpis(site.installation());
  kpis.set_export_limit_w(
      control::ExportLimitation::limit_w(site.installation().control, site.pv_peak_w()));
  const std::int64_t steps = *days * 86400;
  ProgressBar progress("simulating");
  // Managed: each second the manager decides on the state measured the second
  // before (one cycle of delay, as on a real site) and the devices obey.
  control::EnergyManager manager = control::make_default_manager(site.installation());
  common::LocalClock clock;
  const bool managed = strategy != "none";
  // planned and optimal: the planner's plan in the manager's input.
  std::optional<PlanningRun> planning;
  if (strategy == "optimal") {
    // What happened, quarter hour by quarter hour, from a first pass of the
    // same run without management (the same seed gives the same weather,
    // household and cars).
    planning.emplace(site.installation(), site, site_options,
                     record_run(site.installation(), site_options, steps));
  } else if (strategy == "planned") {
    planning.emplace(site.installation(), site, site_options, std::nullopt);
  }
  // With --data the run also writes its history (1 Hz, committed every six
  // simulated hours in one block, on a second core), as the daemon would have.
  std::optional<daemon::DataDir> data_dir;
  std::unique_ptr<store::Store> history;
  std::optional<daemon::HistoryWriter> writer;
  // The store writes on a second core while the simulation runs on this one.
  std::optional<store::BackgroundAppender> appender;
  daemon::EnergyRegisters registers;
  if (auto dir = options->get("data")) {
    auto opened = daemon::DataDir::open(*dir);
    if (!opened) {
      ctx.err << "kirchhoff simulate: " << opened.error().message << "\n";
      return kExitUnreadable;
    }
    data_dir.emplace(std::move(*opened));
    store::StoreOptions store_options;
    store_options.sync_full = false;  // a backfill: checkpointed at the end
    // Raw chunks older than the retention at the end are never written: the
    // file holds what a daemon's would after the same period.
    store_options.raw_from_ms =
        (site_options.start_unix_s + steps) * 1000 - store_options.raw_retention_ms;
    auto store = store::Store::open(data_dir->file("history.db"), store_options);
    if (!store) {
      ctx.err << "kirchhoff simulate: " << store.error().message << "\n";
      return kExitInvalid;
    }
    history = std::move(*store);
    auto created = daemon::HistoryWriter::create(*history, site.installation());
    if (!created) {
      ctx.err << "kirchhoff simulate: " << created.error().message << "\n";
      return kExitInvalid;
    }
    writer.emplace(std::move(*created));
    // What ran, for a replay of this history (docs/whatif.md).
    if (auto s = history->add_event({site_options.start_unix_s * 1000, "simulate", "",
                                     "strategy " + strategy + ", seed " + std::to_string(*seed)});
        !s) {
      ctx.err << "kirchhoff simulate: " << s.error().message << "\n";
      return kExitInvalid;
    }
    if (auto restored = writer->restore(registers); !restored) {
      ctx.err << "kirchhoff simulate: " << restored.error().message << "\n";
      return kExitInvalid;
    }
    // The bulk path: six hours of every series per block and commit, which
    // seal straight into hourly chunks and whole six-hour minute-rollup blocks.
    appender.emplace(*history);
    writer->buffer_blocks(6 * 3600, 1000, &*appender);
  }
  control::ControlInput input;
  input.explain = false;  // nobody reads the reasons of a batch run
  control::SiteMeasurements measured;
  const devices::SiteDevices devices = sim::site_devices(site);
  snapshot::SiteSnapshot snap;  // refilled every second, its memory reused
  for (std::int64_t i = 0; i < steps; ++i) {
    if (managed && i > 0) {
      const std::int64_t now_ms = (site.state().unix_s + 1) * 1000;
      sim::fill_measurements(site, site.state(), site.state().unix_s * 1000, measured);
      control::fill_input(site.installation(), measured, devices, now_ms, 1.0, clock, input);
      sim::fill_sessions(site, input);
      if (planning) {
        planning->before_cycle(input, kpis.month_peak_w());
        if (planning->failed()) {
          ctx.err << "kirchhoff simulate: " << planning->error() << "\n";
          return kExitInvalid;
        }
      }
      control::apply(site.installation(), devices, manager.cycle(input).setpoints);
    }
    const sim::SiteState& state = site.step();
    kpis.add(state, 1.0);
    if (planning) {
      planning->after_step(state);
    }
    if (writer) {
      daemon::fill_power_snapshot(site, state, state.unix_s * 1000, snap);
      daemon::add_device_values(site, snap);
      registers.update(snap, 1.0);
      if (auto s = writer->append(snap); !s) {
        ctx.err << "kirchhoff simulate: the history could not be written: " << s.error().message
                << "\n";
        return kExitInvalid;
      }
    }
    if (i % 86400 == 86399) {
      progress.update(i + 1, steps);
    }
  }
  progress.finish();
  if (history) {
    auto status = writer->flush_block();
    if (auto finished = appender->finish(); status && !finished) {
      status = finished;
    }
    if (status) {
      status = history->flush();
    }
    if (status) {
      status = history->checkpoint();
    }
    if (!status) {
      ctx.err << "kirchhoff simulate: the history could not be written: " << status.error().message
              << "\n";
      return kExitInvalid;
    }
  }
  nlohmann::json out = kpis.report(site);
  out["days"] = *days;
  out["seed"] = *seed;
  out["strategy"] = strategy;
  if (planning) {
    planning->finish();
    out["planner"] = planning->report();
  }
  ctx.out << common::json_text(out, 2) << "\n";
  return kExitOk;
}

}  // namespace kirchhoff::app
