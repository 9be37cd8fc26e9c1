#include "daemon/alarms.hpp"

#include <gtest/gtest.h>

#include <set>

#include "model/loader.hpp"

namespace kirchhoff::daemon {
namespace {

// examples/demo.yaml: 25 A main breaker, 3P+N-400 (230 V nominal: 207-253 V),
// hub1/1-3 split-100A (grid), hub1/4 split-50A (battery), hub2/1-3 split-50A
// (solar), hub2/4 split-50A (heat pump), hub3/1-3 (EV), sc1/1-3 (circuits):
// 14 CT inputs; Input module in1 (4 inputs), Output module out1 (2 relays).
model::Installation demo() {
  auto inst =
      model::load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
  EXPECT_TRUE(inst.ok());
  return *inst;
}

snapshot::SiteSnapshot grid_snapshot(double l1_a, double l2_a, double l3_a, double v_l1) {
  snapshot::SiteSnapshot snap;
  snapshot::LoadValues grid;
  grid.name = "Grid";
  grid.kind = model::LoadKind::kGrid;
  const double amps[3] = {l1_a, l2_a, l3_a};
  for (int p = 0; p < 3; ++p) {
    snapshot::PhaseValues ph;
    ph.phase = static_cast<model::Phase>(p);
    ph.input = "hub1/" + std::to_string(p + 1);
    ph.i_a = amps[p];
    grid.phases.push_back(ph);
    snap.voltages.push_back({static_cast<model::Phase>(p), p == 0 ? v_l1 : 230.0, 400.0});
  }
  snap.loads.push_back(grid);
  return snap;
}

const AlarmCheck* find(const std::vector<AlarmCheck>& checks, const std::string& id) {
  for (const auto& c : checks) {
    if (c.id == id) {
      return &c;
    }
  }
  return nullptr;
}

std::string advice_of(std::string_view id) {
  const AlarmKind* kind = find_alarm_kind(id);
  return kind != nullptr ? std::string(kind->advice) : "(none)";
}

// Raises `check` in a fresh book and returns what is in force.
snapshot::ActiveAlarm raised(const AlarmCheck& check) {
  AlarmBook book;
  const auto t = book.apply({check}, 1000);
  EXPECT_EQ(t.size(), 1u) << check.id;
  return t.empty() ? snapshot::ActiveAlarm{} : t[0].alarm;
}

TEST(AlarmCatalogue, EveryFamilyWithItsSeverity) {
  // The table of docs/daemon.md ("Alarms"), in its order.
  const std::vector<std::tuple<std::string, bool, std::string>> expected = {
      {"no-measurements", false, "major"},
      {"installation-invalid", false, "critical"},
      {"fail-safe", false, "critical"},
      {"overcurrent-", true, "major"},
      {"voltage-", true, "minor"},
      {"ct-overrange-", true, "major"},
      {"wiring-", true, "major"},
      {"module-", true, "major"},
      {"device-", true, "major"},
      {"mqtt-offline", false, "minor"},
      {"uplink-dropped", false, "major"},
      {"prices-missing", false, "warning"},
      {"plan-failed", false, "warning"},
      {"history-damaged", false, "critical"},
      {"history-write-failed", false, "major"},
      {"disk-full", false, "critical"},
      {"disk-low", false, "warning"}};
  const auto catalogue = alarm_catalogue();
  ASSERT_EQ(catalogue.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(catalogue[i].id, std::get<0>(expected[i]));
    EXPECT_EQ(catalogue[i].prefix, std::get<1>(expected[i])) << catalogue[i].id;
    EXPECT_EQ(catalogue[i].severity, std::get<2>(expected[i])) << catalogue[i].id;
    EXPECT_FALSE(catalogue[i].title.empty()) << catalogue[i].id;
    EXPECT_FALSE(catalogue[i].advice.empty()) << catalogue[i].id;
  }
}

TEST(AlarmCatalogue, LooksUpExactIdsAndPrefixes) {
  EXPECT_EQ(find_alarm_kind("no-measurements")->id, "no-measurements");
  EXPECT_EQ(find_alarm_kind("device-P1 meter")->id, "device-");
  EXPECT_EQ(find_alarm_kind("overcurrent-L2")->id, "overcurrent-");
  EXPECT_EQ(find_alarm_kind("ct-overrange-hub1/2")->id, "ct-overrange-");
  EXPECT_EQ(find_alarm_kind("wiring-hub1/2")->id, "wiring-");
  EXPECT_EQ(find_alarm_kind("module-in1")->id, "module-");
  EXPECT_EQ(find_alarm_kind("device-"), nullptr);  // a prefix needs a name after it
  EXPECT_EQ(find_alarm_kind("no-measurements-L1"), nullptr);
  EXPECT_EQ(find_alarm_kind("something-new"), nullptr);
}

TEST(Alarms, ChecksFromOneSnapshot) {
  const auto inst = demo();
  const auto snap = grid_snapshot(10.0, 27.25, 25.0, 254.0);
  const auto checks = check_alarms(&snap, inst);
  ASSERT_NE(find(checks, "overcurrent-L2"), nullptr);
  EXPECT_TRUE(find(checks, "overcurrent-L2")->active);
  EXPECT_EQ(find(checks, "overcurrent-L2")->message, "L2 at 27.2 A, above the 25.0 A main breaker");
  EXPECT_FALSE(find(checks, "overcurrent-L3")->active);  // at the rating is not above it
  EXPECT_TRUE(find(checks, "voltage-L1")->active);       // 254 V > 253 V
  EXPECT_EQ(find(checks, "voltage-L1")->message, "L1 at 254.0 V, outside 207.0-253.0 V (EN 50160)");
  EXPECT_FALSE(find(checks, "voltage-L2")->active);
  EXPECT_FALSE(find(checks, "no-measurements")->active);
  EXPECT_FALSE(find(checks, "fail-safe")->active);
  EXPECT_EQ(raised(*find(checks, "voltage-L1")).severity, "minor");
  EXPECT_EQ(raised(*find(checks, "overcurrent-L2")).severity, "major");
}

TEST(Alarms, NoSamplesFromThePowerBox) {
  const auto inst = demo();
  const auto samples = check_alarms(nullptr, inst, {true, "no whole voltage cycle measured"});
  ASSERT_EQ(samples.size(), 1u);  // nothing else can be judged
  EXPECT_EQ(samples[0].id, "no-measurements");
  EXPECT_TRUE(samples[0].active);
  EXPECT_EQ(samples[0].message,
            "no samples from the Power Box this cycle: live values are stale (no whole voltage "
            "cycle measured)");
  const auto meters = check_alarms(nullptr, inst, {false, ""});
  EXPECT_EQ(meters[0].message, "no measurement from the source this cycle: live values are stale");

  AlarmBook book;
  auto t = book.apply(samples, 1000);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(t[0].raised);
  EXPECT_EQ(t[0].alarm.severity, "major");
  EXPECT_EQ(t[0].alarm.advice, advice_of("no-measurements"));
  const auto snap = grid_snapshot(10.0, 10.0, 10.0, 230.0);
  t = book.apply(check_alarms(&snap, inst, {true, ""}), 2000);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_FALSE(t[0].raised);
  EXPECT_EQ(t[0].alarm.id, "no-measurements");
  EXPECT_TRUE(book.active().empty());
}

TEST(Alarms, CtAboveItsRating) {
  const auto inst = demo();
  auto snap = grid_snapshot(20.0, 10.0, 10.0, 230.0);  // 20 A on a 100 A CT: fine
  snapshot::LoadValues heat_pump;
  heat_pump.name = "Heat pump";
  heat_pump.kind = model::LoadKind::kHeatpump;
  heat_pump.phases.push_back({model::Phase::kL2, "hub2/4", 0.0, 0.0, 0.0, 0.0, 62.46});
  snap.loads.push_back(heat_pump);
  snapshot::LoadValues battery;
  battery.name = "Battery";
  battery.kind = model::LoadKind::kBattery;
  battery.phases.push_back({model::Phase::kL1, "hub1/4", 0.0, 0.0, 0.0, 0.0, 50.0});
  snap.loads.push_back(battery);

  const auto checks = check_alarms(&snap, inst);
  std::size_t ct_checks = 0;
  for (const auto& c : checks) {
    ct_checks += c.id.starts_with("ct-overrange-") ? 1 : 0;
  }
  EXPECT_EQ(ct_checks, 14u);  // one per CT input of the demo's loads
  const AlarmCheck* hp = find(checks, "ct-overrange-hub2/4");
  ASSERT_NE(hp, nullptr);
  EXPECT_TRUE(hp->active);  // 62.46 A > 50 A
  EXPECT_EQ(hp->message, "CT hub2/4 (split-50A) of 'Heat pump' at 62.5 A, above its 50 A rating");
  EXPECT_FALSE(find(checks, "ct-overrange-hub1/4")->active);  // 50 A: at the rating
  EXPECT_FALSE(find(checks, "ct-overrange-hub1/1")->active);  // 20 A of 100 A
  const AlarmCheck* solar = find(checks, "ct-overrange-hub2/1");
  EXPECT_FALSE(solar->active);
  EXPECT_EQ(solar->message, "CT hub2/1 (split-50A) of 'Solar' not measured this cycle");

  AlarmBook book;
  auto t = book.apply(checks, 1000);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alarm.id, "ct-overrange-hub2/4");
  EXPECT_EQ(t[0].alarm.severity, "major");
  EXPECT_EQ(t[0].alarm.advice, advice_of("ct-overrange-hub2/4"));
  snap.loads[1].phases[0].i_a = 49.9;
  t = book.apply(check_alarms(&snap, inst), 2000);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_FALSE(t[0].raised);
  EXPECT_EQ(t[0].alarm.id, "ct-overrange-hub2/4");
}

snapshot::SiteSnapshot with_modules(bool in1, bool out1) {
  snapshot::SiteSnapshot snap = grid_snapshot(1.0, 1.0, 1.0, 230.0);
  if (in1) {
    snap.inputs.push_back({"in1", 1, "Gas", "m3", true, 250, 2.5, false});
    snap.inputs.push_back({"in1", 3, "Ripple control 60 %", "", false, 0, 0.0, true});
  }
  if (out1) {
    snap.outputs.push_back({"out1", 1, "Boiler", false});
    snap.outputs.push_back({"out1", 2, "Garden lights", true});
  }
  return snap;
}

TEST(Alarms, ModuleNotAnswering) {
  const auto inst = demo();
  ModuleWatch watch;
  AlarmBook book;
  // Both answer: nothing.
  auto checks = watch.check(with_modules(true, true), inst);
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_TRUE(book.apply(checks, 1000).empty());
  // The Output module falls silent while the Input module answers.
  checks = watch.check(with_modules(true, false), inst);
  EXPECT_FALSE(find(checks, "module-in1")->active);
  ASSERT_TRUE(find(checks, "module-out1")->active);
  EXPECT_EQ(find(checks, "module-out1")->message,
            "Output module out1 not answering: the state of its 2 relays is unknown");
  auto t = book.apply(checks, 2000);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alarm.severity, "major");
  EXPECT_EQ(t[0].alarm.advice, advice_of("module-out1"));
  // The whole bus falls silent: the source read it before, so both are silent.
  checks = watch.check(with_modules(false, false), inst);
  EXPECT_TRUE(find(checks, "module-out1")->active);
  ASSERT_TRUE(find(checks, "module-in1")->active);
  EXPECT_EQ(find(checks, "module-in1")->message,
            "Input module in1 not answering: no values from its 4 inputs");
  t = book.apply(checks, 3000);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alarm.id, "module-in1");
  // Both back: both cleared.
  t = book.apply(watch.check(with_modules(true, true), inst), 4000);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_FALSE(t[0].raised);
  EXPECT_FALSE(t[1].raised);
  EXPECT_TRUE(book.active().empty());
}

