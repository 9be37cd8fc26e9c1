// SunSpec discovery, decoding and writes against the scripted FakeTransport.
// Every register value below is chosen by hand; the expected numbers are
// worked out in the comments beside them (raw x 10^SF).
#include "devices/sunspec/sunspec.hpp"

#include <gtest/gtest.h>

#include "devices/modbus/fake_transport.hpp"
#include "devices/sunspec/device.hpp"
#include "devices/sunspec/sunspec_json.hpp"

namespace kirchhoff::devices::sunspec {
namespace {

using modbus::FakeTransport;

constexpr int kUnit = 1;
constexpr std::uint16_t kNi16 = 0xFFFF;   // uint16 "not implemented"
constexpr std::uint16_t kNiS16 = 0x8000;  // int16 / sunssf "not implemented"

std::uint16_t neg(int value) {
  return static_cast<std::uint16_t>(static_cast<std::int16_t>(value));
}

std::vector<std::uint16_t> text(const std::string& value, std::size_t registers) {
  std::vector<std::uint16_t> out(registers, 0);
  for (std::size_t i = 0; i < value.size() && i / 2 < registers; ++i) {
    const auto byte = static_cast<std::uint16_t>(static_cast<unsigned char>(value[i]));
    out[i / 2] = static_cast<std::uint16_t>(out[i / 2] | (i % 2 == 0 ? byte << 8 : byte));
  }
  return out;
}

// Model 1 (L 66): Mn "Kirchhoff", Md "Test", SN all zero (not implemented).
std::vector<std::uint16_t> model_1() {
  std::vector<std::uint16_t> m = {1, 66};
  for (auto part :
       {text("Kirchhoff", 16), text("Test", 16), text("", 8), text("1.0", 8), text("", 16)}) {
    m.insert(m.end(), part.begin(), part.end());
  }
  m.push_back(7);  // DA
  m.push_back(0);  // Pad
  return m;
}

// Model 103 (L 50), offsets from the ID register as in model_103.json.
std::vector<std::uint16_t> model_103() {
  std::vector<std::uint16_t> m(52, 0);
  m[0] = 103;
  m[1] = 50;
  m[2] = 183;      // A = 183 x 10^-1 = 18.3 A
  m[3] = 61;       // AphA = 6.1 A
  m[4] = 61;       // AphB
  m[5] = 61;       // AphC
  m[6] = neg(-1);  // A_SF
  m[7] = kNi16;    // PPVphAB not implemented -> null
  m[8] = kNi16;
  m[9] = kNi16;
  m[10] = 2301;       // PhVphA = 2301 x 10^-1 = 230.1 V
  m[11] = 2299;       // PhVphB = 229.9 V
  m[12] = 2310;       // PhVphC = 231.0 V
  m[13] = neg(-1);    // V_SF
  m[14] = 4200;       // W = 4200 x 10^0 = 4200 W
  m[15] = 0;          // W_SF
  m[16] = 5001;       // Hz = 5001 x 10^-2 = 50.01 Hz
  m[17] = neg(-2);    // Hz_SF
  m[18] = kNiS16;     // VA not implemented (int16 0x8000) -> null
  m[19] = kNiS16;     // VA_SF
  m[20] = neg(-150);  // VAr = -150 var
  m[21] = 0;          // VAr_SF
  m[22] = kNiS16;     // PF
  m[23] = kNiS16;     // PF_SF
  m[24] = 0x0001;     // WH = 0x000186A0 = 100000 x 10^1 = 1 000 000 Wh
  m[25] = 0x86A0;
  m[26] = 1;         // WH_SF
  m[31] = 4350;      // DCW, but DCW_SF is not implemented -> null
  m[32] = kNiS16;    // DCW_SF
  m[33] = neg(-50);  // TmpCab = -50 x 10^-1 = -5.0 C
  m[37] = neg(-1);   // Tmp_SF
  m[38] = 4;         // St = 4 (MPPT)
  m[40] = 0xFFFF;    // Evt1 = 0xFFFFFFFF: bitfield32 not implemented -> null
  m[41] = 0xFFFF;
  return m;
}

// Model 160 with two module blocks of 20 registers (L = 8 + 2 x 20 = 48).
std::vector<std::uint16_t> model_160() {
  std::vector<std::uint16_t> m = {160, 48, neg(-2), neg(-1), 0, 0, 0, 0, 2, 0};
  // DCA_SF -2, DCV_SF -1, DCW_SF 0, DCWH_SF 0, Evt 0, N 2, TmsPer 0.
  for (int module = 1; module <= 2; ++module) {
    std::vector<std::uint16_t> block(20, 0);
    block[0] = static_cast<std::uint16_t>(module);  // ID
    const auto name = text("PV" + std::to_string(module), 8);
    std::copy(name.begin(), name.end(), block.begin() + 1);
    block[9] = module == 1 ? 850 : 425;     // DCA: 8.50 A, 4.25 A
    block[10] = module == 1 ? 3500 : 2880;  // DCV: 350.0 V, 288.0 V
    block[11] = module == 1 ? 2975 : 1224;  // DCW: 2975 W, 1224 W
    // DCWH (12, 13) = 0: acc32 not implemented -> null
    m.insert(m.end(), block.begin(), block.end());
  }
  return m;
}

// Model 123 (L 24): WMaxLimPct = 800 x 10^-1 = 80.0 %, enabled.
std::vector<std::uint16_t> model_123() {
  std::vector<std::uint16_t> m(26, 0);
  m[0] = 123;
  m[1] = 24;
  m[5] = 800;       // WMaxLimPct
  m[9] = 1;         // WMaxLim_Ena
  m[23] = neg(-1);  // WMaxLimPct_SF
  m[24] = neg(-3);  // OutPFSet_SF
  m[25] = kNiS16;   // VArPct_SF
  return m;
}

// Serves `models` as a chain from `base` ("SunS" first), with or without the end marker.
void serve(FakeTransport& fake, std::uint16_t base,
           const std::vector<std::vector<std::uint16_t>>& models, bool end_marker = true) {
  std::vector<std::uint16_t> image = {kMarkerHigh, kMarkerLow};
  for (const auto& model : models) {
    image.insert(image.end(), model.begin(), model.end());
  }
  if (end_marker) {
    image.push_back(kEndId);
    image.push_back(0);
  }
  fake.set(kUnit, base, image);
}

TEST(SunSpecDiscover, WalksTheChainAt40000) {
  FakeTransport fake;
  serve(fake, 40000, {model_1(), model_103(), model_160(), {64110, 4, 1, 2, 3, 4}});
  auto discovery = discover(fake, kUnit);
  ASSERT_TRUE(discovery.ok()) << discovery.error().message;
  EXPECT_EQ(discovery->base, 40000);
  EXPECT_TRUE(discovery->end_marker);
  ASSERT_EQ(discovery->models.size(), 4U);
  // 40002 = base + 2; 40070 = 40002 + 2 + 66; 40122 = 40070 + 2 + 50; 40172 = 40122 + 2 + 48.
  EXPECT_EQ(discovery->models[0].id, 1);
  EXPECT_EQ(discovery->models[0].address, 40002);
  EXPECT_EQ(discovery->models[0].length, 66);
  EXPECT_EQ(discovery->models[1].id, 103);
  EXPECT_EQ(discovery->models[1].address, 40070);
  EXPECT_EQ(discovery->models[2].address, 40122);
  EXPECT_EQ(discovery->models[3].id, 64110);
  EXPECT_EQ(discovery->models[3].address, 40172);
  EXPECT_EQ(discovery->models[3].definition, nullptr);
}

TEST(SunSpecDiscover, FallsBackTo50000AndZero) {
  FakeTransport at_50000;
  serve(at_50000, 50000, {model_103()});
  auto first = discover(at_50000, kUnit);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->base, 50000);
  EXPECT_EQ(first->models.at(0).address, 50002);

