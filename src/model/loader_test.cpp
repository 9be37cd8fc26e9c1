#include "model/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace kirchhoff::model {
namespace {

using ::testing::HasSubstr;

constexpr const char* kMinimal = R"(site:
  name: Test
  topology: 3P+N-400
  main_breaker_a: 25
gateway: genius
bus:
  - ct_hub: hub1
    inputs:
      1: {ct: split-100A}
      2: {ct: split-100A, gain: 1.02, phase_deg: -1.5}
      3: {ct: split-100A}
loads:
  - name: Grid
    kind: grid
    phases: [L1, L2, L3]
    inputs: [hub1/1, hub1/2, hub1/3]
    reversed: [false, true, false]
)";

// Finds the diagnostic whose message contains `needle`; fails the test if none.
const Diagnostic* find(const CheckResult& result, const std::string& needle) {
  for (const auto& d : result.diagnostics) {
    if (d.message.find(needle) != std::string::npos) {
      return &d;
    }
  }
  ADD_FAILURE() << "no diagnostic contains '" << needle << "'";
  return nullptr;
}

TEST(Loader, ReadsAMinimalInstallation) {
  const CheckResult result = parse_installation(kMinimal);
  ASSERT_TRUE(result.installation.has_value());
  EXPECT_TRUE(result.diagnostics.empty());
  const Installation& inst = *result.installation;
  EXPECT_EQ(inst.site.name, "Test");
  EXPECT_EQ(inst.site.topology, Topology::k3PN400);
  EXPECT_DOUBLE_EQ(inst.site.frequency_hz, 50.0);  // the topology's default
  EXPECT_DOUBLE_EQ(inst.site.main_breaker_a, 25.0);
  ASSERT_EQ(inst.bus.size(), 1u);
  ASSERT_EQ(inst.bus[0].inputs.size(), 3u);
  EXPECT_EQ(inst.bus[0].inputs[1].gain, 1.02);
  EXPECT_EQ(inst.bus[0].inputs[1].phase_deg, -1.5);
  ASSERT_EQ(inst.loads.size(), 1u);
  const Load& grid = inst.loads[0];
  ASSERT_EQ(grid.channels.size(), 3u);
  EXPECT_EQ(grid.channels[1].phase, Phase::kL2);
  EXPECT_EQ(grid.channels[1].input, (InputRef{"hub1", 2}));
  EXPECT_TRUE(grid.channels[1].reversed);
  EXPECT_FALSE(grid.channels[2].reversed);
  // Positions are 1-based lines and columns of the file: "    inputs: [hub1/1, ..." is line 16,
  // and hub1/2 starts at column 22.
  EXPECT_EQ(grid.channels[1].input_pos.line, 16);
  EXPECT_EQ(grid.channels[1].input_pos.column, 22);
}

TEST(Loader, SyntaxErrorPointsAtTheLine) {
  // Line 3 opens a flow mapping that is never closed.
  const CheckResult result = parse_installation("site:\n  name: x\n  topology: {3P+N-400\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_THAT(result.diagnostics[0].message, HasSubstr("YAML syntax"));
  EXPECT_GE(result.diagnostics[0].pos.line, 3);
  EXPECT_FALSE(result.installation.has_value());
}

TEST(Loader, BadIndentationIsASyntaxErrorOnItsLine) {
  const CheckResult result =
      parse_installation("site:\n  name: x\n topology: 1P-230\ngateway: genius\n");
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].pos.line, 3);
}

TEST(Loader, UnknownKeyGetsAHint) {
  std::string text = kMinimal;
  text.replace(text.find("main_breaker_a"), 14, "main_braker_a");
  const CheckResult result = parse_installation(text);
  const Diagnostic* d = find(result, "unknown key 'main_braker_a'");
  ASSERT_NE(d, nullptr);
  EXPECT_THAT(d->message, HasSubstr("did you mean 'main_breaker_a'?"));
  EXPECT_EQ(d->pos.line, 4);
  EXPECT_EQ(d->pos.column, 3);
  EXPECT_NE(find(result, "'site' needs 'main_breaker_a'"), nullptr);
}