TEST(Alarms, NoModuleAlarmsFromASourceWithoutABus) {
  const auto inst = demo();
  ModuleWatch watch;
  // A house of meters: a P1 meter's gas register is not a module.
  auto snap = with_modules(false, false);
  snap.inputs.push_back({"P1 meter", 1, "Gas", "m3", true, 0, 1234.5, false});
  for (int cycle = 0; cycle < 3; ++cycle) {
    for (const auto& c : watch.check(snap, inst)) {
      EXPECT_FALSE(c.active) << c.id;
    }
  }
  // One module answering shows the source reads the bus: the other is silent.
  const auto checks = watch.check(with_modules(false, true), inst);
  EXPECT_TRUE(find(checks, "module-in1")->active);
  EXPECT_FALSE(find(checks, "module-out1")->active);
}

TEST(Alarms, ConfigurationProblem) {
  const auto check =
      installation_alarm("installation.yaml:12:7: unknown CT type 'split-60A'\nmore");
  EXPECT_EQ(check.id, "installation-invalid");
  EXPECT_TRUE(check.active);
  EXPECT_EQ(check.message,
            "the saved installation cannot run (installation.yaml:12:7: unknown CT type "
            "'split-60A'); nothing is measured or switched until a valid one is saved");
  AlarmBook book;
  auto t = book.apply({check}, 1000);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alarm.severity, "critical");
  EXPECT_EQ(t[0].alarm.advice, advice_of("installation-invalid"));
  EXPECT_FALSE(installation_alarm("").active);
  t = book.apply({installation_alarm("")}, 2000);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_FALSE(t[0].raised);
}

