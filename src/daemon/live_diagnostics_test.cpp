// The daemon's side of the installation diagnostics on a small site whose
// wiring is known by construction: a grid CT per phase and three consumers,
// one per phase, all metered, so the grid's current on each phase is the sum
// of its circuits (Kirchhoff's current law). The heater truly sits on L3
// while the file says L2.
#include "daemon/live_diagnostics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <numbers>

#include "diagnostics/diagnose.hpp"
#include "model/loader.hpp"

namespace kirchhoff::daemon {
namespace {

using Complex = std::complex<double>;

Complex polar_deg(double magnitude, double angle_deg) {
  return std::polar(magnitude, angle_deg * std::numbers::pi / 180.0);
}

const char* kConfigured = R"(site: {name: Test, topology: 3P+N-400, main_breaker_a: 25}
gateway: genius
bus:
  - ct_hub: hub1
    inputs:
      1: {ct: split-100A}
      2: {ct: split-100A}
      3: {ct: split-100A}
      4: {ct: split-50A}
  - ct_hub: hub2
    inputs:
      1: {ct: split-50A}
      2: {ct: split-50A}
loads:
  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [hub1/1, hub1/2, hub1/3]}
  - {name: Oven, kind: consumer, phases: [L1], inputs: [hub1/4]}
  - {name: Dryer, kind: consumer, phases: [L2], inputs: [hub2/1]}
  - {name: Heater, kind: consumer, phases: [L2], inputs: [hub2/2]}
)";

model::Installation load(const std::string& yaml) {
  auto inst = model::load_installation_text(yaml, "test.yaml");
  EXPECT_TRUE(inst.ok()) << (inst ? "" : inst.error().message);
  return *inst;
}

std::string fixed_yaml() {
  std::string text = kConfigured;
  const std::string from = "{name: Heater, kind: consumer, phases: [L2]";
  return text.replace(text.find(from), from.size(), "{name: Heater, kind: consumer, phases: [L3]");
}

// One second of phasors: star voltages of 230 V (L2 120° behind L1, L3 120°
// ahead), the oven 8 A on L1, the dryer 6 A on L2, the heater 10 A on L3,
// each lagging its voltage by 10°; the grid carries each phase's sum.
metering::WindowPhasors second(double seconds = 1.0) {
  metering::WindowPhasors p;
  p.seconds = seconds;
  for (int k = 0; k < 3; ++k) {
    p.v_ref[static_cast<std::size_t>(k)] = polar_deg(230.0, -120.0 * k);
  }
  p.v_star = p.v_ref;
  const Complex oven = polar_deg(8.0, -10.0);
  const Complex dryer = polar_deg(6.0, -130.0);
  const Complex heater = polar_deg(10.0, 110.0);
  auto ct = [&](const char* ref, Complex i) {
    p.currents.push_back({*model::parse_input_ref(ref), i, std::abs(i)});
  };
  ct("hub1/1", oven);
  ct("hub1/2", dryer);
  ct("hub1/3", heater);
  ct("hub1/4", oven);
  ct("hub2/1", dryer);
  ct("hub2/2", heater);
  return p;
}

// What the live snapshot shows for the heater's CT (measured against L2,
// the wrong voltage) and the voltages: made-up values, to see them carried.
snapshot::SiteSnapshot latest() {
  snapshot::SiteSnapshot snap;
  snap.voltages = {{model::Phase::kL1, 231.04, 400.16},
                   {model::Phase::kL2, 229.96, 398.34},
                   {model::Phase::kL3, 230.51, 399.02}};
  snapshot::LoadValues heater;
  heater.name = "Heater";
  heater.phases.push_back(
      {model::Phase::kL2, "hub2/2", -1150.04, 1991.86, 2300.0, -0.50002, 10.0004});
  snap.loads.push_back(heater);
  return snap;
}

DiagnosticsWindow::Mean mean_of(const model::Installation& inst, double seconds) {
  DiagnosticsWindow window;
  window.set_source(true, phasor_layout_key(inst));
  for (int s = 0; s < static_cast<int>(seconds); ++s) {
    window.add(second());
  }
  return window.mean();
}

nlohmann::json row(const nlohmann::json& body, const std::string& input) {
  for (const auto& r : body["inputs"]) {
    if (r["input"] == input) {
      return r;
    }
  }
  return nullptr;
}

TEST(DiagnosticsResponse, NotAvailableWithoutSamplesOrMeasurements) {
  const auto inst = load(kConfigured);
  DiagnosticsWindow::Mean mean;  // a source without samples
  auto body = diagnostics_response(inst, kConfigured, mean, nullptr);
  EXPECT_EQ(body["available"], false);
  EXPECT_NE(body["why"].get<std::string>().find("no samples"), std::string::npos) << body;
  EXPECT_EQ(body["window_s"], 0.0);

  mean.has_samples = true;
  mean.layout_key = phasor_layout_key(inst);
  body = diagnostics_response(inst, kConfigured, mean, nullptr);
  EXPECT_EQ(body["available"], false);
  EXPECT_EQ(body["why"], "no whole second measured yet");

  // Measured with other CT inputs than the installation just saved has.
  mean = mean_of(inst, 3);
  mean.layout_key = "another layout";
  body = diagnostics_response(inst, kConfigured, mean, nullptr);
  EXPECT_EQ(body["available"], false);
  EXPECT_NE(body["why"].get<std::string>().find("just changed"), std::string::npos) << body;
}