TEST(Loader, UnknownValuesGetHints) {
  std::string text = kMinimal;
  text.replace(text.find("3P+N-400"), 8, "3P-400");
  text.replace(text.find("genius"), 6, "genuis");
  text.replace(text.find("split-100A}"), 10, "split-10A");
  text.replace(text.find("kind: grid"), 10, "kind: gird");
  const CheckResult result = parse_installation(text);
  EXPECT_THAT(find(result, "unknown topology '3P-400'")->message,
              HasSubstr("did you mean '3P+N-400'"));
  EXPECT_THAT(find(result, "unknown gateway 'genuis'")->message,
              HasSubstr("did you mean 'genius'"));
  EXPECT_THAT(find(result, "unknown CT type 'split-10A'")->message,
              HasSubstr("did you mean 'split-50A'"));
  EXPECT_THAT(find(result, "unknown load kind 'gird'")->message, HasSubstr("did you mean 'grid'"));
}

TEST(Loader, InputNumberBeyondTheDevice) {
  std::string text = kMinimal;
  text.replace(text.find("3: {ct: split-100A}"), 1, "5");
  const CheckResult result = parse_installation(text);
  const Diagnostic* d = find(result, "has inputs 1 to 4; there is no input 5");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->pos.line, 11);
}

TEST(Loader, SolidCoreHasThreeInputs) {
  const CheckResult result = parse_installation(
      "site: {name: a, topology: 1P-230, main_breaker_a: 25}\ngateway: genius\n"
      "bus:\n  - solid_core_ct: sc\n    inputs: {4: {ct: split-50A}}\n");
  EXPECT_NE(find(result, "has inputs 1 to 3; there is no input 4"), nullptr);
}

TEST(Loader, PhasesInputsAndReversedMustLineUp) {
  std::string text = kMinimal;
  text.replace(text.find("[L1, L2, L3]"), 12, "[L1, L2]");
  EXPECT_NE(find(parse_installation(text), "has 2 phase(s) but 3 input(s)"), nullptr);

  text = kMinimal;
  text.replace(text.find("[false, true, false]"), 20, "[false, true]");
  EXPECT_NE(find(parse_installation(text), "'reversed' of load 'Grid' has 2 entries"), nullptr);
}

TEST(Loader, BadScalarsNameThePlace) {
  std::string text = kMinimal;
  text.replace(text.find("25"), 2, "lots");
  text.replace(text.find("hub1/3"), 6, "hub1-3");
  text.replace(text.find("true"), 4, "yes");
  const CheckResult result = parse_installation(text);
  EXPECT_EQ(find(result, "main_breaker_a must be a number, not 'lots'")->pos.line, 4);
  EXPECT_NE(find(result, "input 'hub1-3' must be written DEVICE/NUMBER"), nullptr);
  EXPECT_NE(find(result, "'reversed' entries must be true or false, not 'yes'"), nullptr);
}

TEST(Loader, DuplicateKeysAreReported) {
  const CheckResult result = parse_installation(
      "site: {name: a, topology: 1P-230, main_breaker_a: 25, name: b}\ngateway: genius\n");
  EXPECT_NE(find(result, "duplicate key 'name' in 'site'"), nullptr);
}

TEST(Loader, EmptyAndNonMappingFiles) {
  EXPECT_NE(find(parse_installation(""), "the installation file is empty"), nullptr);
  EXPECT_NE(find(parse_installation("- a\n- b\n"), "must be a mapping"), nullptr);
}

TEST(Loader, ModulesAreRead) {
  const CheckResult result = parse_installation(
      "site: {name: a, topology: 1P-230, main_breaker_a: 25}\ngateway: genius\n"
      "modules:\n"
      "  - input_module: in1\n"
      "    inputs:\n"
      "      1: {kind: pulse, name: Gas, unit: m3, pulses_per_unit: 100}\n"
      "      2: {kind: status, name: Door}\n"
      "  - output_module: out1\n"
      "    outputs:\n"
      "      2: {name: Boiler, contact: NC}\n"
      "      3: {name: Nothing}\n");
  ASSERT_TRUE(result.installation.has_value());
  const auto& modules = result.installation->modules;
  ASSERT_EQ(modules.size(), 2u);
  ASSERT_EQ(modules[0].inputs.size(), 2u);
  EXPECT_DOUBLE_EQ(modules[0].inputs[0].pulses_per_unit, 100.0);
  EXPECT_EQ(modules[0].inputs[1].kind, ModuleInputKind::kStatus);
  ASSERT_EQ(modules[1].outputs.size(), 1u);
  EXPECT_EQ(modules[1].outputs[0].contact, Contact::kNormallyClosed);
  EXPECT_EQ(find(result, "there is no output 3")->pos.line, 11);
}

