// SunSpec over a real Modbus TCP connection: tests/peers/modbus_peer serves an
// inverter (unit 1), a battery (unit 2) and a meter (unit 3). The expected
// numbers are the raw values and scale factors written in the peer's header
// comment, scaled by hand here.
#include <gtest/gtest.h>

#include <memory>

#include "devices/modbus/libmodbus_transport.hpp"
#include "devices/sunspec/device.hpp"
#include "devices/sunspec/sunspec.hpp"
#include "devices/sunspec/sunspec_json.hpp"
#include "tests/peers/peer_process.hpp"

namespace kirchhoff::devices::sunspec {
namespace {

using namespace std::chrono_literals;

class SunSpecPeer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { peer_ = new tests::PeerProcess(MODBUS_PEER, {}); }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(peer_->port(), 0) << "modbus_peer did not start";
    modbus::Endpoint endpoint;
    endpoint.tcp.host = "127.0.0.1";
    endpoint.tcp.port = static_cast<std::uint16_t>(peer_->port());
    transport_ = std::make_unique<modbus::LibmodbusTransport>(
        modbus::LibmodbusTransport::Options{"peer", endpoint, 5000ms});
  }

  static tests::PeerProcess* peer_;
  std::unique_ptr<modbus::LibmodbusTransport> transport_;
};

tests::PeerProcess* SunSpecPeer::peer_ = nullptr;

TEST_F(SunSpecPeer, DiscoversTheInvertersModels) {
  auto discovery = discover(*transport_, 1);
  ASSERT_TRUE(discovery.ok()) << discovery.error().message;
  EXPECT_EQ(discovery->base, 40000);
  EXPECT_TRUE(discovery->end_marker);
  // 1 at 40002 (L 66), 103 at 40002 + 68 = 40070 (L 50), 120 at 40070 + 52 =
  // 40122 (L 26), 123 at 40122 + 28 = 40150 (L 24), 160 at 40150 + 26 = 40176 (L 48).
  const std::vector<std::tuple<int, int, int>> expected = {
      {1, 40002, 66}, {103, 40070, 50}, {120, 40122, 26}, {123, 40150, 24}, {160, 40176, 48}};
  ASSERT_EQ(discovery->models.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(discovery->models[i].id, std::get<0>(expected[i]));
    EXPECT_EQ(discovery->models[i].address, std::get<1>(expected[i]));
    EXPECT_EQ(discovery->models[i].length, std::get<2>(expected[i]));
  }
}

TEST_F(SunSpecPeer, DecodesTheInverter) {
  auto discovery = discover(*transport_, 1);
  ASSERT_TRUE(discovery.ok()) << discovery.error().message;
  auto inverter = read_model(*transport_, 1, *find_instance(discovery->models, 103));
  ASSERT_TRUE(inverter.ok()) << inverter.error().message;
  EXPECT_DOUBLE_EQ(*inverter->number("W"), 4200.0);      // 4200 x 10^0
  EXPECT_DOUBLE_EQ(*inverter->number("Hz"), 50.01);      // 5001 x 10^-2
  EXPECT_DOUBLE_EQ(*inverter->number("A"), 18.3);        // 183 x 10^-1
  EXPECT_DOUBLE_EQ(*inverter->number("PhVphB"), 229.9);  // 2299 x 10^-1
  EXPECT_DOUBLE_EQ(*inverter->number("WH"), 1000000.0);  // 100000 x 10^1
  EXPECT_FALSE(inverter->number("VA"));                  // 0x8000
  EXPECT_FALSE(inverter->number("PPVphAB"));             // 0xFFFF
  const auto json = to_json(*inverter);
  EXPECT_EQ(json["points"]["W"].dump(), "4200.0");
  EXPECT_TRUE(json["points"]["VA"].is_null());

  auto mppt = read_model(*transport_, 1, *find_instance(discovery->models, 160));
  ASSERT_TRUE(mppt.ok()) << mppt.error().message;
  ASSERT_EQ(mppt->blocks.size(), 2U);
  const auto mppt_json = to_json(*mppt);
  EXPECT_EQ(mppt_json["points"]["module"][1]["IDStr"], "PV2");
  EXPECT_DOUBLE_EQ(mppt_json["points"]["module"][1]["DCA"].get<double>(), 4.25);   // 425 x 10^-2
  EXPECT_DOUBLE_EQ(mppt_json["points"]["module"][0]["DCV"].get<double>(), 350.0);  // 3500 x 10^-1
}