  FakeTransport at_zero;
  serve(at_zero, 0, {model_103()});
  auto second = discover(at_zero, kUnit);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->base, 0);
  EXPECT_EQ(second->models.at(0).address, 2);
}

TEST(SunSpecDiscover, NoMarkerIsNotFound) {
  FakeTransport fake;
  fake.set(kUnit, 40000, {0x1234, 0x5678});
  auto discovery = discover(fake, kUnit);
  ASSERT_FALSE(discovery.ok());
  EXPECT_EQ(discovery.error().kind, common::ErrorKind::kNotFound);
  EXPECT_NE(discovery.error().message.find("no \"SunS\" marker"), std::string::npos);
}

TEST(SunSpecDiscover, LinkErrorIsReturnedAsIs) {
  FakeTransport fake;
  fake.fail_with(common::make_error(common::ErrorKind::kIoError, "meter: timeout"));
  auto discovery = discover(fake, kUnit);
  ASSERT_FALSE(discovery.ok());
  EXPECT_EQ(discovery.error().message, "meter: timeout");
  EXPECT_EQ(fake.reads(), 1);  // no further bases tried after a link error
}

TEST(SunSpecDiscover, MissingEndMarkerKeepsTheModels) {
  FakeTransport fake;
  serve(fake, 40000, {model_1(), model_103()}, /*end_marker=*/false);
  auto discovery = discover(fake, kUnit);
  ASSERT_TRUE(discovery.ok()) << discovery.error().message;
  EXPECT_FALSE(discovery->end_marker);
  ASSERT_EQ(discovery->models.size(), 2U);
  EXPECT_EQ(discovery->models[1].id, 103);
}

