// The meter server read back by two independent clients: Kirchhoff's own
// (LibmodbusTransport + SunSpec driver) and mbpoll (Debian's Modbus master,
// when installed). The reading below is chosen by hand; the expected values
// follow from the SunSpec scale factors worked out in the comments.
#include "devices/modbus/meter_server.hpp"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "devices/modbus/libmodbus_transport.hpp"
#include "devices/sunspec/device.hpp"

namespace kirchhoff::devices::modbus {
namespace {

using namespace std::chrono_literals;

Reading grid_reading() {
  Reading reading;
  reading.power_w = 2345.0;  // importing
  reading.phase_power_w = {1000.0, 800.0, 545.0};
  reading.phase_current_a = {4.35, 3.48, 2.37};
  reading.phase_voltage_v = {230.1, 229.5, 231.2};
  reading.frequency_hz = 49.98;
  reading.reactive_power_var = -321.0;
  reading.energy_import_wh = 1234567.0;
  reading.energy_export_wh = 89012.0;
  return reading;
}

LibmodbusTransport client(std::uint16_t port) {
  Endpoint endpoint;
  endpoint.tcp.host = "127.0.0.1";
  endpoint.tcp.port = port;
  return LibmodbusTransport({"meter server", endpoint, 5000ms});
}

float float_at(const std::vector<std::uint16_t>& regs, std::size_t at) {
  return std::bit_cast<float>((static_cast<std::uint32_t>(regs[at]) << 16) | regs[at + 1]);
}

TEST(MeterServer, OffUntilStarted) {
  MeterServer server;
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.port(), 0);
  server.update(grid_reading());  // harmless, and kept for start()
  ASSERT_TRUE(server.start({"127.0.0.1", 0, "KH-1"}).ok());
  EXPECT_TRUE(server.running());
  EXPECT_NE(server.port(), 0);
  EXPECT_FALSE(server.start({"127.0.0.1", 0, ""}).ok());  // already running
  auto transport = client(server.port());
  auto power = transport.read_registers(1, RegisterKind::kInput, 0x0034, 2);
  ASSERT_TRUE(power.ok()) << power.error().message;
  EXPECT_FLOAT_EQ(float_at(*power, 0), 2345.0F);
  server.stop();
  EXPECT_FALSE(server.running());
  server.stop();  // idempotent
}

TEST(MeterServer, SunSpecMeterReadBackByTheDriver) {
  MeterServer server;
  ASSERT_TRUE(server.start({"127.0.0.1", 0, "KH-1"}).ok());
  server.update(grid_reading());
  auto transport = client(server.port());
  auto device = sunspec::SunSpecDevice::open(transport, 1);
  ASSERT_TRUE(device.ok()) << device.error().message;
  EXPECT_EQ(device->role(), sunspec::Role::kMeter);
  EXPECT_EQ(device->manufacturer(), "Kirchhoff");
  EXPECT_EQ(device->serial_number(), "KH-1");
  auto reading = device->poll(1);
  ASSERT_TRUE(reading.ok()) << reading.error().message;
  // W_SF 0 (2345 fits an int16): 2345 W; A_SF -2: 4.35 A; V_SF -1: 230.1 V;
  // Hz_SF -2: 49.98 Hz; TotWh_SF 0: Wh as given.
  EXPECT_DOUBLE_EQ(*reading->power_w, 2345.0);
  EXPECT_DOUBLE_EQ(*reading->phase_power_w[2], 545.0);
  EXPECT_DOUBLE_EQ(*reading->phase_current_a[0], 4.35);
  EXPECT_DOUBLE_EQ(*reading->phase_voltage_v[2], 231.2);
  EXPECT_DOUBLE_EQ(*reading->frequency_hz, 49.98);
  EXPECT_DOUBLE_EQ(*reading->reactive_power_var, -321.0);
  EXPECT_DOUBLE_EQ(*reading->energy_import_wh, 1234567.0);
  EXPECT_DOUBLE_EQ(*reading->energy_export_wh, 89012.0);

  // 45 kW does not fit an int16 at W_SF 0: W_SF becomes 1 and W 4500.
  Reading big = grid_reading();
  big.power_w = 45000.0;
  big.phase_power_w = {15000.0, 15000.0, 15000.0};
  server.update(big);
  auto again = device->poll(2);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_DOUBLE_EQ(*again->power_w, 45000.0);
  EXPECT_DOUBLE_EQ(*again->phase_power_w[0], 15000.0);

  // Fields the reading lacks are "not implemented".
  server.update(Reading{});
  auto empty = device->poll(3);
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_FALSE(empty->power_w);
  EXPECT_FALSE(empty->energy_import_wh);
}

TEST(MeterServer, Sdm630InputRegisters) {
  MeterServer server;
  ASSERT_TRUE(server.start({"127.0.0.1", 0, ""}).ok());
  server.update(grid_reading());
  auto transport = client(server.port());
  auto regs = transport.read_registers(1, RegisterKind::kInput, 0, 0x004C);
  ASSERT_TRUE(regs.ok()) << regs.error().message;
  EXPECT_FLOAT_EQ(float_at(*regs, 0x0000), 230.1F);
  EXPECT_FLOAT_EQ(float_at(*regs, 0x0004), 231.2F);
  EXPECT_FLOAT_EQ(float_at(*regs, 0x0006), 4.35F);
  EXPECT_FLOAT_EQ(float_at(*regs, 0x000E), 800.0F);
  EXPECT_FLOAT_EQ(float_at(*regs, 0x0034), 2345.0F);
  EXPECT_FLOAT_EQ(float_at(*regs, 0x0046), 49.98F);
  EXPECT_FLOAT_EQ(float_at(*regs, 0x0048), 1234.567F);  // kWh
  EXPECT_FLOAT_EQ(float_at(*regs, 0x004A), 89.012F);
  // Past the map: exception 2.
  auto past = transport.read_registers(1, RegisterKind::kInput, 0x004C, 2);
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(transport.last_error()->exception_code, 2);
}

TEST(MeterServer, WritesAreRefused) {
  MeterServer server;
  ASSERT_TRUE(server.start({"127.0.0.1", 0, ""}).ok());
  auto transport = client(server.port());
  const std::uint16_t value[] = {1};
  auto status = transport.write_registers(1, 40000, value);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("exception 1 (illegal function)"), std::string::npos)
      << status.error().message;
  // The connection stays usable.
  EXPECT_TRUE(transport.read_registers(1, RegisterKind::kHolding, 40000, 2).ok());
}