TEST(DiagnosticsResponse, TheHeatersPhaseTheFixAndTheValidationTable) {
  const auto inst = load(kConfigured);
  const auto mean = mean_of(inst, 5);
  const auto snap = latest();
  const auto body = diagnostics_response(inst, kConfigured, mean, &snap);
  ASSERT_EQ(body["available"], true) << body;
  EXPECT_EQ(body["window_s"], 5.0);
  EXPECT_EQ(body["fixes"], 1);
  const auto heater = row(body, "hub2/2");
  ASSERT_TRUE(heater.is_object()) << body;
  EXPECT_EQ(heater["verdict"], "wrong_phase") << heater;
  EXPECT_EQ(heater["detected_phase"], "L3");
  EXPECT_EQ(heater["reversed"], false);
  // Every other CT is as configured.
  for (const auto& r : body["inputs"]) {
    if (r["input"] != "hub2/2") {
      EXPECT_EQ(r["verdict"], "ok") << r;
    }
  }
  // The corrected file: only the heater's phase changed.
  EXPECT_EQ(body["installation"], fixed_yaml());
  EXPECT_FALSE(body.contains("installation_error"));
  // The validation table: the snapshot's values of hub2/2 rounded as /live
  // rounds them (I to mA, P and Q to 0.1, PF to 0.001), V_LN and V_LL of the
  // configured phase L2, and the angle of the diagnosis: 10 A lagging V3 by
  // 10° is -10.0°.
  const auto& live = heater["live"];
  EXPECT_EQ(live["i_a"], 10.0);
  EXPECT_EQ(live["p_w"], -1150.0);
  EXPECT_EQ(live["q_var"], 1991.9);
  EXPECT_EQ(live["pf"], -0.5);
  EXPECT_EQ(live["v_ln"], 230.0);
  EXPECT_EQ(live["v_ll"], 398.3);
  EXPECT_NEAR(live["angle_deg"].get<double>(), -10.0, 0.05);
  // A CT the snapshot does not show: its live values are null, not zero.
  EXPECT_TRUE(row(body, "hub1/4")["live"]["i_a"].is_null());
  EXPECT_EQ(row(body, "hub1/4")["live"]["v_ln"], 231.0);
  EXPECT_EQ(body["voltages"]["L3"]["v_ll"], 399.0);
  EXPECT_EQ(body["voltages"]["L1"]["v_ln"], 231.0);
}

TEST(DiagnosticsResponse, NothingToFixAfterTheFix) {
  const std::string yaml = fixed_yaml();
  const auto inst = load(yaml);
  const auto body = diagnostics_response(inst, yaml, mean_of(inst, 5), nullptr);
  ASSERT_EQ(body["available"], true) << body;
  EXPECT_EQ(body["fixes"], 0);
  EXPECT_TRUE(body["installation"].is_null());
  EXPECT_EQ(row(body, "hub2/2")["verdict"], "ok");
  EXPECT_TRUE(body["voltages"].empty());
}

std::map<std::string, AlarmCheck> by_id(const std::vector<AlarmCheck>& checks) {
  std::map<std::string, AlarmCheck> out;
  for (const auto& c : checks) {
    out[c.id] = c;
  }
  return out;
}

// The alarm waits for 60 s of window, then checks every 10 s of measurement.
TEST(WiringAlarms, RaisedAfterAMinuteClearedByTheFix) {
  const auto inst = load(kConfigured);
  DiagnosticsWindow window;
  window.set_source(true, phasor_layout_key(inst));
  WiringAlarms alarms;
  for (int s = 1; s < 60; ++s) {
    window.add(second());
    EXPECT_TRUE(alarms.check(window, inst).empty()) << s;
  }
  window.add(second());  // 60 s
  auto checks = by_id(alarms.check(window, inst));
  ASSERT_EQ(checks.size(), 6u);
  EXPECT_TRUE(checks["wiring-hub2/2"].active);
  EXPECT_EQ(checks["wiring-hub2/2"].message,
            "CT hub2/2 of load 'Heater' measures L3, configured L2 (wrong_phase)");
  EXPECT_FALSE(checks["wiring-hub1/1"].active);
  // Not again before 10 more seconds.
  for (int s = 61; s < 70; ++s) {
    window.add(second());
    EXPECT_TRUE(alarms.check(window, inst).empty()) << s;
  }
  window.add(second());
  EXPECT_EQ(alarms.check(window, inst).size(), 6u);

  // The fix keeps the channel layout: the window stays and the next check
  // (the next cycle) clears the alarm.
  const auto fixed = load(fixed_yaml());
  alarms.installation_changed(window.set_source(true, phasor_layout_key(fixed)));
  EXPECT_DOUBLE_EQ(window.seconds(), 70.0);
  checks = by_id(alarms.check(window, fixed));
  ASSERT_EQ(checks.size(), 6u);
  EXPECT_FALSE(checks["wiring-hub2/2"].active);
}

// Another channel layout: the wiring alarms raised are cleared at once and
// the new installation waits for its own minute.
TEST(WiringAlarms, AnotherLayoutClearsThem) {
  const auto inst = load(kConfigured);
  DiagnosticsWindow window;
  window.set_source(true, phasor_layout_key(inst));
  WiringAlarms alarms;
  for (int s = 0; s < 60; ++s) {
    window.add(second());
  }
  ASSERT_TRUE(by_id(alarms.check(window, inst))["wiring-hub2/2"].active);
  std::string text = kConfigured;
  text.replace(text.find("1: {ct: split-50A}"), 18, "1: {ct: split-100A}");
  const auto other = load(text);
  alarms.installation_changed(window.set_source(true, phasor_layout_key(other)));
  EXPECT_DOUBLE_EQ(window.seconds(), 0.0);
  const auto checks = alarms.check(window, other);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].id, "wiring-hub2/2");
  EXPECT_FALSE(checks[0].active);
  EXPECT_TRUE(alarms.check(window, other).empty());
}

}  // namespace
}  // namespace kirchhoff::daemon