TEST(Alarms, DeviceNotAnswering) {
  const auto inst = demo();
  auto snap = grid_snapshot(1.0, 1.0, 1.0, 230.0);
  snapshot::DeviceValues inverter;
  inverter.name = "Inverter";
  inverter.driver = "sunspec";
  inverter.stale = true;
  inverter.last_error = "connection refused";
  snap.devices.push_back(inverter);
  AlarmBook book;
  auto checks = check_alarms(&snap, inst);
  ASSERT_NE(find(checks, "device-Inverter"), nullptr);
  EXPECT_EQ(find(checks, "device-Inverter")->message,
            "device 'Inverter' (sunspec) not answering: connection refused; what depends on it is "
            "held in its safe state");
  auto t = book.apply(checks, 1000);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].alarm.severity, "major");
  EXPECT_EQ(t[0].alarm.advice, advice_of("device-Inverter"));
  snap.devices[0].stale = false;
  t = book.apply(check_alarms(&snap, inst), 2000);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_FALSE(t[0].raised);
}

TEST(Alarms, FailSafeIsCritical) {
  const auto inst = demo();
  auto snap = grid_snapshot(1.0, 1.0, 1.0, 230.0);
  snap.control.push_back({"fail-safe", "measurements 4.0 s old", true});
  const auto checks = check_alarms(&snap, inst);
  EXPECT_EQ(find(checks, "fail-safe")->message, "energy manager: measurements 4.0 s old");
  const auto alarm = raised(*find(checks, "fail-safe"));
  EXPECT_EQ(alarm.severity, "critical");
  EXPECT_EQ(alarm.advice, advice_of("fail-safe"));
}

