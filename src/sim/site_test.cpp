#include "sim/site.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

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

// A one-phase site with a grid load and the loads given (each on its own CT
// of hub h, inputs 2.. in order), for the equipment tests below.
model::Installation site_with(const std::vector<std::string>& loads) {
  std::string text =
      "site: {name: t, topology: 1P-230, main_breaker_a: 63}\ngateway: genius\nbus:\n"
      "  - ct_hub: h\n    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}, 3: {ct: "
      "split-100A}, 4: {ct: split-100A}}\n"
      "loads:\n  - {name: Grid, kind: grid, phases: [L1], inputs: [h/1]}\n";
  for (std::size_t i = 0; i < loads.size(); ++i) {
    text += "  - {phases: [L1], inputs: [h/" + std::to_string(i + 2) + "], " + loads[i] + "}\n";
  }
  auto inst = model::load_installation_text(text, "t");
  EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().message);
  return inst.ok() ? *inst : model::Installation{};
}

// AC energy (Wh) a battery takes when told to charge as hard as it can for
// four hours, from its start at 50 % SoC until it stops at 95 %.
double charged_until_full_wh(const model::Installation& inst) {
  SiteSimulator site(inst, options(1, kJune1));
  site.battery()->set_power_w(-1e9);
  double wh = 0.0;
  for (int i = 0; i < 4 * 3600; ++i) {
    wh += -site.step().battery_w / 3600.0;
  }
  return wh;
}

TEST(SiteEquipment, BatteryCapacityFromTheFile) {
  // Charging from 50 % to 95 % stores 0.45 x capacity in the cells, which
  // takes 0.45 x capacity / sqrt(0.9) from the AC side (one-way efficiency
  // sqrt of the 90 % round trip): 4743.416 Wh for 10 kWh, 9486.833 Wh for
  // 20 kWh. At 5 kW either is full within the four hours (1.9 h for 20 kWh).
  const double ten = charged_until_full_wh(site_with({"name: B, kind: battery, capacity_kwh: 10"}));
  const double twenty =
      charged_until_full_wh(site_with({"name: B, kind: battery, capacity_kwh: 20"}));
  const double none = charged_until_full_wh(site_with({"name: B, kind: battery"}));
  EXPECT_NEAR(ten, 0.45 * 10000.0 / std::sqrt(0.9), 1e-6);
  EXPECT_NEAR(twenty, 0.45 * 20000.0 / std::sqrt(0.9), 1e-6);
  EXPECT_NEAR(twenty, 2.0 * ten, 1e-6);
  EXPECT_EQ(none, ten);  // 10 kWh when the file does not say
  SiteSimulator site(site_with({"name: B, kind: battery, capacity_kwh: 20"}), options(1));
  EXPECT_EQ(site.battery()->state().capacity_wh, 20000.0);
}

TEST(SiteEquipment, BatteryPowerFromTheFileHeldToTheBreaker) {
  auto first_charge_w = [](const std::string& load) {
    SiteSimulator site(site_with({load}), options(1, kJune1));
    site.battery()->set_power_w(-1e9);
    return -site.step().battery_w;
  };
  EXPECT_EQ(first_charge_w("name: B, kind: battery"), 5000.0);  // the default
  EXPECT_EQ(first_charge_w("name: B, kind: battery, power_kw: 2"), 2000.0);
  // No breaker, no cap: the file's 8 kW.
  EXPECT_EQ(first_charge_w("name: B, kind: battery, power_kw: 8"), 8000.0);
  // 20 A on one phase at 230 V carries 4600 W; 80 % of it is 3680 W.
  EXPECT_EQ(first_charge_w("name: B, kind: battery, power_kw: 8, breaker_a: 20"), 3680.0);
  EXPECT_EQ(first_charge_w("name: B, kind: battery, breaker_a: 20"), 3680.0);
  EXPECT_EQ(first_charge_w("name: B, kind: battery, power_kw: 3, breaker_a: 20"), 3000.0);
}

// A day of June PV (Wh) per solar load.
std::vector<double> pv_day_wh(const model::Installation& inst) {
  SiteSimulator site(inst, options(1, kJune1));
  std::vector<double> wh(inst.loads.size(), 0.0);
  for (int i = 0; i < 86400; ++i) {
    const SiteState& s = site.step();
    for (std::size_t l = 0; l < inst.loads.size(); ++l) {
      wh[l] += s.loads[l].total_w() / 3600.0;
    }
  }
  return wh;
}