TEST(Loader, LocationAndPanelOrientation) {
  const CheckResult ok = parse_installation(
      "site: {name: a, topology: 1P-230, main_breaker_a: 25, latitude: 40.4, longitude: -3.7}\n"
      "gateway: genius\nloads:\n  - {name: PV, kind: solar, phases: [L1], inputs: [h/1], "
      "tilt_deg: 20, azimuth_deg: 200}\n");
  ASSERT_TRUE(ok.installation.has_value());
  EXPECT_EQ(ok.installation->site.latitude_deg, 40.4);
  EXPECT_EQ(ok.installation->site.longitude_deg, -3.7);
  EXPECT_EQ(ok.installation->loads[0].tilt_deg, 20.0);
  EXPECT_EQ(ok.installation->loads[0].azimuth_deg, 200.0);
  const CheckResult bad = parse_installation(
      "site: {name: a, topology: 1P-230, main_breaker_a: 25, latitude: 95}\ngateway: genius\n"
      "loads:\n  - {name: Oven, kind: consumer, phases: [L1], inputs: [h/1], tilt_deg: 30}\n");
  EXPECT_EQ(find(bad, "latitude of 'site' must be between -90 and 90")->pos.column, 65);
  EXPECT_EQ(find(bad, "tilt_deg and azimuth_deg describe solar panels")->severity,
            Severity::kWarning);
}

TEST(Loader, EquipmentOfLoads) {
  const CheckResult ok = parse_installation(
      "site: {name: a, topology: 3P+N-400, main_breaker_a: 25}\ngateway: genius\nloads:\n"
      "  - {name: PV, kind: solar, phases: [L1], inputs: [h/1], kwp: 9.7152, inverter_kw: 8}\n"
      "  - {name: Bat, kind: battery, phases: [L1], inputs: [h/2], capacity_kwh: 13.5, "
      "power_kw: 5}\n"
      "  - {name: Car, kind: ev, phases: [L1], inputs: [h/3], car_battery_kwh: 77, "
      "car_charge_kw: 11}\n"
      "  - {name: Other, kind: battery, phases: [L1], inputs: [h/4]}\n");
  ASSERT_TRUE(ok.installation.has_value());
  EXPECT_TRUE(ok.diagnostics.empty()) << ok.diagnostics[0].message;
  const auto& loads = ok.installation->loads;
  EXPECT_EQ(loads[0].kwp, 9.7152);
  EXPECT_EQ(loads[0].inverter_kw, 8.0);
  EXPECT_EQ(loads[1].capacity_kwh, 13.5);
  EXPECT_EQ(loads[1].power_kw, 5.0);
  EXPECT_EQ(loads[2].car_battery_kwh, 77.0);
  EXPECT_EQ(loads[2].car_charge_kw, 11.0);
  EXPECT_FALSE(loads[3].capacity_kwh.has_value());  // absent: the defaults apply
  EXPECT_FALSE(loads[3].power_kw.has_value());
  // "  - {name: PV, kind: solar, phases: [L1], inputs: [h/1], kwp: 9.7152, ..." is line 4;
  // the value 9.7152 starts at column 63, 8 at column 84.
  EXPECT_EQ(loads[0].kwp_pos.line, 4);
  EXPECT_EQ(loads[0].kwp_pos.column, 63);
  EXPECT_EQ(loads[0].inverter_pos.column, 84);
  // The upper bounds themselves are allowed.
  const CheckResult edge = parse_installation(
      "site: {name: a, topology: 1P-230, main_breaker_a: 25}\ngateway: genius\nloads:\n"
      "  - {name: B, kind: battery, phases: [L1], inputs: [h/1], capacity_kwh: 1000, "
      "power_kw: 1000}\n"
      "  - {name: S, kind: solar, phases: [L1], inputs: [h/2], kwp: 10000, inverter_kw: 10000}\n"
      "  - {name: E, kind: ev, phases: [L1], inputs: [h/3], car_battery_kwh: 300, "
      "car_charge_kw: 350}\n");
  EXPECT_TRUE(edge.diagnostics.empty()) << edge.diagnostics[0].message;
}

