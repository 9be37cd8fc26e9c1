#include "control/control.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/result.hpp"
#include "control/controllers.hpp"
#include "control/site_input.hpp"
#include "model/loader.hpp"
#include "sim/control_adapter.hpp"
#include "sim/kpi.hpp"

namespace kirchhoff::control {
namespace {

using nlohmann::json;

std::string source(const std::string& relative) {
  return std::string(KIRCHHOFF_SOURCE_DIR) + "/" + relative;
}

// The demo house (or the scenario's "site", an example file) with the
// scenario's control section (JSON is YAML too).
model::Installation installation_with(const json& control,
                                      const std::string& site = "examples/demo.yaml") {
  std::ifstream in(source(site));
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  const auto cut = yaml.find("\ncontrol:");
  if (cut != std::string::npos) {
    yaml.resize(cut + 1);
  }
  if (!control.is_null()) {
    yaml += "\ncontrol: " + control.dump() + "\n";
  }
  auto inst = model::load_installation_text(yaml, "scenario");
  EXPECT_TRUE(inst.ok()) << (inst.ok() ? "" : inst.error().message);
  return inst.ok() ? *inst : model::Installation{};
}

void merge(json& into, const json& from) {
  for (auto it = from.begin(); it != from.end(); ++it) {
    if (it.key() == "expect" || it.key() == "note" || it.key() == "repeat") {
      continue;
    }
    if (it->is_object() && into.contains(it.key()) && into[it.key()].is_object()) {
      merge(into[it.key()], *it);
    } else {
      into[it.key()] = *it;
    }
  }
}

std::array<bool, 3> flags(const json& list) { return {list[0] == 1, list[1] == 1, list[2] == 1}; }

// One cycle's input from the accumulated step state (see tests/data/control/README.md).
ControlInput input_from(const json& st, std::int64_t now_ms, int repeat_index) {
  ControlInput input;
  input.now_ms = now_ms;
  input.measured_ms = now_ms - static_cast<std::int64_t>(st.value("age_s", 1.0) * 1000);
  input.v_ln = st.value("v_ln", 230.0);
  for (int p = 0; p < 3; ++p) {
    input.grid_a[p] = st["grid_a"][p];
    // Readings that alternate by a hair, so a long run of equal steps is not
    // taken for a frozen meter.
    if (st.contains("jitter_a")) {
      input.grid_a[p] += (repeat_index % 2 == 0 ? 1.0 : -1.0) * st["jitter_a"][p].get<double>();
    }
  }
  input.grid_w = st.contains("grid_w")
                     ? st["grid_w"].get<double>()
                     : (input.grid_a[0] + input.grid_a[1] + input.grid_a[2]) * input.v_ln;
  // "ev": one charger (the demo's "EV charger"); "evs": several, in order.
  json chargers = st.contains("evs") ? st["evs"] : json::array();
  if (st.contains("ev")) {
    chargers.insert(chargers.begin(), st["ev"]);
  }
  for (std::size_t k = 0; k < chargers.size(); ++k) {
    const json& ev = chargers[k];
    EvInput charger;
    charger.name =
        ev.value("name", k == 0 ? std::string("EV charger") : "EV " + std::to_string(k + 1));
    charger.present = true;
    charger.plugged = ev.value("plugged", true);
    charger.wired = flags(ev.value("on", json::array({1, 1, 1})));
    const int wired = charger.wired[0] + charger.wired[1] + charger.wired[2];
    charger.phases = ev.value("phases", wired == 1 ? 1 : 3);
    charger.can_switch_phases = ev.value("can_switch", false);
    charger.current_a = ev.value("current_a", 0.0);
    charger.max_a = ev.value("max_a", 32.0);
    charger.responding = ev.value("responding", true);
    charger.power_w = ev.value("power_w", charger.current_a * input.v_ln * charger.phases);
    input.evs.push_back(charger);
  }
  if (st.contains("battery")) {
    const json& b = st["battery"];
    input.battery.present = true;
    input.battery.power_w = b.value("power_w", 0.0);
    input.battery.soc_pct = b.value("soc_pct", 50.0);
    if (b.contains("reserve_pct")) {
      input.battery.reserve_pct = b["reserve_pct"].get<double>();  // a person's
    }
    input.battery.max_charge_w = b.value("max_w", 5000.0);
    input.battery.max_discharge_w = b.value("max_w", 5000.0);
    input.battery.phases = flags(b.value("on", json::array({1, 0, 0})));
  }
  if (st.contains("hp")) {
    const json& hp = st["hp"];
    input.heat_pump.present = true;
    input.heat_pump.running = hp.value("running", false);
    input.heat_pump.power_w = hp.value("power_w", 0.0);
    input.heat_pump.phases = flags(hp.value("on", json::array({0, 1, 0})));
  }
  if (st.contains("pv")) {
    input.inverter.present = true;
    input.inverter.pv_w = st["pv"].value("pv_w", 0.0);
    input.inverter.peak_w = st["pv"].value("peak_w", 8000.0);
    input.inverter.panel_peak_w = st["pv"].value("panel_peak_w", input.inverter.peak_w);
  }
  for (const auto& r : st.value("relays", json::array())) {
    input.relay_on.push_back(r.get<bool>());
  }
  const json inputs = st.value("inputs", json::object());
  for (auto it = inputs.begin(); it != inputs.end(); ++it) {
    input.status_closed.emplace_back(it.key(), it->get<bool>());
  }
  for (const auto& c : st.value("circuits_a", json::array())) {
    input.circuit_a.push_back({c[0], c[1], c[2]});
  }
  input.minute_of_day = st.value("minute", 720);
  input.month_key = st.value("month", 24312);
  return input;
}

template <typename T>
void expect_value(const json& expect, const char* key, const std::optional<T>& actual) {
  if (!expect.contains(key)) {
    return;
  }
  SCOPED_TRACE(key);
  if (expect[key].is_null()) {
    EXPECT_FALSE(actual.has_value()) << "got " << *actual;
  } else {
    ASSERT_TRUE(actual.has_value());
    EXPECT_NEAR(static_cast<double>(*actual), expect[key].get<double>(), 1e-6);
  }
}

// Runs a scenario file of tests/data/control: each step is one cycle's input
// (on top of the previous step's) and the setpoints expected, worked out by
// hand in the file.
void run_scenario(const std::filesystem::path& path) {
  SCOPED_TRACE(path.filename().string());
  std::ifstream in(path);
  const auto doc = json::parse(in);
  const model::Installation inst = installation_with(
      doc.value("control", json()), doc.value("site", std::string("examples/demo.yaml")));
  EnergyManager full = make_default_manager(inst);
  EnergyManager subset(inst);
  // A scenario may run some controllers of the standard stack only.
  if (doc.contains("controllers")) {
    for (const auto& name : doc["controllers"]) {
      if (name == "fail-safe") subset.add(std::make_unique<FailSafe>(inst.control));
      if (name == "overload protection") subset.add(std::make_unique<OverloadProtection>(inst));
      if (name == "grid operator") subset.add(std::make_unique<GridOperatorSignals>(inst.control));
      if (name == "export limitation") subset.add(std::make_unique<ExportLimitation>(inst.control));
      if (name == "peak shaving") subset.add(std::make_unique<PeakShaving>(inst.control));
      if (name == "self-consumption") subset.add(std::make_unique<SelfConsumption>(inst.control));
      if (name == "time of use") subset.add(std::make_unique<TimeOfUse>(inst.control));
    }
    ASSERT_EQ(subset.size(), doc["controllers"].size()) << "unknown controller name";
  }
  EnergyManager& manager = doc.contains("controllers") ? subset : full;
  std::int64_t now_ms = doc.value("start_ms", 1'000'000'000'000LL);
  int step_number = 0;
  json state = json::object();
  for (const auto& step : doc["steps"]) {
    merge(state, step);
    const int repeat = step.value("repeat", 1);
    for (int r = 0; r < repeat; ++r) {
      ++step_number;
      now_ms += 1000;
      const ControlResult result = manager.cycle(input_from(state, now_ms, r));
      if (r != repeat - 1 && !step.value("expect_each", false)) {
        continue;
      }
      const auto& expect = step["expect"];
      const Setpoints& s = result.setpoints;
      SCOPED_TRACE("step " + std::to_string(step_number) + ": " + step.value("note", ""));
      const auto first = [](const auto& v) { return v.empty() ? std::nullopt : v.front(); };
      expect_value(expect, "ev_a", first(s.ev_current_a));
      expect_value(expect, "ev_phases", first(s.ev_phases));
      if (expect.contains("evs_a")) {
        ASSERT_EQ(s.ev_current_a.size(), expect["evs_a"].size());
        for (std::size_t k = 0; k < s.ev_current_a.size(); ++k) {
          SCOPED_TRACE("charger " + std::to_string(k));
          const json& e = expect["evs_a"][k];
          if (e.is_null()) {
            EXPECT_FALSE(s.ev_current_a[k].has_value());
          } else {
            ASSERT_TRUE(s.ev_current_a[k].has_value());
            EXPECT_NEAR(*s.ev_current_a[k], e.get<double>(), 1e-6);
          }
        }
      }
      expect_value(expect, "battery_w", s.battery_w);
      expect_value(expect, "inverter_pct", s.inverter_limit_pct);
      expect_value(expect, "sg", s.sg_ready);
      if (expect.contains("relays")) {
        for (std::size_t i = 0; i < expect["relays"].size(); ++i) {
          const auto& e = expect["relays"][i];
          ASSERT_LT(i, s.relays.size());
          if (e.is_null()) {
            EXPECT_FALSE(s.relays[i].has_value()) << "relay " << i;
          } else {
            ASSERT_TRUE(s.relays[i].has_value()) << "relay " << i;
            EXPECT_EQ(*s.relays[i], e.get<bool>()) << "relay " << i;
          }
        }
      }
      std::string all;
      for (const auto& d : result.decisions) {
        all += d.controller + ": " + d.reason + "\n";
      }
      if (expect.value("no_reason", false)) {
        EXPECT_TRUE(result.decisions.empty()) << all;
      }
      if (expect.contains("reason")) {
        EXPECT_NE(all.find(expect["reason"].get<std::string>()), std::string::npos)
            << "no decision says: " << expect["reason"] << "\n"
            << all;
      }
      if (expect.contains("alarm")) {
        bool alarm = false;
        for (const auto& d : result.decisions) {
          alarm = alarm || d.alarm;
        }
        EXPECT_EQ(alarm, expect["alarm"].get<bool>()) << all;
      }
    }
  }
}

TEST(ControlScenarios, EveryDataFile) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(source("tests/data/control"))) {
    if (entry.path().extension() == ".json") {
      run_scenario(entry.path());
      ++files;
    }
  }
  EXPECT_GE(files, 10);
}