TEST_F(SunSpecPeer, InverterLimitIsWrittenAndReadBack) {
  auto device = SunSpecDevice::open(*transport_, 1);
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(device->role(), Role::kInverter);
  EXPECT_EQ(device->manufacturer(), "Kirchhoff");
  EXPECT_EQ(device->serial_number(), "INV-0001");
  auto before = device->poll(1);
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_DOUBLE_EQ(*before->power_w, 4200.0);
  EXPECT_DOUBLE_EQ(*before->rated_power_w, 6000.0);
  EXPECT_DOUBLE_EQ(*before->limit_pct, 100.0);  // WMaxLim_Ena 0
  EXPECT_DOUBLE_EQ(*before->frequency_hz, 50.01);

  // 50 % of 6000 W = 3000 W, below the 4200 W available: W follows.
  ASSERT_TRUE(device->set_limit_pct(50.0, 60s).ok());
  auto limited = device->poll(2);
  ASSERT_TRUE(limited.ok()) << limited.error().message;
  EXPECT_DOUBLE_EQ(*limited->limit_pct, 50.0);
  EXPECT_DOUBLE_EQ(*limited->power_w, 3000.0);
  auto controls = read_model(*transport_, 1, *find_instance(device->discovery().models, 123));
  ASSERT_TRUE(controls.ok());
  EXPECT_DOUBLE_EQ(*controls->number("WMaxLimPct_RvrtTms"), 60.0);
  EXPECT_EQ(*controls->number("WMaxLim_Ena"), 1);

  ASSERT_TRUE(device->set_limit_pct(100.0, 0s).ok());
  auto released = device->poll(3);
  ASSERT_TRUE(released.ok());
  EXPECT_DOUBLE_EQ(*released->power_w, 4200.0);
  EXPECT_DOUBLE_EQ(*released->limit_pct, 100.0);
}

TEST_F(SunSpecPeer, Battery) {
  auto device = SunSpecDevice::open(*transport_, 2);
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(device->role(), Role::kStorage);
  auto reading = device->poll(1);
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->soc_pct, 65.5);         // 655 x 10^-1
  EXPECT_DOUBLE_EQ(*reading->power_w, -1200.0);      // charging
  EXPECT_DOUBLE_EQ(*reading->max_charge_w, 5000.0);  // 802 WChaRteMax
  EXPECT_DOUBLE_EQ(*reading->max_discharge_w, 4000.0);
  // Discharge 2500 W of WChaMax 5000 W = 50 %: OutWRte 5000, InWRte -5000 (SF -2).
  ASSERT_TRUE(device->set_battery_power_w(2500.0).ok());
  auto storage = read_model(*transport_, 2, *find_instance(device->discovery().models, 124));
  ASSERT_TRUE(storage.ok()) << storage.error().message;
  EXPECT_DOUBLE_EQ(*storage->number("OutWRte"), 50.0);
  EXPECT_DOUBLE_EQ(*storage->number("InWRte"), -50.0);
  EXPECT_EQ(*storage->number("StorCtl_Mod"), 3);
  ASSERT_TRUE(device->set_battery_power_w(std::nullopt).ok());
}

TEST_F(SunSpecPeer, Meter) {
  auto device = SunSpecDevice::open(*transport_, 3);
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(device->role(), Role::kMeter);
  auto reading = device->poll(1);
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  EXPECT_DOUBLE_EQ(*reading->power_w, 850.0);
  EXPECT_DOUBLE_EQ(*reading->phase_power_w[1], 250.0);
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[0], 1.3);    // 13 x 10^-1
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[2], 229.0);  // 2290 x 10^-1
  EXPECT_DOUBLE_EQ(*reading->frequency_hz, 50.0);
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 123456.0);
  EXPECT_DOUBLE_EQ(*reading->energy_export_wh, 65432.0);
}

TEST_F(SunSpecPeer, UnknownUnitHasNoMarker) {
  auto discovery = discover(*transport_, 9);
  ASSERT_FALSE(discovery.ok());
  EXPECT_EQ(discovery.error().kind, common::ErrorKind::kNotFound);
  EXPECT_NE(discovery.error().message.find("no \"SunS\" marker"), std::string::npos);
  EXPECT_NE(discovery.error().message.find("exception 11"), std::string::npos);
}

}  // namespace
}  // namespace kirchhoff::devices::sunspec