TEST(SunSpecDiscover, LengthPastTheEndOfTheMap) {
  // Model 103 says L = 50 but the device holds only 30 registers of it.
  FakeTransport fake;
  auto truncated = model_103();
  truncated.resize(32);
  serve(fake, 40000, {truncated}, /*end_marker=*/false);
  auto discovery = discover(fake, kUnit);
  ASSERT_TRUE(discovery.ok()) << discovery.error().message;
  EXPECT_FALSE(discovery->end_marker);
  ASSERT_EQ(discovery->models.size(), 1U);
  auto model = read_model(fake, kUnit, discovery->models[0]);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.error().message.find("model 103 at 40002"), std::string::npos)
      << model.error().message;
}

TEST(SunSpecDiscover, LengthPastRegister65535EndsTheChain) {
  FakeTransport fake;
  fake.set(kUnit, 0, {kMarkerHigh, kMarkerLow, 103, 65534});
  auto discovery = discover(fake, kUnit);
  ASSERT_TRUE(discovery.ok()) << discovery.error().message;
  EXPECT_TRUE(discovery->models.empty());
  EXPECT_FALSE(discovery->end_marker);
}

TEST(SunSpecDecode, ScaleFactorsAndNotImplemented) {
  FakeTransport fake;
  serve(fake, 40000, {model_1(), model_103()});
  auto discovery = discover(fake, kUnit);
  ASSERT_TRUE(discovery.ok());
  auto inverter = read_model(fake, kUnit, discovery->models[1]);
  ASSERT_TRUE(inverter.ok()) << inverter.error().message;
  EXPECT_DOUBLE_EQ(*inverter->number("A"), 18.3);
  EXPECT_DOUBLE_EQ(*inverter->number("AphA"), 6.1);
  EXPECT_DOUBLE_EQ(*inverter->number("PhVphA"), 230.1);
  EXPECT_DOUBLE_EQ(*inverter->number("PhVphC"), 231.0);
  EXPECT_DOUBLE_EQ(*inverter->number("W"), 4200.0);
  EXPECT_DOUBLE_EQ(*inverter->number("Hz"), 50.01);
  EXPECT_DOUBLE_EQ(*inverter->number("VAr"), -150.0);
  EXPECT_DOUBLE_EQ(*inverter->number("WH"), 1000000.0);
  EXPECT_DOUBLE_EQ(*inverter->number("TmpCab"), -5.0);
  EXPECT_EQ(*inverter->number("St"), 4);
  EXPECT_EQ(*inverter->number("A_SF"), -1);
  // Not implemented: uint16 0xFFFF, int16 0x8000, bitfield32 0xFFFFFFFF, and
  // a value whose scale factor is 0x8000.
  ASSERT_NE(inverter->find("PPVphAB"), nullptr);
  EXPECT_FALSE(inverter->number("PPVphAB"));
  EXPECT_FALSE(inverter->number("VA"));
  EXPECT_FALSE(inverter->number("VA_SF"));
  EXPECT_FALSE(inverter->number("Evt1"));
  EXPECT_FALSE(inverter->number("DCW"));

  auto common_model = read_model(fake, kUnit, discovery->models[0]);
  ASSERT_TRUE(common_model.ok());
  EXPECT_EQ(*common_model->find("Mn")->text, "Kirchhoff");
  EXPECT_EQ(*common_model->find("Vr")->text, "1.0");
  EXPECT_FALSE(common_model->find("SN")->text);   // all zero
  EXPECT_EQ(common_model->find("Pad"), nullptr);  // pads are left out
}