// The arbitration rules on their own.
TEST(Arbitration, HigherBoundsHoldAndTheFirstStrongWishPins) {
  Arbiter<double> a(0.0, 32.0);
  a.apply({{}, 16.0, {}, false});  // a bound: at most 16
  a.apply({{}, 20.0, {}, false});  // a looser bound below changes nothing
  a.apply({{}, {}, 10.0, true});   // a weak wish: a default
  a.apply({{}, {}, 25.0, false});  // a strong wish, clamped to 16, pins
  a.apply({{}, 6.0, {}, false});   // a lower bound after the pin: ignored
  EXPECT_EQ(a.result(32.0), 16.0);
  Arbiter<double> b(-5000.0, 5000.0);
  b.apply({-1000.0, {}, {}, false});  // at least -1000 (charge at most 1 kW)
  b.apply({{}, {}, -3000.0, true});   // self-consumption would charge 3 kW
  EXPECT_EQ(b.result(0.0), -1000.0);
  Arbiter<double> c(0.0, 100.0);
  EXPECT_FALSE(c.result(100.0).has_value());  // nobody had an opinion
}

// A controller's decision starting and ending are reported once each, for
// the event history.
TEST(EnergyManagerTest, ReportsDecisionsEngagingAndReleasing) {
  const model::Installation inst = installation_with(json());
  EnergyManager manager(inst);
  manager.add(std::make_unique<FailSafe>(inst.control));
  ControlInput input;
  input.now_ms = 1'000'000;
  input.measured_ms = 999'000;
  input.grid_a = {1.0, 2.0, 3.0};
  EXPECT_TRUE(manager.cycle(input).engaged.empty());
  input.now_ms += 5000;  // measurements now 6 s old
  ControlResult stale = manager.cycle(input);
  ASSERT_EQ(stale.engaged.size(), 1u);
  EXPECT_EQ(stale.engaged[0].controller, "fail-safe");
  EXPECT_TRUE(stale.engaged[0].alarm);
  input.now_ms += 1000;
  EXPECT_TRUE(manager.cycle(input).engaged.empty());  // still stale: nothing new
  input.measured_ms = input.now_ms - 1000;
  input.grid_a = {1.1, 2.0, 3.0};
  ControlResult fresh = manager.cycle(input);
  ASSERT_EQ(fresh.released.size(), 1u);
  EXPECT_EQ(fresh.released[0], "fail-safe");
}