TEST(SiteEquipment, PanelsFromTheFile) {
  // Below the inverter's rating AC power is proportional to kwp (the same
  // sun and weather for the same seed), so twice the panels give exactly
  // twice the power every second: doubling a double is exact.
  const auto inst5 = site_with({"name: PV, kind: solar, kwp: 5, inverter_kw: 20"});
  const auto inst10 = site_with({"name: PV, kind: solar, kwp: 10, inverter_kw: 20"});
  SiteSimulator five(inst5, options(1, kJune1));
  SiteSimulator ten(inst10, options(1, kJune1));
  double max_w = 0.0;
  for (int i = 0; i < 86400; ++i) {
    const double a = five.step().pv_w;
    const double b = ten.step().pv_w;
    ASSERT_EQ(b, 2.0 * a) << i;
    max_w = std::max(max_w, b);
  }
  EXPECT_GT(max_w, 2000.0);  // a day with sun (2451 W at best: a hazy 1 June)
  EXPECT_EQ(ten.pv_peak_w(), 10000.0);
  EXPECT_EQ(ten.inverter_rated_w(), 20000.0);
  EXPECT_EQ(ten.inverter()->state().panel_peak_w, 10000.0);
}

TEST(SiteEquipment, InverterRatingClipsAndDefaults) {
  // inverter_kw as written: 10 kWp on a 2 kW inverter clips at 2000 W (the
  // panels give up to 2451 W that day, PanelsFromTheFile).
  SiteSimulator clipped(site_with({"name: PV, kind: solar, kwp: 10, inverter_kw: 2"}),
                        options(1, kJune1));
  double max_w = 0.0;
  for (int i = 0; i < 86400; ++i) {
    max_w = std::max(max_w, clipped.step().pv_w);
  }
  EXPECT_EQ(max_w, 2000.0);
  // Without inverter_kw: kwp / 1.1 = 10 kW, held to 80 % of 16 A x 230 V =
  // 2944 W by the breaker.
  SiteSimulator held(site_with({"name: PV, kind: solar, kwp: 11, breaker_a: 16"}), options(1));
  EXPECT_EQ(held.inverter_rated_w(), 2944.0);
  EXPECT_EQ(held.pv_peak_w(), 11000.0);
  SiteSimulator unheld(site_with({"name: PV, kind: solar, kwp: 11"}), options(1));
  EXPECT_NEAR(unheld.inverter_rated_w(), 10000.0, 1e-9);
  // Nothing stated: the breaker's 2944 W and panels 1.1 x that = 3238.4 W.
  SiteSimulator derived(site_with({"name: PV, kind: solar, breaker_a: 16"}), options(1));
  EXPECT_EQ(derived.inverter_rated_w(), 2944.0);
  EXPECT_NEAR(derived.pv_peak_w(), 3238.4, 1e-9);
}

TEST(SiteEquipment, EachSolarLoadIsItsOwnArray) {
  // East and west arrays on one site produce, per load, exactly what each
  // produces alone (the weather depends only on the seed); the east one
  // makes more before noon (sun in the east) and it is not an even split.
  const std::string east = "name: East, kind: solar, kwp: 4, tilt_deg: 30, azimuth_deg: 90";
  const std::string west = "name: West, kind: solar, kwp: 6, tilt_deg: 30, azimuth_deg: 270";
  const auto both = pv_day_wh(site_with({east, west}));
  const auto only_east = pv_day_wh(site_with({east}));
  const auto only_west = pv_day_wh(site_with({west}));
  EXPECT_NEAR(both[1], only_east[1], 1e-6);
  EXPECT_NEAR(both[2], only_west[1], 1e-6);
  EXPECT_GT(both[1], 0.0);
  EXPECT_NE(both[1] / 4.0, both[2] / 6.0);
  SiteSimulator site(site_with({east, west}), options(1));
  ASSERT_EQ(site.pv_arrays().size(), 2u);
  EXPECT_EQ(site.pv_arrays()[0].panel.azimuth_deg, 90.0);
  EXPECT_EQ(site.pv_arrays()[1].panel.azimuth_deg, 270.0);
  EXPECT_EQ(site.pv_peak_w(), 10000.0);
}