TEST(SunSpecDecode, RepeatingBlocks) {
  FakeTransport fake;
  serve(fake, 40000, {model_160()});
  auto discovery = discover(fake, kUnit);
  ASSERT_TRUE(discovery.ok());
  auto mppt = read_model(fake, kUnit, discovery->models.at(0));
  ASSERT_TRUE(mppt.ok()) << mppt.error().message;
  EXPECT_EQ(*mppt->number("N"), 2);
  ASSERT_EQ(mppt->blocks.size(), 2U);
  auto value = [&](std::size_t block, std::string_view name) -> std::optional<double> {
    for (const Point& point : mppt->blocks[block]) {
      if (point.definition->name == name) {
        return point.number;
      }
    }
    return std::nullopt;
  };
  EXPECT_DOUBLE_EQ(*value(0, "DCA"), 8.5);    // 850 x 10^-2
  EXPECT_DOUBLE_EQ(*value(0, "DCV"), 350.0);  // 3500 x 10^-1
  EXPECT_DOUBLE_EQ(*value(0, "DCW"), 2975.0);
  EXPECT_DOUBLE_EQ(*value(1, "DCA"), 4.25);
  EXPECT_DOUBLE_EQ(*value(1, "DCV"), 288.0);
  EXPECT_DOUBLE_EQ(*value(1, "DCW"), 1224.0);
  EXPECT_FALSE(value(0, "DCWH"));
  EXPECT_EQ(*mppt->blocks[1][1].text, "PV2");
}

TEST(SunSpecDecode, LongModelsAreReadIn125RegisterBlocks) {
  // Model 160 with 10 modules: 2 + 8 + 200 = 210 registers = reads of 125 + 85.
  std::vector<std::uint16_t> m = {160, 208, 0, 0, 0, 0, 0, 0, 10, 0};
  m.resize(210, 1);
  FakeTransport fake;
  serve(fake, 40000, {m});
  auto discovery = discover(fake, kUnit);
  ASSERT_TRUE(discovery.ok());
  const int before = fake.reads();
  auto mppt = read_model(fake, kUnit, discovery->models.at(0));
  ASSERT_TRUE(mppt.ok()) << mppt.error().message;
  EXPECT_EQ(fake.reads() - before, 2);
  EXPECT_EQ(mppt->blocks.size(), 10U);
}

TEST(SunSpecDecode, ShortAndUnknownModelsNeverCrash) {
  const ModelInstance unknown{64999, 40002, 3, nullptr};
  EXPECT_TRUE(decode_model(unknown, std::vector<std::uint16_t>{64999, 3, 1, 2, 3}).points.empty());
  // Model 103 announced with L 50 but only 16 registers given: W (offset 14)
  // and W_SF (15) fit, Hz (16) does not.
  const ModelInstance inverter{103, 40002, 50, find_model(103)};
  auto registers = model_103();
  registers.resize(16);
  const DecodedModel decoded = decode_model(inverter, registers);
  EXPECT_DOUBLE_EQ(*decoded.number("W"), 4200.0);
  EXPECT_EQ(decoded.find("Hz"), nullptr);
  EXPECT_TRUE(decode_model(inverter, {}).points.empty());
}