TEST(RelayGuardTest, MinimumTimesAndSwitchBudget) {
  model::RelayControlConfig relay;
  relay.min_on_s = 300;
  relay.min_off_s = 60;
  relay.max_switches_per_hour = 3;
  RelayGuard guard({relay});
  std::int64_t t = 0;
  EXPECT_EQ(guard.filter(0, true, false, false, t), true);  // first switch: allowed
  t += 100'000;
  EXPECT_EQ(guard.filter(0, false, true, false, t), true);  // on for 100 s < 300: held on
  t += 200'000;
  EXPECT_EQ(guard.filter(0, false, true, false, t), false);  // 300 s: off
  t += 30'000;
  EXPECT_EQ(guard.filter(0, true, false, true, t), true);  // safety ignores the 60 s off time
  t = 730'000;
  // Three switches (0, 300, 330 s) in the last hour: the fourth waits until
  // the first is an hour old.
  EXPECT_EQ(guard.filter(0, false, true, false, t), true);
  EXPECT_EQ(guard.switches(0), 3);
  t = 3'600'001;
  EXPECT_EQ(guard.filter(0, false, true, false, t), false);
  EXPECT_EQ(guard.switches(0), 4);
}

std::unique_ptr<sim::SiteSimulator> demo_site(std::uint64_t seed, const json& control) {
  static std::vector<std::unique_ptr<model::Installation>> keep;
  keep.push_back(std::make_unique<model::Installation>(installation_with(control)));
  sim::SiteOptions options;
  options.seed = seed;
  options.start_unix_s = 1780272000;  // 2026-06-01: long days with surplus to limit
  return std::make_unique<sim::SiteSimulator>(*keep.back(), options);
}