TEST(Alarms, UplinkAndWiringTakeTheCatalogues) {
  // The ids daemon/mqtt_link.cpp raises, and the live diagnostics' one.
  EXPECT_EQ(raised({"mqtt-offline", true, "MQTT broker x unreachable for 5 min"}).severity,
            "minor");
  EXPECT_EQ(raised({"uplink-dropped", true, "dropped"}).severity, "major");
  const auto wiring = raised({"wiring-hub1/2", true, "CT hub1/2 reversed"});
  EXPECT_EQ(wiring.severity, "major");
  EXPECT_EQ(wiring.advice,
            "Check the CT's phase and that its arrow (K to L) points toward the load. Compare "
            "with the diagnostics in the installer view, then apply the fix it offers or correct "
            "the installation.");
  EXPECT_EQ(raised({"mqtt-offline", true, "m"}).advice, advice_of("mqtt-offline"));
}

TEST(Alarms, EveryCheckIsInTheCatalogue) {
  const auto inst = demo();
  auto snap = with_modules(true, false);
  snap.devices.push_back({});
  snap.devices.back().name = "P1 meter";
  snap.control.push_back({"fail-safe", "stale", true});
  auto checks = check_alarms(&snap, inst);
  const auto none = check_alarms(nullptr, inst);
  checks.insert(checks.end(), none.begin(), none.end());
  checks.push_back(installation_alarm("x"));
  ModuleWatch watch;
  const auto modules = watch.check(snap, inst);
  checks.insert(checks.end(), modules.begin(), modules.end());
  std::set<std::string> families;
  for (const auto& c : checks) {
    const AlarmKind* kind = find_alarm_kind(c.id);
    ASSERT_NE(kind, nullptr) << c.id;
    families.insert(std::string(kind->id));
  }
  // All but the ones raised outside these functions (MQTT link, diagnostics).
  EXPECT_EQ(families, (std::set<std::string>{"no-measurements", "installation-invalid", "fail-safe",
                                             "overcurrent-", "voltage-", "ct-overrange-", "module-",
                                             "device-"}));
}