TEST(Loader, EquipmentOutOfRangeIsAnErrorAtTheValue) {
  const CheckResult bad = parse_installation(
      "site: {name: a, topology: 1P-230, main_breaker_a: 25}\ngateway: genius\nloads:\n"
      "  - {name: B, kind: battery, phases: [L1], inputs: [h/1], capacity_kwh: 0,\n"
      "     power_kw: 5000}\n"
      "  - {name: S, kind: solar, phases: [L1], inputs: [h/2], kwp: -1, inverter_kw: 10001}\n"
      "  - {name: E, kind: ev, phases: [L1], inputs: [h/3], car_battery_kwh: 301,\n"
      "     car_charge_kw: 0.0, }\n"
      "  - {name: F, kind: ev, phases: [L1], inputs: [h/4], car_charge_kw: fast}\n");
  ASSERT_TRUE(bad.installation.has_value());
  EXPECT_EQ(bad.error_count(), 7);
  const Diagnostic* capacity =
      find(bad, "capacity_kwh of load 'B' must be above 0 and at most 1000 kWh, not 0");
  ASSERT_NE(capacity, nullptr);
  EXPECT_EQ(capacity->pos.line, 4);
  EXPECT_EQ(capacity->pos.column, 73);
  const Diagnostic* power =
      find(bad, "power_kw of load 'B' must be above 0 and at most 1000 kW, not 5000");
  ASSERT_NE(power, nullptr);
  EXPECT_EQ(power->pos.line, 5);
  EXPECT_EQ(power->pos.column, 16);
  EXPECT_EQ(find(bad, "kwp of load 'S' must be above 0 and at most 10000 kWp, not -1")->pos.line,
            6);
  EXPECT_EQ(find(bad, "inverter_kw of load 'S' must be above 0 and at most 10000 kW")->pos.line, 6);
  EXPECT_EQ(find(bad, "car_battery_kwh of load 'E' must be above 0 and at most 300 kWh")->pos.line,
            7);
  EXPECT_EQ(find(bad, "car_charge_kw of load 'E' must be above 0 and at most 350 kW")->pos.line, 8);
  EXPECT_EQ(find(bad, "car_charge_kw must be a number, not 'fast'")->pos.line, 9);
  EXPECT_FALSE(bad.installation->loads[0].capacity_kwh.has_value());
}

TEST(Loader, EquipmentOnTheWrongKindOfLoadIsAnError) {
  const CheckResult bad = parse_installation(
      "site: {name: a, topology: 1P-230, main_breaker_a: 25}\ngateway: genius\nloads:\n"
      "  - {name: Oven, kind: consumer, phases: [L1], inputs: [h/1], capacity_kwh: 10}\n"
      "  - {name: PV, kind: solar, phases: [L1], inputs: [h/2], power_kw: 5, car_charge_kw: 7}\n"
      "  - {name: Car, kind: ev, phases: [L1], inputs: [h/3], kwp: 5}\n"
      "  - {name: Bat, kind: battery, phases: [L1], inputs: [h/4], inverter_kw: 5,\n"
      "     car_battery_kwh: 60}\n"
      "  - {name: X, kind: nuclear, phases: [L1], inputs: [h/5], kwp: 5}\n");
  ASSERT_TRUE(bad.installation.has_value());
  // One error per key; the load of unknown kind only gets its kind's error.
  EXPECT_EQ(bad.error_count(), 7);
  const Diagnostic* oven =
      find(bad,
           "capacity_kwh of load 'Oven' applies to loads of kind 'battery' only; this load is "
           "'consumer'");
  ASSERT_NE(oven, nullptr);
  EXPECT_EQ(oven->pos.line, 4);
  EXPECT_EQ(oven->pos.column, 77);
  EXPECT_EQ(find(bad, "power_kw of load 'PV' applies to loads of kind 'battery' only")->pos.line,
            5);
  EXPECT_EQ(find(bad, "car_charge_kw of load 'PV' applies to loads of kind 'ev' only")->pos.line,
            5);
  EXPECT_EQ(find(bad,
                 "kwp of load 'Car' applies to loads of kind 'solar' only; this load is "
                 "'ev'")
                ->pos.line,
            6);
  EXPECT_EQ(find(bad, "inverter_kw of load 'Bat' applies to loads of kind 'solar' only")->pos.line,
            7);
  EXPECT_EQ(find(bad, "car_battery_kwh of load 'Bat' applies to loads of kind 'ev' only")->pos.line,
            8);
  EXPECT_FALSE(bad.installation->loads[0].capacity_kwh.has_value());
}

TEST(Loader, FormatsDiagnosticsForTheCheckContract) {
  const Diagnostic d{{12, 5}, Severity::kError, "bad thing"};
  EXPECT_EQ(format_diagnostic("site.yaml", d), "site.yaml:12:5: error: bad thing");
  const Diagnostic w{{0, 0}, Severity::kWarning, "hmm"};
  EXPECT_EQ(format_diagnostic("f", w), "f:1:1: warning: hmm");
}