// Properties over seeds on the simulated demo house, the manager acting on
// the state measured one cycle before (its reaction time): no phase above the
// main breaker, and no export above the limit, for more than one cycle; the
// battery rarely changes direction; energy balances.
TEST(ControlProperty, LimitsHoldForAllButOneCycle) {
  const json control = {{"grid", {{"export_limit_w", 2000}}}};
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    auto site = demo_site(seed, control);
    const model::Installation& inst = site->installation();
    EnergyManager manager = make_default_manager(inst);
    common::LocalClock clock;
    sim::KpiAccumulator kpis(inst);
    int over_run = 0, worst_over = 0, export_run = 0, worst_export = 0;
    const devices::SiteDevices devices = sim::site_devices(*site);
    SiteMeasurements measured;
    ControlInput input;
    for (int i = 0; i < 3 * 86400; ++i) {
      if (i > 0) {
        sim::fill_measurements(*site, site->state(), site->state().unix_s * 1000, measured);
        fill_input(inst, measured, devices, (site->state().unix_s + 1) * 1000, 1.0, clock, input);
        apply(inst, devices, manager.cycle(input).setpoints);
      }
      const sim::SiteState& s = site->step();
      kpis.add(s, 1.0);
      bool over = false;
      for (double a : s.grid_phase_a) {
        over = over || std::abs(a) > inst.site.main_breaker_a + 1e-9;
      }
      over_run = over ? over_run + 1 : 0;
      worst_over = std::max(worst_over, over_run);
      export_run = -s.grid_w > 2000.0 ? export_run + 1 : 0;
      worst_export = std::max(worst_export, export_run);
    }
    const json report = kpis.report(*site);
    EXPECT_LE(worst_over, 1) << "seed " << seed;
    EXPECT_LE(worst_export, 1) << "seed " << seed;
    EXPECT_NEAR(report["balance_error_pct"].get<double>(), 0.0, 1e-3);
    // Rare changes between charging and discharging: on average at most one
    // an hour, clouds included (the battery's own logic makes about four
    // times as many on these days: 256 for seed 2).
    EXPECT_LE(report["battery_sign_changes"].get<int>(), 3 * 24) << "seed " << seed;
  }
}

}  // namespace
}  // namespace kirchhoff::control

