// Budget: a year of one-second site physics in under 60 s.
//
// Runs the demo site for a year (or --days N) in power mode with the KPI
// accounting, unmanaged and with the energy manager as `kirchhoff simulate
// --strategy managed` does, and beside them, in the same run,
// a baseline loop that only advances the weather and the sun: the floor any
// simulation of the site must pay. Prints seconds per simulated year for both.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/time.hpp"
#include "model/loader.hpp"
#include "sim/control_adapter.hpp"
#include "sim/kpi.hpp"
#include "sim/site.hpp"
#include "sim/solar.hpp"
#include "sim/weather.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
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
  const auto installation = model::load_installation_file(config);
  if (!installation) {
    std::fprintf(stderr, "%s\n", installation.error().message.c_str());
    return 1;
  }
  const std::int64_t steps = days * 86400L;
  const double year_factor = 365.0 / static_cast<double>(days);

  auto start = std::chrono::steady_clock::now();
  sim::Weather weather(1);
  double sink = 0.0;
  for (std::int64_t t = 1767225600; t < 1767225600 + steps; ++t) {
    weather.advance(t);
    sink += sim::sun_position(t, 50.85, 4.35).elevation_rad + weather.outdoor_c();
  }
  const double baseline_s = seconds_since(start) * year_factor;

  start = std::chrono::steady_clock::now();
  sim::SiteSimulator site(*installation, sim::SiteOptions{});
  sim::KpiAccumulator kpis(site.installation());
  for (std::int64_t i = 0; i < steps; ++i) {
    kpis.add(site.step(), 1.0);
  }
  const double site_s = seconds_since(start) * year_factor;
  const auto report = kpis.report(site);

  // The budget's case: the same year with the energy manager deciding every second.
  start = std::chrono::steady_clock::now();
  sim::SiteSimulator managed_site(*installation, sim::SiteOptions{});
  sim::KpiAccumulator managed_kpis(managed_site.installation());
  control::EnergyManager manager = control::make_default_manager(managed_site.installation());
  common::LocalClock clock;
  control::ControlInput input;
  input.explain = false;
  control::SiteMeasurements measured;
  const devices::SiteDevices devices = sim::site_devices(managed_site);
  const model::Installation& inst = managed_site.installation();
  for (std::int64_t i = 0; i < steps; ++i) {
    if (i > 0) {
      const sim::SiteState& last = managed_site.state();
      sim::fill_measurements(managed_site, last, last.unix_s * 1000, measured);
      control::fill_input(inst, measured, devices, (last.unix_s + 1) * 1000, 1.0, clock, input);
      control::apply(inst, devices, manager.cycle(input).setpoints);
    }
    managed_kpis.add(managed_site.step(), 1.0);
  }
  const double managed_s = seconds_since(start) * year_factor;

  std::printf("simulation of %s, %ld day(s) of 1 s steps\n", config.c_str(), days);
  std::printf("  baseline (weather + sun only): %8.2f s per simulated year\n", baseline_s);
  std::printf("  site physics + KPIs:           %8.2f s per simulated year\n", site_s);
  std::printf("  with the energy manager:        %8.2f s per simulated year  (budget 60 s)\n",
              managed_s);
  std::printf("  steps per second:              %8.2f M\n",
              static_cast<double>(steps) / (site_s / year_factor) / 1e6);
  std::printf("  (import %.1f kWh, checksum %.3g)\n", report["import_kwh"].get<double>(), sink);
  return 0;
}