TEST(Loader, EveryExampleIsValid) {
  for (const char* name :
       {"demo", "1p-230", "3pn-400", "3p-230", "2pn-240", "3pn-208", "3pn-480", "3pn-600"}) {
    const auto inst =
        load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/" + name + ".yaml");
    EXPECT_TRUE(inst.ok()) << name << ": " << (inst.ok() ? "" : inst.error().message);
  }
}

TEST(Loader, MissingFileIsAnIoError) {
  const auto inst = load_installation_file("/nonexistent/site.yaml");
  ASSERT_FALSE(inst.ok());
  EXPECT_EQ(inst.error().kind, common::ErrorKind::kIoError);
}

// The demo's control section, value by value as written in examples/demo.yaml.
TEST(Loader, ReadsTheControlSection) {
  const auto inst =
      load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
  ASSERT_TRUE(inst.ok()) << inst.error().message;
  const ControlConfig& c = inst->control;
  EXPECT_TRUE(c.present);
  EXPECT_EQ(c.breaker_curve, BreakerCurve::kC);
  EXPECT_EQ(c.ev.mode, EvMode::kMinPv);
  EXPECT_EQ(c.battery.reserve_pct, 20.0);
  EXPECT_EQ(c.battery.charge_to_pct, 40.0);
  ASSERT_EQ(c.relays.size(), 1u);
  EXPECT_EQ(c.relays[0].module, "out1");
  EXPECT_EQ(c.relays[0].number, 1);
  EXPECT_EQ(c.relays[0].use, RelayUse::kShed);
  EXPECT_EQ(c.relays[0].power_w, 2400.0);
  EXPECT_EQ(c.relays[0].phases, (std::array<bool, 3>{true, true, true}));
  EXPECT_EQ(c.grid.export_limit_pct, 70.0);
  EXPECT_EQ(c.grid.peak_limit_kw, 7.5);
  ASSERT_EQ(c.grid.ripple.size(), 2u);
  EXPECT_EQ(c.grid.ripple[1].input, "in1/4");
  EXPECT_EQ(c.grid.ripple[1].limit_pct, 0.0);
  EXPECT_TRUE(c.grid.ripple[1].active_closed);
  ASSERT_EQ(c.tariff.windows.size(), 2u);
  EXPECT_EQ(c.tariff.windows[0].from_min, 22 * 60);
  EXPECT_EQ(c.tariff.windows[0].to_min, 7 * 60);
  // 23:00 and 06:59 are in the night window (it wraps past midnight), 07:00 is not.
  EXPECT_EQ(c.tariff.import_price(23 * 60), 0.24);
  EXPECT_EQ(c.tariff.import_price(6 * 60 + 59), 0.24);
  EXPECT_EQ(c.tariff.import_price(7 * 60), 0.32);
  EXPECT_EQ(c.tariff.import_price(18 * 60), 0.40);
  EXPECT_EQ(c.tariff.export_price(18 * 60), 0.04);
}

TEST(Loader, NoControlSectionMeansDefaults) {
  const auto inst =
      load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/3pn-400.yaml");
  ASSERT_TRUE(inst.ok());
  EXPECT_FALSE(inst->control.present);
  EXPECT_EQ(inst->control.ev.mode, EvMode::kMinPv);
  EXPECT_EQ(inst->control.tariff.import_price(600), 0.30);
  EXPECT_TRUE(inst->control.relays.empty());
}

TEST(Loader, ServerSection) {
  const std::string base =
      "site: {name: S, topology: 1P-230, main_breaker_a: 40}\ngateway: connect\n";
  auto ok = check_installation(base +
                               "server: {tls_certificate: /etc/k/cert.pem, tls_key: "
                               "/etc/k/key.pem, local_only: true}\n");
  ASSERT_TRUE(ok.installation.has_value());
  EXPECT_FALSE(ok.has_errors());
  EXPECT_EQ(ok.installation->server.tls_certificate, "/etc/k/cert.pem");
  EXPECT_EQ(ok.installation->server.tls_key, "/etc/k/key.pem");
  EXPECT_TRUE(ok.installation->server.local_only);
  // Line 3, column 9: the server mapping's first key.
  auto half = check_installation(base + "server: {tls_certificate: /etc/k/cert.pem}\n");
  ASSERT_EQ(half.error_count(), 1);
  const auto error =
      std::find_if(half.diagnostics.begin(), half.diagnostics.end(),
                   [](const Diagnostic& d) { return d.severity == Severity::kError; });
  EXPECT_EQ(error->pos.line, 3);
  EXPECT_EQ(error->message,
            "'server' needs both tls_certificate and tls_key (PEM files) for HTTPS, or neither");
}

