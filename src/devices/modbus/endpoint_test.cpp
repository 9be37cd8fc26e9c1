#include "devices/modbus/endpoint.hpp"

#include <gtest/gtest.h>

namespace kirchhoff::devices::modbus {
namespace {

TEST(Endpoint, TcpHostAndPort) {
  auto endpoint = parse_endpoint("192.168.1.20:1502");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  EXPECT_EQ(endpoint->kind, Endpoint::Kind::kTcp);
  EXPECT_EQ(endpoint->tcp.host, "192.168.1.20");
  EXPECT_EQ(endpoint->tcp.port, 1502);
  EXPECT_EQ(to_string(*endpoint), "192.168.1.20:1502");
}

TEST(Endpoint, TcpIpv6InBrackets) {
  auto endpoint = parse_endpoint("[::1]:502");
  ASSERT_TRUE(endpoint.ok()) << endpoint.error().message;
  EXPECT_EQ(endpoint->tcp.host, "::1");
  EXPECT_EQ(endpoint->tcp.port, 502);
  EXPECT_EQ(to_string(*endpoint), "[::1]:502");
}

TEST(Endpoint, RtuDefaultsAndFormat) {
  auto plain = parse_endpoint("/dev/ttyUSB0");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->kind, Endpoint::Kind::kRtu);
  EXPECT_EQ(plain->rtu.device, "/dev/ttyUSB0");
  EXPECT_EQ(plain->rtu.baud, 9600);
  EXPECT_EQ(plain->rtu.parity, 'N');
  EXPECT_EQ(plain->rtu.data_bits, 8);
  EXPECT_EQ(plain->rtu.stop_bits, 1);

  auto full = parse_endpoint("/dev/ttyAMA0:19200:7E2");
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_EQ(full->rtu.baud, 19200);
  EXPECT_EQ(full->rtu.parity, 'E');
  EXPECT_EQ(full->rtu.data_bits, 7);
  EXPECT_EQ(full->rtu.stop_bits, 2);
  EXPECT_EQ(to_string(*full), "/dev/ttyAMA0:19200:7E2");
}

TEST(Endpoint, BadTextNamesTheProblem) {
  for (const char* text :
       {"", "host", "host:0", "host:70000", "host:x", ":502", "/dev/ttyUSB0:fast",
        "/dev/ttyUSB0:9600:8X1", "/dev/ttyUSB0:9600:9N1", "[::1]502"}) {
    auto endpoint = parse_endpoint(text);
    ASSERT_FALSE(endpoint.ok()) << text;
    EXPECT_NE(endpoint.error().message.find("Modbus endpoint '" + std::string(text) + "'"),
              std::string::npos)
        << endpoint.error().message;
  }
}

}  // namespace
}  // namespace kirchhoff::devices::modbus