TEST(SunSpecWrite, AppliesTheScaleFactor) {
  FakeTransport fake;
  serve(fake, 40000, {model_103(), model_123()});
  auto discovery = discover(fake, kUnit);
  ASSERT_TRUE(discovery.ok());
  const ModelInstance& controls = discovery->models.at(1);  // at 40002 + 52 = 40054
  ASSERT_EQ(controls.address, 40054);
  // 55.5 % / 10^-1 = 555 into WMaxLimPct at offset 5: register 40059.
  ASSERT_TRUE(write_point(fake, kUnit, controls, "WMaxLimPct", 55.5).ok());
  ASSERT_EQ(fake.writes().size(), 1U);
  EXPECT_EQ(fake.writes()[0].address, 40059);
  EXPECT_EQ(fake.writes()[0].values, std::vector<std::uint16_t>{555});
  auto read_back = read_model(fake, kUnit, controls);
  ASSERT_TRUE(read_back.ok());
  EXPECT_DOUBLE_EQ(*read_back->number("WMaxLimPct"), 55.5);

  auto read_only = write_point(fake, kUnit, controls, "WMaxLimPct_SF", 1);
  ASSERT_FALSE(read_only.ok());
  EXPECT_NE(read_only.error().message.find("read-only"), std::string::npos);
  // Its scale factor (VArPct_SF) is not implemented: no write.
  EXPECT_FALSE(write_point(fake, kUnit, controls, "VArWMaxPct", 10).ok());
  EXPECT_FALSE(write_point(fake, kUnit, controls, "NoSuchPoint", 1).ok());
  EXPECT_FALSE(write_point(fake, kUnit, controls, "WMaxLimPct", 7000.0).ok());  // 70000 > 65534
  EXPECT_EQ(fake.writes().size(), 1U);
}

TEST(SunSpecJson, PointsAreScaledAndNotImplementedIsNull) {
  FakeTransport fake;
  serve(fake, 40000, {model_1(), model_103(), model_160()});
  auto discovery = discover(fake, kUnit);
  ASSERT_TRUE(discovery.ok());
  auto inverter = read_model(fake, kUnit, discovery->models[1]);
  ASSERT_TRUE(inverter.ok());
  const auto json = to_json(*inverter);
  EXPECT_EQ(json["id"], 103);
  EXPECT_EQ(json["address"], 40070);
  EXPECT_EQ(json["length"], 50);
  EXPECT_EQ(json["points"]["W"].dump(), "4200.0");
  EXPECT_EQ(json["points"]["Hz"].dump(), "50.01");
  EXPECT_TRUE(json["points"]["VA"].is_null());
  EXPECT_EQ(json["points"]["St"].dump(), "4");
  auto mppt = read_model(fake, kUnit, discovery->models[2]);
  ASSERT_TRUE(mppt.ok());
  const auto mppt_json = to_json(*mppt);
  EXPECT_EQ(mppt_json["points"]["module"].size(), 2U);
  EXPECT_EQ(mppt_json["points"]["module"][0]["IDStr"], "PV1");
}

TEST(SunSpecDevice, InverterReadingAndLimit) {
  FakeTransport fake;
  serve(fake, 40000, {model_1(), model_103(), model_123()});
  auto device = SunSpecDevice::open(fake, kUnit);
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(device->role(), Role::kInverter);
  EXPECT_EQ(device->manufacturer(), "Kirchhoff");
  EXPECT_EQ(device->model_name(), "Test");
  auto reading = device->poll(1000);
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_EQ(reading->unix_ms, 1000);
  EXPECT_DOUBLE_EQ(*reading->power_w, 4200.0);
  EXPECT_DOUBLE_EQ(*reading->frequency_hz, 50.01);
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[1], 229.9);
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 1000000.0);
  EXPECT_DOUBLE_EQ(*reading->limit_pct, 80.0);  // 800 x 10^-1, enabled
  EXPECT_FALSE(reading->rated_power_w);         // no model 120 or 121

  ASSERT_TRUE(device->set_limit_pct(42.0, std::chrono::seconds(60)).ok());
  // 123 at 40002 + 68 + 52 = 40122: WMaxLimPct (+5) = 420, RvrtTms (+7) = 60, Ena (+9) = 1.
  ASSERT_EQ(fake.writes().size(), 3U);
  EXPECT_EQ(fake.writes()[0].address, 40127);
  EXPECT_EQ(fake.writes()[0].values, std::vector<std::uint16_t>{420});
  EXPECT_EQ(fake.writes()[1].address, 40129);
  EXPECT_EQ(fake.writes()[1].values, std::vector<std::uint16_t>{60});
  EXPECT_EQ(fake.writes()[2].address, 40131);
  EXPECT_EQ(fake.writes()[2].values, std::vector<std::uint16_t>{1});
  EXPECT_DOUBLE_EQ(*device->poll(2000)->limit_pct, 42.0);
  ASSERT_TRUE(device->set_limit_pct(100.0, std::chrono::seconds(0)).ok());
  EXPECT_DOUBLE_EQ(*device->poll(3000)->limit_pct, 100.0);  // disabled
}