TEST(MeterServer, BindFailureIsAnError) {
  MeterServer first;
  ASSERT_TRUE(first.start({"127.0.0.1", 0, ""}).ok());
  MeterServer second;
  auto status = second.start({"127.0.0.1", first.port(), ""});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("cannot listen"), std::string::npos);
  EXPECT_FALSE(second.running());
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return out;
  }
  std::array<char, 256> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) {
    out += buffer.data();
  }
  pclose(pipe);
  return out;
}

TEST(MeterServer, ReadByMbpoll) {
  if (std::system("command -v mbpoll >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "mbpoll is not installed (tools/install-deps.sh --test)";
  }
  MeterServer server;
  ASSERT_TRUE(server.start({"127.0.0.1", 0, ""}).ok());
  server.update(grid_reading());
  const std::string base = "mbpoll -m tcp -p " + std::to_string(server.port()) + " -a 1 -0 -1 ";
  // SDM630 voltages: float32, high word first (-B), input registers (-t 3:float).
  const std::string floats = run(base + "-t 3:float -B -r 0 -c 3 127.0.0.1");
  EXPECT_NE(floats.find("[0]: \t230.1"), std::string::npos) << floats;
  EXPECT_NE(floats.find("[4]: \t231.2"), std::string::npos) << floats;
  // The SunSpec marker "SunS" = 21365 28243 at 40000.
  const std::string marker = run(base + "-t 4 -r 40000 -c 2 127.0.0.1");
  EXPECT_NE(marker.find("[40000]: \t21365"), std::string::npos) << marker;
  EXPECT_NE(marker.find("[40001]: \t28243"), std::string::npos) << marker;
  // A write is refused.
  const std::string write = run(base + "-t 4 -r 40000 127.0.0.1 7");
  EXPECT_NE(write.find("Illegal function"), std::string::npos) << write;
}

}  // namespace
}  // namespace kirchhoff::devices::modbus
