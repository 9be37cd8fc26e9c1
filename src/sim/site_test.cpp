#include "sim/site.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "model/loader.hpp"
#include "sim/kpi.hpp"

namespace kirchhoff::sim {
namespace {

model::Installation example(const std::string& name) {
  auto inst =
      model::load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/" + name);
  EXPECT_TRUE(inst.ok()) << name;
  return *inst;
}

SiteOptions options(std::uint64_t seed, std::int64_t start = 1767225600) {
  SiteOptions o;
  o.seed = seed;
  o.start_unix_s = start;
  return o;
}

constexpr std::int64_t kJune1 = 1780272000;  // 2026-06-01T00:00:00Z

TEST(Site, SameSeedSameHouse) {
  const auto inst = example("demo.yaml");
  SiteSimulator a(inst, options(5));
  SiteSimulator b(inst, options(5));
  SiteSimulator c(inst, options(6));
  bool differs = false;
  for (int i = 0; i < 86400; ++i) {
    const SiteState& sa = a.step();
    const SiteState& sb = b.step();
    const SiteState& sc = c.step();
    ASSERT_EQ(sa.grid_w, sb.grid_w);
    differs = differs || sa.grid_w != sc.grid_w;
  }
  EXPECT_TRUE(differs);
}

// Property: every second, on every phase, the grid equals consumption minus
// production minus battery discharge, and the loads' phases add up to their
// totals. Over random seeds and the topologies of the examples.
TEST(Site, EnergyBalanceHoldsEverySecond) {
  for (const char* name : {"demo.yaml", "1p-230.yaml", "3p-230.yaml", "2pn-240.yaml"}) {
    const auto inst = example(name);
    for (std::uint64_t seed : {1u, 2u, 3u}) {
      SiteSimulator site(inst, options(seed, kJune1));
      for (int i = 0; i < 2 * 86400; i += 1) {
        const SiteState& s = site.step();
        double producers = 0.0;
        double consumers = s.unmeasured_w;
        double grid = 0.0;
        for (std::size_t l = 0; l < inst.loads.size(); ++l) {
          const double p = s.loads[l].total_w();
          switch (inst.loads[l].kind) {
            case model::LoadKind::kGrid:
              grid += p;
              break;
            case model::LoadKind::kSolar:
            case model::LoadKind::kBattery:
              producers += p;
              break;
            default:
              consumers += p;
          }
        }
        ASSERT_NEAR(grid, consumers - producers, 1e-6) << name << " seed " << seed << " t " << i;
        ASSERT_NEAR(s.grid_w, grid, 1e-6);
        ASSERT_NEAR(s.consumption_w, consumers, 1e-6);
      }
    }
  }
}

TEST(Site, KpiBalanceAndPulseCountersNeverGoBack) {
  const auto inst = example("demo.yaml");
  SiteSimulator site(inst, options(9, kJune1));
  KpiAccumulator kpis(site.installation());
  std::vector<std::uint64_t> last(site.pulse_meters().size(), 0);
  for (int i = 0; i < 7 * 86400; ++i) {
    kpis.add(site.step(), 1.0);
    for (std::size_t m = 0; m < last.size(); ++m) {
      ASSERT_GE(site.pulse_meters()[m].pulses, last[m]);
      last[m] = site.pulse_meters()[m].pulses;
    }
  }
  const auto report = kpis.report(site);
  const double lhs = report["import_kwh"].get<double>() - report["export_kwh"].get<double>() +
                     report["production_kwh"].get<double>() +
                     report["battery_discharge_kwh"].get<double>() -
                     report["battery_charge_kwh"].get<double>();
  // To 0.1 % of consumption (the tolerance; rounding to Wh is far below it).
  EXPECT_NEAR(lhs, report["consumption_kwh"].get<double>(),
              0.001 * report["consumption_kwh"].get<double>());
  EXPECT_GT(report["production_kwh"].get<double>(), 0.0);  // June has sun
  EXPECT_GT(last[0], 0u);                                  // gas was used
  EXPECT_GT(last[1], 0u);                                  // water too
}

TEST(Site, DevicesObeySetpoints) {
  const auto inst = example("demo.yaml");
  SiteSimulator site(inst, options(3, kJune1 + 12 * 3600));  // noon in June
  ASSERT_NE(site.inverter(), nullptr);
  ASSERT_NE(site.battery(), nullptr);
  ASSERT_NE(site.ev_charger(), nullptr);
  ASSERT_NE(site.heat_pump(), nullptr);
  ASSERT_NE(site.relay("out1", 1), nullptr);
  EXPECT_EQ(site.relay("out1", 3), nullptr);

  site.inverter()->set_limit_pct(0.0);
  site.battery()->set_power_w(0.0);
  site.ev_charger()->set_current_limit_a(0.0);
  site.relay("out1", 1)->set_energised(false);  // the boiler's relay
  for (int i = 0; i < 3600; ++i) {
    const SiteState& s = site.step();
    ASSERT_EQ(s.pv_w, 0.0);
    ASSERT_EQ(s.battery_w, 0.0);
    ASSERT_EQ(s.ev_w, 0.0);
    ASSERT_EQ(s.boiler_w, 0.0);
  }
  site.inverter()->set_limit_pct(100.0);
  double pv = 0.0;
  for (int i = 0; i < 600; ++i) {
    pv = std::max(pv, site.step().pv_w);
  }
  EXPECT_GT(pv, 0.0);
}

TEST(Site, PvFollowsTheSitesLatitudeAndPanels) {
  // The same house in Brussels and in Seville (37.4 N) on 21 December: the
  // noon sun stands at 29 instead of 16 degrees and the day is 9.6 instead of
  // 7.9 hours, so Seville yields more (at midsummer Brussels' longer day
  // about evens it out); panels facing north (azimuth 0) yield less.
  auto energy = [](const std::string& extra_site, const std::string& panel) {
    auto inst = model::load_installation_text(
        "site: {name: t, topology: 1P-230, main_breaker_a: 40" + extra_site +
            "}\ngateway: genius\nbus:\n  - ct_hub: h\n    inputs: {1: {ct: split-50A}, 2: {ct: "
            "split-50A}}\n"
            "loads:\n  - {name: Grid, kind: grid, phases: [L1], inputs: [h/1]}\n"
            "  - {name: PV, kind: solar, phases: [L1], inputs: [h/2], breaker_a: 20" +
            panel + "}\n",
        "t");
    EXPECT_TRUE(inst.ok());
    SiteOptions options;
    options.start_unix_s = 1797811200;  // 2026-12-21
    SiteSimulator site(*inst, options);
    double wh = 0;
    for (int i = 0; i < 86400; ++i) {
      wh += site.step().pv_w / 3600.0;
    }
    return wh;
  };
  // Weather is drawn from the same seed in every run, so only the geometry differs.
  const double brussels = energy("", "");
  EXPECT_GT(energy(", latitude: 37.4, longitude: -6.0", ""), brussels);
  EXPECT_LT(energy("", ", tilt_deg: 35, azimuth_deg: 0"), brussels);
}

TEST(Site, OnePhaseSiteHasOneLiveConductor) {
  const auto inst = example("1p-230.yaml");
  SiteSimulator site(inst, options(1, kJune1));
  for (int i = 0; i < 86400; ++i) {
    const SiteState& s = site.step();
    ASSERT_EQ(s.grid_phase_a[1], 0.0);
    ASSERT_EQ(s.grid_phase_a[2], 0.0);
    ASSERT_EQ(s.v_ln[1], 0.0);
    // I = P / V on the one phase.
    ASSERT_NEAR(s.grid_phase_a[0] * (s.v_ln[0] + 0.25 * s.grid_phase_a[0]), s.grid_w, 1e-6);
  }
}

}  // namespace
}  // namespace kirchhoff::sim