TEST(SunSpecDevice, MeterSignsAndEnergy) {
  std::vector<std::uint16_t> m(107, 0);
  m[0] = 203;
  m[1] = 105;
  m[18] = neg(-1500);  // W = -1500 x 10^0: exporting 1.5 kW
  m[19] = neg(-500);   // WphA
  m[20] = neg(-500);
  m[21] = neg(-500);
  m[22] = 0;     // W_SF
  m[16] = 4998;  // Hz = 49.98
  m[17] = neg(-2);
  m[38] = 0;  // TotWhExp = 0x00000BB8 = 3000 x 10^1 = 30000 Wh
  m[39] = 3000;
  m[46] = 0;  // TotWhImp = 12345 x 10^1 = 123450 Wh
  m[47] = 12345;
  m[54] = 1;  // TotWh_SF
  FakeTransport fake;
  serve(fake, 40000, {m});
  auto device = SunSpecDevice::open(fake, kUnit);
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(device->role(), Role::kMeter);
  auto reading = device->poll(0);
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->power_w, -1500.0);
  EXPECT_DOUBLE_EQ(*reading->phase_power_w[2], -500.0);
  EXPECT_DOUBLE_EQ(*reading->frequency_hz, 49.98);
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 123450.0);
  EXPECT_DOUBLE_EQ(*reading->energy_export_wh, 30000.0);
}

TEST(SunSpecDevice, StorageSetpoint) {
  // Model 124 (L 24): WChaMax = 5000 W (SF 0), ChaState = 655 x 10^-1 = 65.5 %.
  std::vector<std::uint16_t> m(26, 0);
  m[0] = 124;
  m[1] = 24;
  m[2] = 5000;      // WChaMax
  m[8] = 655;       // ChaState
  m[22] = neg(-1);  // ChaState_SF
  m[25] = neg(-2);  // InOutWRte_SF
  FakeTransport fake;
  serve(fake, 40000, {m});
  auto device = SunSpecDevice::open(fake, kUnit);
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(device->role(), Role::kStorage);
  auto reading = device->poll(0);
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->soc_pct, 65.5);
  EXPECT_DOUBLE_EQ(*reading->max_charge_w, 5000.0);
  // Charge at 2000 W: -2000 / 5000 = -40 % -> OutWRte = -4000, InWRte = 4000
  // (x 10^2 for SF -2), StorCtl_Mod = 3. 124 starts at 40002.
  ASSERT_TRUE(device->set_battery_power_w(-2000.0).ok());
  ASSERT_EQ(fake.writes().size(), 3U);
  EXPECT_EQ(fake.writes()[0].address, 40002 + 12);
  EXPECT_EQ(fake.writes()[0].values, std::vector<std::uint16_t>{neg(-4000)});
  EXPECT_EQ(fake.writes()[1].address, 40002 + 13);
  EXPECT_EQ(fake.writes()[1].values, std::vector<std::uint16_t>{4000});
  EXPECT_EQ(fake.writes()[2].address, 40002 + 5);
  EXPECT_EQ(fake.writes()[2].values, std::vector<std::uint16_t>{3});
  ASSERT_TRUE(device->set_battery_power_w(std::nullopt).ok());
  EXPECT_EQ(fake.writes().back().values, std::vector<std::uint16_t>{0});
  ASSERT_TRUE(device->set_grid_charging(true).ok());
  EXPECT_EQ(fake.writes().back().address, 40002 + 17);
  EXPECT_EQ(fake.writes().back().values, std::vector<std::uint16_t>{1});
}

