// `kirchhoff record`: a recording of the simulated site as the samples CSV
// that `kirchhoff meter` reads, and optionally the truth it was made from
// (mean P and Q per load from the simulator's physics) to compare against.
// `--miswire SPEC` records CTs where they physically are rather than where
// the installation says (sim/miswire.hpp, docs/simulator.md).

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <ostream>

#include "app/cli.hpp"
#include "app/options.hpp"
#include "model/loader.hpp"
#include "sim/miswire.hpp"
#include "sim/site.hpp"
#include "sim/waveform.hpp"

namespace kirchhoff::app {

int record_command(const CommandContext& ctx) {
  constexpr std::array<std::string_view, 8> kKnown = {"config", "seconds", "rate",  "seed",
                                                      "start",  "out",     "truth", "miswire"};
  const auto options = Options::parse(ctx.args, kKnown);
  if (!options) {
    ctx.err << "kirchhoff record: " << options.error().message
            << "\nusage: kirchhoff record --config FILE [--seconds N] [--rate HZ] [--seed S] "
               "[--start 2026-06-21T12:00Z] [--out CSV] [--truth JSON] "
               "[--miswire hub1/2=L3,hub2/1=reversed,...]\n";
    return kExitUnreadable;
  }
  const auto config = options->get("config");
  const auto seconds = options->integer("seconds", 2, 1, 3600);
  const auto rate = options->integer("rate", 4000, 1000, 32000);
  const auto seed = options->integer("seed", 1, 0, 1LL << 62);
  const auto start = parse_utc_time(options->get("start").value_or("2026-06-21T12:00:00Z"));
  if (!config || !seconds || !rate || !seed || !start) {
    ctx.err << "kirchhoff record: "
            << (!config    ? "--config FILE is required"
                : !seconds ? seconds.error().message
                : !rate    ? rate.error().message
                : !seed    ? seed.error().message
                           : "--start must be a UTC time like 2026-06-21T12:00:00Z or unix seconds")
            << "\n";
    return kExitUnreadable;
  }
  const auto installation = model::load_installation_file(*config);
  if (!installation) {
    return report_installation_error(ctx, installation.error());
  }
  sim::Miswiring miswiring;
  if (auto spec = options->get("miswire")) {
    auto parsed = sim::parse_miswire(*spec, *installation);
    if (!parsed) {
      ctx.err << "kirchhoff record: --miswire: " << parsed.error().message << "\n";
      return kExitUnreadable;
    }
    miswiring = std::move(*parsed);
  }
  std::unique_ptr<std::ofstream> file;
  std::ostream* out = &ctx.out;
  if (auto path = options->get("out")) {
    file = std::make_unique<std::ofstream>(*path);
    if (!*file) {
      ctx.err << "kirchhoff record: cannot write " << *path << "\n";
      return kExitUnreadable;
    }
    out = file.get();
  }
  sim::SiteOptions site_options;
  site_options.seed = static_cast<std::uint64_t>(*seed);
  site_options.start_unix_s = *start;
  sim::SiteSimulator site(*installation, site_options);
  sim::WaveformGenerator generator(site.installation(), static_cast<double>(*rate), miswiring);

  *out << "t";
  for (const auto& name : generator.voltage_names()) {
    *out << "," << name;
  }
  for (const auto& input : generator.inputs()) {
    *out << "," << input.to_string();
  }
  *out << "\n";
  const auto& loads = site.installation().loads;
  std::vector<double> mean_p(loads.size(), 0.0);
  std::vector<double> mean_q(loads.size(), 0.0);
  char cell[32];
  for (long long second = 0; second < *seconds; ++second) {
    const sim::SiteState& state = site.step();
    const sim::SampleBlock& block = generator.generate(state);
    // Reactive power of the second: Q = P tan(acos(PF)) per load; the grid
    // carries the consumers' Q (PV and battery run at unity power factor).
    double grid_q = 0.0;
    for (std::size_t l = 0; l < loads.size(); ++l) {
      const double pf = sim::waveform_power_factor(loads[l].kind);
      const double q = state.loads[l].total_w() * std::tan(std::acos(pf));
      mean_p[l] += state.loads[l].total_w() / static_cast<double>(*seconds);
      if (loads[l].kind != model::LoadKind::kGrid) {
        mean_q[l] += q / static_cast<double>(*seconds);
        const bool producer =
            loads[l].kind == model::LoadKind::kSolar || loads[l].kind == model::LoadKind::kBattery;
        grid_q += producer ? -q : q;
      }
    }
    for (std::size_t l = 0; l < loads.size(); ++l) {
      if (loads[l].kind == model::LoadKind::kGrid) {
        mean_q[l] += grid_q / static_cast<double>(*seconds);
      }
    }
    for (std::size_t s = 0; s < block.samples; ++s) {
      std::snprintf(cell, sizeof cell, "%.6f", block.t0_s + static_cast<double>(s) / block.rate_hz);
      *out << cell;
      for (const auto& v : block.voltages) {
        std::snprintf(cell, sizeof cell, ",%.3f", static_cast<double>(v[s]));
        *out << cell;
      }
      for (const auto& i : block.currents) {
        std::snprintf(cell, sizeof cell, ",%.4f", static_cast<double>(i[s]));
        *out << cell;
      }
      *out << "\n";
    }
  }
  if (auto truth_path = options->get("truth")) {
    std::ofstream truth(*truth_path);
    truth << "{\n  \"seconds\": " << *seconds << ",\n  \"loads\": [\n";
    for (std::size_t l = 0; l < loads.size(); ++l) {
      std::snprintf(cell, sizeof cell, "%.3f", mean_p[l]);
      truth << "    {\"name\": \"" << loads[l].name << "\", \"p_w\": " << cell;
      std::snprintf(cell, sizeof cell, "%.3f", mean_q[l]);
      truth << ", \"q_var\": " << cell << "}" << (l + 1 < loads.size() ? "," : "") << "\n";
    }
    truth << "  ]\n}\n";
    if (!truth) {
      ctx.err << "kirchhoff record: cannot write " << *truth_path << "\n";
      return kExitUnreadable;
    }
  }
  return out->good() ? kExitOk : kExitUnreadable;
}

}  // namespace kirchhoff::app