TEST(Alarms, OutsideTheCatalogueStillRaised) {
  const auto alarm = raised({"something-new", true, "m"});
  EXPECT_EQ(alarm.severity, "major");
  EXPECT_EQ(alarm.advice, "");
}

TEST(Alarms, RaisedOnceClearedOnce) {
  AlarmBook book;
  auto raised_now = book.apply({{"overcurrent-L2", true, "L2 at 27.0 A"}}, 1000);
  ASSERT_EQ(raised_now.size(), 1u);
  EXPECT_TRUE(raised_now[0].raised);
  // Still active, new reading: no new transition, the text follows, the start stays.
  EXPECT_TRUE(book.apply({{"overcurrent-L2", true, "L2 at 28.0 A"}}, 2000).empty());
  ASSERT_EQ(book.active().size(), 1u);
  EXPECT_EQ(book.active()[0].message, "L2 at 28.0 A");
  EXPECT_EQ(book.active()[0].since_ms, 1000);
  auto cleared = book.apply({{"overcurrent-L2", false, "L2 at 20.0 A"}}, 3000);
  ASSERT_EQ(cleared.size(), 1u);
  EXPECT_FALSE(cleared[0].raised);
  EXPECT_TRUE(book.active().empty());
}

TEST(Alarms, EventTextAndJson) {
  AlarmBook book;
  const auto t = book.apply({{"overcurrent-L2", true, "L2 at 27.0 A"}}, 1000);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(alarm_event_text(t[0]),
            "raised major: L2 at 27.0 A. Check: " + advice_of("overcurrent-L2"));
  EXPECT_EQ(alarm_event_text({false, t[0].alarm}), "cleared: L2 at 27.0 A");
  // The keys sort by name (nlohmann::json objects); advice only when there is one.
  EXPECT_EQ(snapshot::alarms_to_json({{"x", "minor", "m", 5, "look"}}).dump(),
            R"([{"advice":"look","id":"x","message":"m","severity":"minor","since_ms":5}])");
  EXPECT_EQ(snapshot::alarms_to_json({{"x", "minor", "m", 5}}).dump(),
            R"([{"id":"x","message":"m","severity":"minor","since_ms":5}])");
}

}  // namespace
}  // namespace kirchhoff::daemon