TEST(Loader, MqttBlockOfTheServerSection) {
  const std::string base =
      "site: {name: S, topology: 1P-230, main_breaker_a: 40}\ngateway: connect\nserver:\n  mqtt:\n";
  auto ok = check_installation(base +
                               "    url: mqtts://broker.lan:8883\n"
                               "    username: kirchhoff\n"
                               "    password_file: mqtt.secret\n"
                               "    ca_file: ca.pem\n"
                               "    topic_prefix: home/energy\n"
                               "    read_only: true\n"
                               "    uplink: false\n"
                               "    protocol: 3.1.1\n");
  ASSERT_TRUE(ok.installation.has_value());
  EXPECT_FALSE(ok.has_errors());
  const auto& m = *ok.installation->server.mqtt;
  EXPECT_EQ(m.url, "mqtts://broker.lan:8883");
  EXPECT_EQ(m.username, "kirchhoff");
  EXPECT_EQ(m.password_file, "mqtt.secret");
  EXPECT_EQ(m.ca_file, "ca.pem");
  EXPECT_EQ(m.topic_prefix, "home/energy");
  EXPECT_EQ(m.discovery_prefix, "homeassistant");  // the default
  EXPECT_TRUE(m.discovery);
  EXPECT_TRUE(m.read_only);
  EXPECT_FALSE(m.uplink);
  EXPECT_EQ(m.protocol, 4);
  EXPECT_EQ(m.keepalive_s, 30);
  EXPECT_EQ(m.uplink_days, 30.0);

  // Without the block there is no MQTT at all.
  EXPECT_FALSE(check_installation(base.substr(0, base.find("server:"))).installation->server.mqtt);

  auto first_error = [&](const std::string& block) {
    auto r = check_installation(base + block);
    const auto e = std::find_if(r.diagnostics.begin(), r.diagnostics.end(),
                                [](const Diagnostic& d) { return d.severity == Severity::kError; });
    return e == r.diagnostics.end() ? std::string("no error")
                                    : std::to_string(e->pos.line) + ":" + e->message;
  };
  EXPECT_EQ(
      first_error("    url: http://broker\n"),
      "5:url of 'mqtt' must be mqtt://HOST[:PORT] or mqtts://HOST[:PORT], not 'http://broker'");
  EXPECT_EQ(first_error("    username: k\n"),
            "5:'mqtt' of 'server' needs a url, e.g. mqtt://192.168.1.5:1883");
  EXPECT_EQ(first_error("    url: mqtt://b\n    topic_prefix: a/#\n"),
            "5:topic_prefix of 'mqtt' must be a topic without + or # and without a leading or "
            "trailing /, not 'a/#'");
  EXPECT_EQ(first_error("    url: mqtt://b\n    protocol: 3\n"),
            "6:protocol of 'mqtt' must be 5 or 3.1.1, not '3'");
  EXPECT_NE(first_error("    url: mqtt://b\n    pasword_file: x\n").find("6:"), std::string::npos);
}

}  // namespace
}  // namespace kirchhoff::model

namespace kirchhoff::model {
namespace {

// A byte that is not UTF-8 anywhere in the file is an error at its position,
// whatever field it sits in (it would otherwise reach JSON and the logs).
TEST(Loader, RefusesTextThatIsNotUtf8AtItsPosition) {
  std::string yaml = kMinimal;
  // Line 13 is "  - name: Grid"; the 0xFF replaces the 'r' of "Grid" (column 12).
  yaml.replace(yaml.find("Grid") + 1, 1, "\xff");
  const CheckResult result = check_installation(yaml);
  ASSERT_EQ(result.diagnostics.size(), 1u);
  EXPECT_EQ(result.diagnostics[0].pos.line, 13);
  EXPECT_EQ(result.diagnostics[0].pos.column, 12);
  EXPECT_EQ(result.diagnostics[0].message,
            "the text is not valid UTF-8 (byte 0xFF); save the file as UTF-8");
  EXPECT_FALSE(result.installation);
}

TEST(Loader, AcceptsUtf8Names) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("Grid"), 4, "R\xC3\xA9seau");  // "Réseau"
  const CheckResult result = check_installation(yaml);
  EXPECT_FALSE(result.has_errors());
}

}  // namespace
}  // namespace kirchhoff::model

