// One test per shipped map: a FakeTransport holds register values encoded by
// hand from the device's register document, and the Reading must hold the
// values they stand for. Float32 encodings follow IEEE 754, e.g.
//   230.1 = 1.79765625 x 2^7: sign 0, exponent 127 + 7 = 134 = 0x86,
//   fraction 0.79765625 x 2^23 = 6691226 = 0x66199A -> 0x4366199A.
// Integers are two's complement; 32-bit values split into high and low word
// (e.g. 123456 = 0x0001E240).
#include "devices/modbus/maps/map_device.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "devices/modbus/fake_transport.hpp"
#include "devices/modbus/maps/builtin_maps.hpp"
#include "devices/modbus/maps/map_loader.hpp"

namespace kirchhoff::devices::maps {
namespace {

using modbus::FakeTransport;
using modbus::RegisterKind;
using ::testing::HasSubstr;

constexpr std::int64_t kNowMs = 1'780'000'000'000;

RegisterMap shipped(std::string_view id) {
  auto map = find_builtin_map(id);
  EXPECT_TRUE(map.ok()) << (map.ok() ? "" : map.error().message);
  return map.ok() ? *map : RegisterMap{};
}

// Zeroes a range first: blocks that bridge unused registers read them too.
void zero(FakeTransport& fake, int unit, std::uint16_t from, std::uint16_t to, RegisterKind kind) {
  fake.set(unit, from, std::vector<std::uint16_t>(to - from + 1u, 0), kind);
}

TEST(MapDevice, EastronSdm630) {
  FakeTransport fake;
  const auto in = RegisterKind::kInput;
  fake.set(1, 0,
           {0x4366, 0x199A,   // V L1 230.1 (see above)
            0x4367, 0x0000,   // V L2 231.0 = 1.8046875 x 2^7
            0x4365, 0x8000,   // V L3 229.5
            0x40A8, 0x0000,   // I L1 5.25 = 1.3125 x 2^2
            0x4080, 0x0000,   // I L2 4.0
            0x3F00, 0x0000,   // I L3 0.5
            0x4496, 0x0000,   // P L1 1200 = 1.171875 x 2^10
            0x4461, 0x2000,   // P L2 900.5
            0xC2C8, 0x0000},  // P L3 -100 (sign bit set)
           in);
  fake.set(1, 52, {0x44FA, 0x1000}, in);  // total power 2000.5
  fake.set(1, 60, {0x4316, 0x0000}, in);  // total VAr 150
  fake.set(1, 70,
           {0x4248, 0x0000,   // 50.0 Hz
            0x4640, 0xE600,   // import 12345.5 kWh
            0x42C8, 0x8000},  // export 100.25 kWh
           in);
  MapDevice device(shipped("eastron-sdm630"), fake, 1, [] { return kNowMs; });
  const auto reading = device.read();
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_EQ(reading->unix_ms, kNowMs);
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[0], static_cast<double>(230.1f));  // float32 exactly
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[1], 231.0);
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[2], 229.5);
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[0], 5.25);
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[1], 4.0);
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[2], 0.5);
  EXPECT_DOUBLE_EQ(*reading->phase_power_w[0], 1200.0);
  EXPECT_DOUBLE_EQ(*reading->phase_power_w[1], 900.5);
  EXPECT_DOUBLE_EQ(*reading->phase_power_w[2], -100.0);
  EXPECT_DOUBLE_EQ(*reading->power_w, 2000.5);
  EXPECT_DOUBLE_EQ(*reading->reactive_power_var, 150.0);
  EXPECT_DOUBLE_EQ(*reading->frequency_hz, 50.0);
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 12'345'500.0);  // kWh x 1000
  EXPECT_DOUBLE_EQ(*reading->energy_export_wh, 100'250.0);
  EXPECT_FALSE(reading->soc_pct.has_value());
  // Blocks: 0..17, 52..53, 60..61, 70..75 (gaps above max_gap 4 are not bridged).
  EXPECT_EQ(fake.reads(), 4);
  // A meter takes no setpoints.
  const auto status = device.set_power_w(100.0);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, common::ErrorKind::kUnsupported);
  EXPECT_EQ(status.error().message, "eastron-sdm630 unit 1: the map has no setpoint set_power_w");
  EXPECT_TRUE(fake.writes().empty());
}