TEST(SunSpecDevice, FloatInverterWith704Limit) {
  // Model 113 (L 60): float32 values, high word first. W = 0x45834000 =
  // 4200.0f (sign 0, exponent 139 - 127 = 12, 1.025390625 x 4096 = 4200);
  // Hz = 0x42480000 = 50.0f; VA = 0x7FC00000 = NaN: not implemented.
  std::vector<std::uint16_t> inverter(62, 0);
  inverter[0] = 113;
  inverter[1] = 60;
  inverter[22] = 0x4583;  // W
  inverter[23] = 0x4000;
  inverter[24] = 0x4248;  // Hz
  inverter[25] = 0x0000;
  inverter[26] = 0x7FC0;  // VA
  inverter[27] = 0x0000;
  // Model 704 (L 65: 57 registers of points after ID and L, four PF groups of 2):
  // WMaxLimPctEna (+14) 1, WMaxLimPct (+15) 75 with WMaxLimPct_SF (+54) 0.
  std::vector<std::uint16_t> controls(67, 0);
  controls[0] = 704;
  controls[1] = 65;
  controls[14] = 1;
  controls[15] = 75;
  FakeTransport fake;
  serve(fake, 40000, {inverter, controls});
  auto device = SunSpecDevice::open(fake, kUnit);
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_TRUE(device->can_limit());
  EXPECT_FALSE(device->can_set_battery_power());
  auto reading = device->poll(0);
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->power_w, 4200.0);
  EXPECT_DOUBLE_EQ(*reading->frequency_hz, 50.0);
  EXPECT_DOUBLE_EQ(*reading->limit_pct, 75.0);
  // 704 at 40002 + 62 = 40064: WMaxLimPct (+15) 40, WMaxLimPctRvrtTms (+18,
  // uint32) 0x0000 0x012C = 300 s, WMaxLimPctEna (+14) 1.
  ASSERT_TRUE(device->set_limit_pct(40.0, std::chrono::seconds(300)).ok());
  ASSERT_EQ(fake.writes().size(), 3U);
  EXPECT_EQ(fake.writes()[0].address, 40064 + 15);
  EXPECT_EQ(fake.writes()[0].values, std::vector<std::uint16_t>{40});
  EXPECT_EQ(fake.writes()[1].address, 40064 + 18);
  EXPECT_EQ(fake.writes()[1].values, (std::vector<std::uint16_t>{0, 300}));
  EXPECT_EQ(fake.writes()[2].address, 40064 + 14);
  EXPECT_EQ(fake.writes()[2].values, std::vector<std::uint16_t>{1});
  EXPECT_DOUBLE_EQ(*device->poll(1)->limit_pct, 40.0);
  EXPECT_FALSE(device->set_battery_power_w(100.0).ok());  // no model 124
}

TEST(SunSpecModels, TablesAreConsistent) {
  // Every fixed point follows the previous one without gaps or overlaps, and
  // every scale factor named exists in the model as a sunssf.
  for (const ModelDef& model : all_models()) {
    std::uint16_t next = 0;
    for (const PointDef& point : model.points) {
      EXPECT_EQ(point.offset, next) << model.id << " " << point.name;
      next = static_cast<std::uint16_t>(point.offset + point.size);
      if (!point.sf.empty()) {
        const PointDef* sf = find_point(model, point.sf);
        ASSERT_NE(sf, nullptr) << model.id << " " << point.name << " " << point.sf;
        EXPECT_EQ(sf->type, PointType::kSunssf);
      }
    }
    EXPECT_EQ(next, model.fixed_length) << model.id;
    std::uint16_t block_next = 0;
    for (const PointDef& point : model.block) {
      EXPECT_EQ(point.offset, block_next) << model.id << " " << point.name;
      block_next = static_cast<std::uint16_t>(point.offset + point.size);
      if (!point.sf.empty()) {
        EXPECT_NE(find_point(model, point.sf), nullptr) << model.id << " " << point.sf;
      }
    }
    EXPECT_EQ(block_next, model.block_length) << model.id;
  }
  // Lengths (L + 2) from the SunSpec definitions.
  EXPECT_EQ(find_model(1)->fixed_length, 68);
  EXPECT_EQ(find_model(103)->fixed_length, 52);
  EXPECT_EQ(find_model(203)->fixed_length, 107);
  EXPECT_EQ(find_model(160)->block_length, 20);
  EXPECT_EQ(find_model(999), nullptr);
}

}  // namespace
}  // namespace kirchhoff::devices::sunspec