namespace kirchhoff::model {
namespace {

const std::string kTariffBase =
    "site: {name: S, topology: 1P-230, main_breaker_a: 40}\ngateway: connect\ncontrol:\n"
    "  tariff:\n";

TEST(Loader, TariffPriceFileAndCapacity) {
  const std::string examples = std::string(KIRCHHOFF_SOURCE_DIR) + "/examples";
  auto ok = check_installation(kTariffBase +
                                   "    prices: prices-day-ahead.csv\n"
                                   "    capacity: {eur_per_kw_month: 4.5, min_kw: 2.5}\n",
                               examples);
  ASSERT_TRUE(ok.installation.has_value());
  EXPECT_FALSE(ok.has_errors());
  const auto& tariff = ok.installation->control.tariff;
  EXPECT_EQ(tariff.prices_file, "prices-day-ahead.csv");
  ASSERT_NE(tariff.prices, nullptr);
  EXPECT_EQ(tariff.prices->step_s(), 3600);
  ASSERT_TRUE(tariff.capacity.has_value());
  EXPECT_EQ(tariff.capacity->eur_per_kw_month, 4.5);
  EXPECT_EQ(tariff.capacity->min_kw, 2.5);
  // Before the file's first row the flat price holds.
  EXPECT_EQ(tariff.import_price_at(0, 600), 0.30);
}

TEST(Loader, PriceFileProblemsAreReportedAtTheKey) {
  auto missing = check_installation(kTariffBase + "    prices: no-such-file.csv\n", "/nonexistent");
  const Diagnostic* d = find(missing, "prices of 'tariff': /nonexistent/no-such-file.csv: cannot");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->pos.line, 5);
  EXPECT_EQ(d->pos.column, 13);
  // An invalid file: the CSV's own line and column follow the key's.
  auto invalid = check_installation(kTariffBase + "    prices: CMakeLists.txt\n",
                                    std::string(KIRCHHOFF_SOURCE_DIR) + "/src/model");
  d = find(invalid, "CMakeLists.txt:1:1: the header must be");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->pos.line, 5);
  // Without a base directory (check_installation(text)) the file is not read.
  EXPECT_FALSE(check_installation(kTariffBase + "    prices: no-such-file.csv\n").has_errors());
}

TEST(Loader, CapacityTariffIsValidated) {
  auto negative = check_installation(kTariffBase + "    capacity: {eur_per_kw_month: -1}\n");
  const Diagnostic* d = find(negative, "eur_per_kw_month in 'capacity' must be between 0 and");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->pos.line, 5);
  auto missing = check_installation(kTariffBase + "    capacity: {min_kw: 2.5}\n");
  EXPECT_NE(find(missing, "'capacity' needs 'eur_per_kw_month'"), nullptr);
  auto unknown =
      check_installation(kTariffBase + "    capacity: {eur_per_kw_month: 4, min_kv: 2}\n");
  EXPECT_NE(find(unknown, "min_kv"), nullptr);
  auto low = check_installation(kTariffBase + "    capacity: {eur_per_kw_month: 4, min_kw: -2}\n");
  EXPECT_NE(find(low, "min_kw in 'capacity' must be between 0 and"), nullptr);
}

}  // namespace
}  // namespace kirchhoff::model