namespace kirchhoff::control {
namespace {

// A fresh, quiet cycle of the demo house: 2 A on each phase, a car plugged
// in, the heat pump present; no surplus, no limit near.
ControlInput quiet_input(std::int64_t now_ms) {
  ControlInput input;
  input.now_ms = now_ms;
  input.measured_ms = now_ms - 500;
  input.grid_a = {2.0 + 0.01 * static_cast<double>(now_ms % 7), 2.0, 2.0};  // alive, not frozen
  input.grid_w = 3 * 2.0 * 230.0;
  EvInput car;
  car.name = "EV charger";
  car.present = true;
  car.plugged = true;
  car.wired = {true, true, true};
  input.evs.push_back(car);
  input.heat_pump.present = true;
  input.heat_pump.phases = {false, true, false};
  return input;
}

// A person's charger mode, laid over the installation's (min+pv in the
// demo): min+pv holds the car at its 6 A minimum without surplus (IEC
// 61851's lowest current), off pauses it (0 A).
TEST(PeopleChoices, ChargerModeOverridesTheInstallations) {
  const model::Installation inst = installation_with(json{{"ev", {{"mode", "min+pv"}}}});
  EnergyManager manager = make_default_manager(inst);
  ControlInput input = quiet_input(1'000'000);
  EXPECT_EQ(manager.cycle(input).setpoints.ev_current_a.at(0), 6.0);
  input = quiet_input(1'001'000);
  input.evs[0].mode = model::EvMode::kOff;
  EXPECT_EQ(manager.cycle(input).setpoints.ev_current_a.at(0), 0.0);
  input = quiet_input(1'002'000);
  input.evs[0].mode.reset();  // back to the installation's
  EXPECT_EQ(manager.cycle(input).setpoints.ev_current_a.at(0), 6.0);
}

// A held SG Ready state beats the energy manager's own choice (2, normal,
// without surplus) but not overload protection, which blocks (1) the heat
// pump when its phase is over the breaker (25 A in the demo).
TEST(PeopleChoices, HeldSgReadyStaysBelowSafety) {
  const model::Installation inst = installation_with(json());
  EnergyManager manager = make_default_manager(inst);
  ControlInput input = quiet_input(2'000'000);
  EXPECT_EQ(manager.cycle(input).setpoints.sg_ready, 2);
  manager.set_sg_ready_manual(4);
  input = quiet_input(2'001'000);
  EXPECT_EQ(manager.cycle(input).setpoints.sg_ready, 4);
  manager.set_sg_ready_manual(std::nullopt);  // handed back
  input = quiet_input(2'002'000);
  EXPECT_EQ(manager.cycle(input).setpoints.sg_ready, 2);
  manager.set_sg_ready_manual(4);
  input = quiet_input(2'003'000);
  input.grid_a = {2.0, 40.0, 2.0};  // L2, the heat pump's phase, far over 25 A
  input.heat_pump.running = true;
  input.heat_pump.power_w = 2000.0;
  EXPECT_EQ(manager.cycle(input).setpoints.sg_ready, 1);
}

}  // namespace
}  // namespace kirchhoff::control