TEST(MapDevice, EastronSdm120) {
  FakeTransport fake;
  const auto in = RegisterKind::kInput;
  zero(fake, 2, 0, 13, in);
  fake.set(2, 0, {0x4366, 0x0000}, in);   // 230.0 V
  fake.set(2, 6, {0x40D0, 0x0000}, in);   // 6.5 A = 1.625 x 2^2
  fake.set(2, 12, {0xC4BB, 0x9000}, in);  // -1500.5 W: the meter exports
  fake.set(2, 24, {0x4316, 0x0000}, in);  // 150 var
  fake.set(2, 70, {0x4247, 0xEB85, 0x4640, 0xE600, 0x42C8, 0x8000}, in);  // 49.98 Hz, kWh
  MapDevice device(shipped("eastron-sdm120"), fake, 2, [] { return kNowMs; });
  const auto reading = device.read();
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[0], 230.0);
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[0], 6.5);
  EXPECT_DOUBLE_EQ(*reading->power_w, -1500.5);
  EXPECT_DOUBLE_EQ(*reading->reactive_power_var, 150.0);
  EXPECT_DOUBLE_EQ(*reading->frequency_hz, static_cast<double>(49.98f));  // float32 exactly
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 12'345'500.0);
  EXPECT_DOUBLE_EQ(*reading->energy_export_wh, 100'250.0);
  EXPECT_FALSE(reading->phase_voltage_v[1].has_value());
  EXPECT_EQ(fake.reads(), 3);  // 0..13, 24..25, 70..75
}

TEST(MapDevice, CarloGavazziEm24SendsTheLowWordFirst) {
  FakeTransport fake;
  const auto in = RegisterKind::kInput;
  zero(fake, 1, 0x00, 0x5D, in);
  // INT32, least significant word first; weights from the protocol document.
  fake.set(1, 0x00, {0x08FD, 0x0000, 0x0906, 0x0000, 0x08F7, 0x0000}, in);  // 2301 2310 2295 x0.1 V
  fake.set(1, 0x0C, {0x1482, 0x0000, 0x0FA0, 0x0000, 0x01F4, 0x0000}, in);  // 5250 4000 500 mA
  fake.set(1, 0x12, {0x2EE0, 0x0000, 0x232D, 0x0000, 0xFC18, 0xFFFF},
           in);                             // 12000 9005 -1000 x0.1 W
  fake.set(1, 0x28, {0x4E25, 0x0000}, in);  // 20005 x0.1 W
  fake.set(1, 0x2C, {0x05DC, 0x0000}, in);  // 1500 x0.1 var
  fake.set(1, 0x37, {0x01F4}, in);          // 500 x0.1 Hz
  fake.set(1, 0x3E, {0xE240, 0x0001}, in);  // 123456 x0.1 kWh = 12345.6 kWh
  fake.set(1, 0x5C, {0x03EA, 0x0000}, in);  // 1002 x0.1 kWh = 100.2 kWh
  MapDevice device(shipped("carlo-gavazzi-em24"), fake, 1, [] { return kNowMs; });
  const auto reading = device.read();
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[0], 230.1);
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[1], 231.0);
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[2], 229.5);
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[0], 5.25);
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[1], 4.0);
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[2], 0.5);
  EXPECT_DOUBLE_EQ(*reading->phase_power_w[0], 1200.0);
  EXPECT_DOUBLE_EQ(*reading->phase_power_w[1], 900.5);
  EXPECT_DOUBLE_EQ(*reading->phase_power_w[2], -100.0);
  EXPECT_DOUBLE_EQ(*reading->power_w, 2000.5);
  EXPECT_DOUBLE_EQ(*reading->reactive_power_var, 150.0);
  EXPECT_DOUBLE_EQ(*reading->frequency_hz, 50.0);
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 12'345'600.0);
  EXPECT_DOUBLE_EQ(*reading->energy_export_wh, 100'200.0);
  // max_gap 16: 0x00..0x3F in one request, 0x5C..0x5D in another.
  EXPECT_EQ(fake.reads(), 2);
}