TEST(SiteEquipment, CarBatteryCapsSessions) {
  // Sessions want 8-30 kWh into the car; a 10 kWh battery caps them at 90 %:
  // 9 kWh, i.e. 9000 / 0.92 = 9782.6 Wh from the charger.
  SiteSimulator site(site_with({"name: EV, kind: ev, car_battery_kwh: 10"}), options(1));
  int sessions = 0;
  int capped = 0;
  bool was_plugged = false;
  for (int i = 0; i < 14 * 86400; ++i) {
    site.step();
    const auto session = site.ev_charger()->session();
    if (session && !was_plugged) {
      ++sessions;
      EXPECT_LE(session->need_wh, 9000.0 / 0.92 + 1e-9);
      EXPECT_GE(session->need_wh, 8000.0 / 0.92 - 1e-9);
      capped += session->need_wh == 9000.0 / 0.92 ? 1 : 0;
    }
    was_plugged = session.has_value();
  }
  EXPECT_GE(sessions, 5);
  EXPECT_GE(capped, 1);
  // Each full session stores at most 9 kWh; none is left unmet here (a 16 A
  // single-phase charger gives 9 kWh in under 3 h).
  EXPECT_LE(site.ev_charger()->delivered_wh(), sessions * 9000.0 / 0.92 + 1e-6);
}

TEST(SiteEquipment, CarOnBoardChargerFromTheFile) {
  // 7.36 kW on a single-phase charger: 7360 / 230 = 32 A per phase; 3.68 kW:
  // 16 A. Without the key: 32 A on one phase.
  auto car_a = [](const std::string& extra) {
    SiteSimulator site(site_with({"name: EV, kind: ev, breaker_a: 32" + extra}), options(1));
    return site.ev_charger()->params().car_max_a;
  };
  EXPECT_EQ(car_a(", car_charge_kw: 7.36"), 32.0);
  EXPECT_EQ(car_a(", car_charge_kw: 3.68"), 16.0);
  EXPECT_EQ(car_a(""), 32.0);
  SiteSimulator site(site_with({"name: EV, kind: ev, breaker_a: 32, car_charge_kw: 3.68"}),
                     options(1));
  EXPECT_EQ(site.ev_charger()->max_power_w(), 3680.0);  // the car, not the 32 A charger
}

TEST(SiteEquipment, DemoStatesTheSizesTheBreakersGave) {
  // examples/demo.yaml states its equipment; without the keys the breakers
  // give the same sizes, so a day of the demo is the same to the last bit.
  const auto demo = example("demo.yaml");
  auto bare = demo;
  for (auto& load : bare.loads) {
    load.capacity_kwh = load.power_kw = load.kwp = load.inverter_kw = std::nullopt;
    load.car_battery_kwh = load.car_charge_kw = std::nullopt;
  }
  SiteSimulator a(demo, options(3, kJune1));
  SiteSimulator b(bare, options(3, kJune1));
  // Solar: 0.8 x 16 A x 230 V x 3 = 8832 W inverter, 1.1 x = 9715.2 W panels;
  // battery: 0.8 x 20 A x 230 V = 3680 W, 10 kWh; car: 16 A per phase.
  EXPECT_EQ(a.inverter_rated_w(), 8832.0);
  EXPECT_EQ(b.inverter_rated_w(), 8832.0);
  EXPECT_EQ(a.pv_peak_w(), b.pv_peak_w());
  EXPECT_EQ(a.battery()->params().max_charge_w, 3680.0);
  EXPECT_EQ(b.battery()->params().max_charge_w, 3680.0);
  EXPECT_EQ(a.battery()->params().capacity_wh, 10000.0);
  EXPECT_EQ(a.ev_charger()->params().car_max_a, 16.0);
  for (int i = 0; i < 2 * 86400; ++i) {
    const SiteState& sa = a.step();
    const SiteState& sb = b.step();
    ASSERT_EQ(sa.grid_w, sb.grid_w) << i;
    ASSERT_EQ(sa.ev_w, sb.ev_w) << i;
  }
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