namespace kirchhoff::model {
namespace {

TEST(Loader, DayAheadSourcesAndBatterySize) {
  auto ok = check_installation(
      "site: {name: S, topology: 1P-230, main_breaker_a: 40}\ngateway: connect\n"
      "server:\n  mqtt: {url: mqtt://127.0.0.1:1883}\n"
      "control:\n  ev: {battery_kwh: 77}\n  tariff:\n"
      "    prices_url: https://prices.example/day-ahead.json?token=abc\n"
      "    prices_refresh_min: 30\n"
      "    prices_topic: energy/day-ahead\n");
  ASSERT_TRUE(ok.installation.has_value());
  EXPECT_FALSE(ok.has_errors());
  const auto& c = ok.installation->control;
  EXPECT_EQ(c.tariff.prices_url, "https://prices.example/day-ahead.json?token=abc");
  EXPECT_EQ(c.tariff.prices_refresh_min, 30);
  EXPECT_EQ(c.tariff.prices_topic, "energy/day-ahead");
  EXPECT_EQ(c.ev.battery_kwh, 77.0);
  // Defaults.
  auto plain = check_installation(kTariffBase + "    currency: EUR\n");
  ASSERT_TRUE(plain.installation.has_value());
  EXPECT_EQ(plain.installation->control.tariff.prices_refresh_min, 60);
  EXPECT_EQ(plain.installation->control.ev.battery_kwh, 60.0);
}

TEST(Loader, DayAheadSourcesAreValidatedAtTheirKeys) {
  auto scheme = check_installation(kTariffBase + "    prices_url: ftp://host/p.json\n");
  const Diagnostic* d = find(scheme, "prices_url of 'tariff' must start with http:// or https://");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->pos.line, 5);
  EXPECT_EQ(d->pos.column, 17);
  auto host = check_installation(kTariffBase + "    prices_url: http:///p.json\n");
  EXPECT_NE(find(host, "prices_url of 'tariff' must name a host after the scheme"), nullptr);
  auto refresh = check_installation(kTariffBase + "    prices_refresh_min: 1\n");
  EXPECT_NE(find(refresh, "prices_refresh_min in 'tariff' must be between 5 and 1440"), nullptr);
  auto wildcard = check_installation(kTariffBase + "    prices_topic: energy/+\n");
  EXPECT_NE(find(wildcard, "prices_topic of 'tariff' must be one topic, without the wildcards"),
            nullptr);
  // A topic needs the broker of server.mqtt.
  auto no_broker = check_installation(kTariffBase + "    prices_topic: energy/day-ahead\n");
  d = find(no_broker, "prices_topic of 'tariff' needs an MQTT broker");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->pos.line, 5);
  auto battery = check_installation(
      "site: {name: S, topology: 1P-230, main_breaker_a: 40}\ngateway: connect\n"
      "control:\n  ev: {battery_kwh: 0}\n");
  EXPECT_NE(find(battery, "battery_kwh in 'ev' must be between 1 and 250"), nullptr);
}

TEST(Loader, HistoryRetention) {
  const std::string base =
      "site: {name: S, topology: 1P-230, main_breaker_a: 40}\ngateway: connect\n";
  auto ok = check_installation(base +
                               "server:\n"
                               "  history:\n"
                               "    retention: {raw: 12w, 1m: 2y, 15m: forever, 1d: 400d}\n"
                               "    min_free_mb: 50\n");
  ASSERT_TRUE(ok.installation.has_value());
  EXPECT_FALSE(ok.has_errors());
  const auto& h = ok.installation->server.history;
  EXPECT_EQ(h.raw_ms, 84LL * 86'400'000);         // 12 weeks
  EXPECT_EQ(h.rollup_ms[0], 730LL * 86'400'000);  // 2 years of 365 days
  EXPECT_EQ(h.rollup_ms[1], 0);                   // forever
  EXPECT_EQ(h.rollup_ms[2], 0);                   // not given: forever
  EXPECT_EQ(h.rollup_ms[3], 400LL * 86'400'000);
  EXPECT_EQ(h.min_free_mb, 50);
  auto defaults = check_installation(base);
  ASSERT_TRUE(defaults.installation.has_value());
  EXPECT_EQ(defaults.installation->server.history.raw_ms, 35LL * 86'400'000);
  EXPECT_EQ(defaults.installation->server.history.min_free_mb, 200);
  auto forever = check_installation(base + "server: {history: {retention: {raw: forever}}}\n");
  ASSERT_TRUE(forever.installation.has_value());
  EXPECT_EQ(forever.installation->server.history.raw_ms, 0);
}

TEST(Loader, HistoryRetentionIsValidatedAtItsKeys) {
  const std::string base =
      "site: {name: S, topology: 1P-230, main_breaker_a: 40}\ngateway: connect\n"
      "server:\n  history:\n    retention:\n";
  auto short_raw = check_installation(base + "      raw: 1d\n");
  const Diagnostic* d = find(short_raw, "raw of 'retention' must be at least 2d");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->pos.line, 6);
  EXPECT_EQ(d->pos.column, 12);
  auto unit = check_installation(base + "      1h: 36\n");
  d = find(unit,
           "1h of 'retention' must be a duration in days, weeks or years (35d, 12w, 2y) or "
           "forever, not '36'");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->pos.line, 6);
  auto key = check_installation(base + "      5m: 2d\n");
  EXPECT_TRUE(key.has_errors());
  auto zero = check_installation(base + "      1d: 0y\n");
  EXPECT_NE(find(zero, "1d of 'retention' must be a duration"), nullptr);
}

}  // namespace
}  // namespace kirchhoff::model