TEST(MapDevice, AbbB23) {
  FakeTransport fake;
  zero(fake, 1, 0x5B00, 0x5B2C, RegisterKind::kHolding);
  fake.set(1, 0x5000,
           {0x0000, 0x0000, 0x0012, 0xD687,                               // 1234567 x 0.01 kWh
            0x0000, 0x0000, 0x0000, 0x00FA});                             // 250 x 0.01 kWh
  fake.set(1, 0x5B00, {0x0000, 0x08FD, 0x0000, 0x0906, 0x0000, 0x08F7});  // x0.1 V
  fake.set(1, 0x5B0C, {0x0000, 0x020D, 0x0000, 0x0190, 0x0000, 0x0032});  // 525 400 50 x0.01 A
  fake.set(1, 0x5B14,
           {0x0003, 0x0D72,       // 200050 x0.01 W
            0x0001, 0xD4C0,       // 120000
            0x0001, 0x5FC2,       // 90050
            0xFFFF, 0xD8F0});     // -10000
  fake.set(1, 0x5B2C, {0x1388});  // 5000 x0.01 Hz
  MapDevice device(shipped("abb-b23"), fake, 1, [] { return kNowMs; });
  const auto reading = device.read();
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 12'345'670.0);
  EXPECT_DOUBLE_EQ(*reading->energy_export_wh, 2'500.0);
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[0], 230.1);
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[2], 229.5);
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[0], 5.25);
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[2], 0.5);
  EXPECT_DOUBLE_EQ(*reading->power_w, 2000.5);
  EXPECT_DOUBLE_EQ(*reading->phase_power_w[0], 1200.0);
  EXPECT_DOUBLE_EQ(*reading->phase_power_w[1], 900.5);
  EXPECT_DOUBLE_EQ(*reading->phase_power_w[2], -100.0);
  EXPECT_DOUBLE_EQ(*reading->frequency_hz, 50.0);
  EXPECT_EQ(fake.reads(), 4);  // 0x5000..07, 0x5B00..05, 0x5B0C..1B, 0x5B2C
}

TEST(MapDevice, HuaweiSun2000InverterBatteryAndGrid) {
  FakeTransport fake;
  zero(fake, 1, 32064, 32085, RegisterKind::kHolding);
  zero(fake, 1, 37760, 37766, RegisterKind::kHolding);
  zero(fake, 1, 37101, 37137, RegisterKind::kHolding);
  fake.set(1, 30073, {0x0000, 0x2710});                                  // rated 10000 W
  fake.set(1, 32064, {0x0000, 0x0FA0});                                  // PV input 4000 W
  fake.set(1, 32069, {2301, 2310, 2295});                                // gain 10 V
  fake.set(1, 32072, {0x0000, 0x1482, 0x0000, 0x0FA0, 0x0000, 0x01F4});  // gain 1000 A
  fake.set(1, 32080, {0x0000, 0x0DAC, 0xFFFF, 0xFF38});                  // 3500 W, -200 var
  fake.set(1, 32085, {0x1386});                                          // 4998: 49.98 Hz
  fake.set(1, 32106, {0x0001, 0xE240});                                  // 123456 x 0.01 kWh yield
  fake.set(1, 40125, {0x03E8});                                          // 1000: 100.0 %
  fake.set(1, 37760, {0x0357});                                          // 855: 85.5 %
  fake.set(1, 37765, {0x0000, 0x07D0});                                  // + 2000 W: charging
  fake.set(1, 37780, {0x0000, 0xC350, 0x0000, 0xAFC8});                  // 50000, 45000 x 0.01 kWh
  fake.set(1, 47075, {0x0000, 0x1388, 0x0000, 0x1194});                  // 5000 W, 4500 W
  fake.set(1, 37101, {0x0000, 0x08FD});                                  // 230.1 V
  fake.set(1, 37107, {0xFFFF, 0xFD74});                                  // -652 x 0.01 A
  fake.set(1, 37113, {0xFFFF, 0xFA24});                  // -1500 W: drawing from the grid
  fake.set(1, 37118, {0x1386});                          // 49.98 Hz
  fake.set(1, 37119, {0x0001, 0xE240, 0x0009, 0xFBF1});  // fed in 123456, drawn 654321 x 0.01 kWh
  fake.set(1, 37132, {0xFFFF, 0xFC18});                  // L1 -1000 W
  MapDevice device(shipped("huawei-sun2000"), fake, 1, [] { return kNowMs; });

  const auto inverter = device.read();
  ASSERT_TRUE(inverter.ok()) << inverter.error().message;
  EXPECT_DOUBLE_EQ(*inverter->rated_power_w, 10'000.0);
  EXPECT_DOUBLE_EQ(*inverter->phase_voltage_v[0], 230.1);
  EXPECT_DOUBLE_EQ(*inverter->phase_current_a[0], 5.25);
  EXPECT_DOUBLE_EQ(*inverter->phase_current_a[2], 0.5);
  EXPECT_DOUBLE_EQ(*inverter->power_w, 3'500.0);  // production is + already
  EXPECT_DOUBLE_EQ(*inverter->reactive_power_var, -200.0);
  EXPECT_DOUBLE_EQ(*inverter->frequency_hz, 49.98);
  EXPECT_DOUBLE_EQ(*inverter->energy_import_wh, 1'234'560.0);
  EXPECT_DOUBLE_EQ(*inverter->limit_pct, 100.0);
  EXPECT_FALSE(inverter->soc_pct.has_value());
  EXPECT_EQ(fake.reads(), 4);  // 30073, 32069..32085, 32106, 40125

  const auto pv = device.read("pv");
  ASSERT_TRUE(pv.ok()) << pv.error().message;
  EXPECT_DOUBLE_EQ(*pv->power_w, 4'000.0);

  const auto battery = device.read("battery");
  ASSERT_TRUE(battery.ok()) << battery.error().message;
  EXPECT_DOUBLE_EQ(*battery->soc_pct, 85.5);
  EXPECT_DOUBLE_EQ(*battery->power_w, -2'000.0);  // charging is - for Kirchhoff
  EXPECT_DOUBLE_EQ(*battery->energy_export_wh, 500'000.0);
  EXPECT_DOUBLE_EQ(*battery->energy_import_wh, 450'000.0);
  EXPECT_DOUBLE_EQ(*battery->max_charge_w, 5'000.0);
  EXPECT_DOUBLE_EQ(*battery->max_discharge_w, 4'500.0);

  const auto grid = device.read("grid");
  ASSERT_TRUE(grid.ok()) << grid.error().message;
  EXPECT_DOUBLE_EQ(*grid->power_w, 1'500.0);  // import is + for Kirchhoff
  EXPECT_DOUBLE_EQ(*grid->phase_current_a[0], 6.52);
  EXPECT_DOUBLE_EQ(*grid->phase_power_w[0], 1'000.0);
  EXPECT_DOUBLE_EQ(*grid->phase_voltage_v[0], 230.1);
  EXPECT_DOUBLE_EQ(*grid->frequency_hz, 49.98);
  EXPECT_DOUBLE_EQ(*grid->energy_export_wh, 1'234'560.0);
  EXPECT_DOUBLE_EQ(*grid->energy_import_wh, 6'543'210.0);

  const auto unknown = device.read("garage");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "huawei-sun2000 unit 1: the map has no part 'garage'");

  // The active power limit: 0.1 % per count. 55.5 % -> 555 = 0x022B; 150 %
  // is clamped to 100 % -> 1000 = 0x03E8.
  ASSERT_TRUE(device.set_limit_pct(55.5).ok());
  ASSERT_TRUE(device.set_limit_pct(150.0).ok());
  ASSERT_EQ(fake.writes().size(), 2u);
  EXPECT_EQ(fake.writes()[0].unit, 1);
  EXPECT_EQ(fake.writes()[0].address, 40125);
  EXPECT_EQ(fake.writes()[0].values, (std::vector<std::uint16_t>{0x022B}));
  EXPECT_EQ(fake.writes()[1].values, (std::vector<std::uint16_t>{0x03E8}));
  EXPECT_FALSE(device.set_power_w(1000.0).ok());  // no battery setpoint in the shipped map
}

TEST(MapDevice, AlfenEveReadsStateAndWritesItsLimitWithAHeartbeat) {
  FakeTransport fake;
  zero(fake, 1, 306, 377, RegisterKind::kHolding);
  zero(fake, 1, 1201, 1215, RegisterKind::kHolding);
  fake.set(1, 306, {0x4366, 0x199A, 0x4367, 0x0000, 0x4365, 0x8000});  // 230.1 231 229.5 V
  fake.set(1, 320, {0x4180, 0x0000, 0x4180, 0x0000, 0x4120, 0x0000});  // 16 16 10 A
  fake.set(1, 336, {0x4247, 0xEB85});                                  // 49.98 Hz
  fake.set(1, 344, {0x45E6, 0x0000});                                  // 7360 W
  fake.set(1, 360, {0xC2C8, 0x0000});                                  // -100 var
  fake.set(1, 374, {0x4132, 0xD687, 0x0000, 0x0000});           // float64 1234567 Wh = 1.177 x 2^20
  fake.set(1, 1201, {0x4332, 0x0000, 0x0000, 0x0000, 0x0000});  // "C2": charging
  fake.set(1, 1206, {0x4180, 0x0000});                          // applied 16 A
  fake.set(1, 1215, {3});                                       // three phases
  std::int64_t now_ms = kNowMs;
  MapDevice device(shipped("alfen-eve"), fake, 1, [&now_ms] { return now_ms; });

  const auto reading = device.read();
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[0], static_cast<double>(230.1f));  // float32 exactly
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[0], 16.0);
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[2], 10.0);
  EXPECT_DOUBLE_EQ(*reading->frequency_hz, static_cast<double>(49.98f));  // float32 exactly
  EXPECT_DOUBLE_EQ(*reading->power_w, 7'360.0);
  EXPECT_DOUBLE_EQ(*reading->reactive_power_var, -100.0);
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 1'234'567.0);
  EXPECT_EQ(reading->charger_state, ChargerState::kCharging);
  EXPECT_DOUBLE_EQ(*reading->current_limit_a, 16.0);
  EXPECT_EQ(reading->charging_phases, 3);
  EXPECT_EQ(fake.reads(), 2);  // 306..377 and 1201..1215

  fake.set(1, 1201, {0x4231});  // "B1": plugged in, waiting
  EXPECT_EQ(device.read()->charger_state, ChargerState::kPlugged);
  fake.set(1, 1201, {0x4200});  // "B" with no digit: not in the table
  EXPECT_EQ(device.read()->charger_state, ChargerState::kUnknown);

  // 16 A as float32 0x41800000 at 1210; 40 A clamps to the map's 32 A
  // (0x42000000); 3 A is below the 6 A minimum of IEC 61851: a pause, 0.
  ASSERT_TRUE(device.set_current_limit_a(16.0).ok());
  ASSERT_TRUE(device.set_current_limit_a(40.0).ok());
  ASSERT_TRUE(device.set_current_limit_a(3.0).ok());
  ASSERT_TRUE(device.set_phases(1).ok());
  const auto bad = device.set_phases(2);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "alfen-eve unit 1: phases must be 1 or 3, not 2");
  ASSERT_EQ(fake.writes().size(), 4u);
  EXPECT_EQ(fake.writes()[0].address, 1210);
  EXPECT_EQ(fake.writes()[0].values, (std::vector<std::uint16_t>{0x4180, 0x0000}));
  EXPECT_EQ(fake.writes()[1].values, (std::vector<std::uint16_t>{0x4200, 0x0000}));
  EXPECT_EQ(fake.writes()[2].values, (std::vector<std::uint16_t>{0x0000, 0x0000}));
  EXPECT_EQ(fake.writes()[3].address, 1215);
  EXPECT_EQ(fake.writes()[3].values, (std::vector<std::uint16_t>{1}));

  // Heartbeat: the last limit (0 A) again once 30 s have passed since it was written.
  ASSERT_TRUE(device.set_current_limit_a(11.0).ok());  // 0x41300000
  now_ms += 29'999;
  ASSERT_TRUE(device.keep_alive().ok());
  EXPECT_EQ(fake.writes().size(), 5u);
  now_ms += 1;
  ASSERT_TRUE(device.keep_alive().ok());
  ASSERT_EQ(fake.writes().size(), 6u);
  EXPECT_EQ(fake.writes()[5].address, 1210);
  EXPECT_EQ(fake.writes()[5].values, (std::vector<std::uint16_t>{0x4130, 0x0000}));
  ASSERT_TRUE(device.keep_alive().ok());  // just written: nothing due
  EXPECT_EQ(fake.writes().size(), 6u);
}

TEST(MapDevice, GenericMeterTemplateWithAScaleFactorRegister) {
  FakeTransport fake;
  const auto in = RegisterKind::kInput;
  fake.set(1, 0, std::vector<std::uint16_t>(22, 0), in);
  fake.set(1, 12, {0x0000, 0x4E25}, in);  // 20005 x 0.1 W
  fake.set(1, 16, {0x0001, 0xE240}, in);  // 123456 x 10 Wh
  fake.set(1, 20, {4998, 0xFFFE}, in);    // 4998 x 10^-2 Hz (0xFFFE = -2)
  MapDevice device(shipped("generic-meter"), fake, 1, [] { return kNowMs; });
  const auto reading = device.read();
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->power_w, 2000.5);
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 1'234'560.0);
  EXPECT_DOUBLE_EQ(*reading->frequency_hz, 49.98);
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[0], 0.0);
  EXPECT_EQ(fake.reads(), 1);  // 0..21 in one request
}

TEST(MapDevice, AFailedBlockFailsTheReadAndNamesTheRegisters) {
  FakeTransport fake;  // nothing set: every read answers exception 2
  MapDevice device(shipped("eastron-sdm630"), fake, 7, [] { return kNowMs; });
  const auto reading = device.read();
  ASSERT_FALSE(reading.ok());
  EXPECT_EQ(reading.error().kind, common::ErrorKind::kNotFound);
  EXPECT_EQ(reading.error().message,
            "eastron-sdm630 unit 7: reading input registers 0..17: unit 7 register 0: "
            "exception 2 (illegal data address)");
}

TEST(MapDevice, SetpointsWithEnableRegisterSignAndRelay) {
  const char* text = R"(id: test-battery
manufacturer: Test
model: Battery
kind: battery
points:
  - {quantity: soc_pct, address: 0, type: uint16}
  - {quantity: relay_on, address: 1, type: uint16}
setpoints:
  - name: set_power_w
    address: 100
    type: int32
    sign: -1
    min: -5000
    max: 5000
    enable: {address: 99, value: 1}
  - {name: set_relay, address: 200, type: uint16, on_value: 0xFF00, off_value: 0}
heartbeat: {address: 300, value: 0xA5, interval_s: 10}
)";
  auto map = load_map(text, "test.yaml");
  ASSERT_TRUE(map.ok()) << map.error().message;
  FakeTransport fake;
  fake.set(1, 0, {80, 1});
  std::int64_t now_ms = 0;
  MapDevice device(*map, fake, 1, [&now_ms] { return now_ms; });
  EXPECT_EQ(device.read()->relay_on, true);
  // + 3000 W discharge is -3000 for this battery: 0xFFFFF448; -9000 clamps to
  // -5000 and becomes +5000 = 0x00001388.
  ASSERT_TRUE(device.set_power_w(3000.0).ok());
  ASSERT_TRUE(device.set_power_w(-9000.0).ok());
  ASSERT_TRUE(device.set_relay(true).ok());
  ASSERT_TRUE(device.keep_alive().ok());
  now_ms = 9'999;
  ASSERT_TRUE(device.keep_alive().ok());
  now_ms = 10'000;
  ASSERT_TRUE(device.keep_alive().ok());
  const auto& w = fake.writes();
  ASSERT_EQ(w.size(), 7u);
  EXPECT_EQ(w[0].address, 99);
  EXPECT_EQ(w[0].values, (std::vector<std::uint16_t>{1}));
  EXPECT_EQ(w[1].address, 100);
  EXPECT_EQ(w[1].values, (std::vector<std::uint16_t>{0xFFFF, 0xF448}));
  EXPECT_EQ(w[2].address, 99);
  EXPECT_EQ(w[3].values, (std::vector<std::uint16_t>{0x0000, 0x1388}));
  EXPECT_EQ(w[4].address, 200);
  EXPECT_EQ(w[4].values, (std::vector<std::uint16_t>{0xFF00}));
  EXPECT_EQ(w[5].address, 300);  // the first heartbeat is due at once
  EXPECT_EQ(w[5].values, (std::vector<std::uint16_t>{0xA5}));
  EXPECT_EQ(w[6].address, 300);  // 10 s after the first
}

}  // namespace
}  // namespace kirchhoff::devices::maps
