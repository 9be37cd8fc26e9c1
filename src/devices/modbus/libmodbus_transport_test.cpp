// LibmodbusTransport against a real Modbus TCP server (tests/peers/
// modbus_peer) that misbehaves on request: each misbehaviour gives its own
// error, naming device, unit, register and reason, and the next call recovers.
// Register values are the peer's (see the comment at the top of modbus_peer.cpp).
#include "devices/modbus/libmodbus_transport.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/peers/peer_process.hpp"

namespace kirchhoff::devices::modbus {
namespace {

using tests::PeerProcess;
using Reason = TransportError::Reason;
using namespace std::chrono_literals;

LibmodbusTransport connect_to(int port, std::chrono::milliseconds timeout = 2000ms) {
  Endpoint endpoint;
  endpoint.tcp.host = "127.0.0.1";
  endpoint.tcp.port = static_cast<std::uint16_t>(port);
  return LibmodbusTransport({"inverter", endpoint, timeout});
}

// Reads the "SunS" marker of unit 1 (0x5375 0x6E53 at 40000).
common::Result<std::vector<std::uint16_t>> read_marker(LibmodbusTransport& transport) {
  return transport.read_registers(1, RegisterKind::kHolding, 40000, 2);
}

void expect_marker(LibmodbusTransport& transport) {
  auto marker = read_marker(transport);
  ASSERT_TRUE(marker.ok()) << marker.error().message;
  EXPECT_EQ(*marker, (std::vector<std::uint16_t>{0x5375, 0x6E53}));
  EXPECT_TRUE(transport.connected());
  EXPECT_FALSE(transport.last_error());
}

void expect_error(LibmodbusTransport& transport, Reason reason, const std::string& text) {
  auto marker = read_marker(transport);
  ASSERT_FALSE(marker.ok());
  ASSERT_TRUE(transport.last_error());
  EXPECT_EQ(transport.last_error()->reason, reason) << marker.error().message;
  const std::string prefix = "inverter (" + transport.options().endpoint.tcp.host + ":" +
                             std::to_string(transport.options().endpoint.tcp.port) +
                             ") unit 1 register 40000: ";
  EXPECT_EQ(marker.error().message, prefix + text);
  EXPECT_EQ(transport.last_error()->message, marker.error().message);
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

TEST(LibmodbusTransport, ReadsAndWritesAWellBehavedPeer) {
  PeerProcess peer(MODBUS_PEER, {});
  ASSERT_NE(peer.port(), 0);
  auto transport = connect_to(peer.port());
  EXPECT_FALSE(transport.connected());  // lazy
  expect_marker(transport);
  // 123 starts at 40150 (40002 + 68 + 52 + 28); its WMaxLimPct (+5) is writable.
  const std::uint16_t limit[] = {500};
  ASSERT_TRUE(transport.write_registers(1, 40155, limit).ok());
  auto back = transport.read_registers(1, RegisterKind::kHolding, 40155, 1);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->at(0), 500);
  const std::uint16_t restore[] = {1000};
  ASSERT_TRUE(transport.write_registers(1, 40155, restore).ok());
}

TEST(LibmodbusTransport, ExceptionKeepsTheConnection) {
  PeerProcess peer(MODBUS_PEER, {});
  ASSERT_NE(peer.port(), 0);
  auto transport = connect_to(peer.port());
  auto outside = transport.read_registers(1, RegisterKind::kHolding, 30000, 2);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().kind, common::ErrorKind::kNotFound);
  EXPECT_NE(
      outside.error().message.find("unit 1 register 30000: exception 2 (illegal data address)"),
      std::string::npos)
      << outside.error().message;
  EXPECT_EQ(transport.last_error()->exception_code, 2);
  EXPECT_TRUE(transport.connected());
  // A unit the peer does not serve: exception 11 from the "gateway".
  auto unknown = transport.read_registers(9, RegisterKind::kHolding, 40000, 2);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find(
                "unit 9 register 40000: exception 11 (gateway target device failed to respond)"),
            std::string::npos)
      << unknown.error().message;
  expect_marker(transport);
}

TEST(LibmodbusTransport, ExceptionOnEveryRead) {
  PeerProcess peer(MODBUS_PEER, {"--exception", "4", "--misbehave-first", "1"});
  ASSERT_NE(peer.port(), 0);
  auto transport = connect_to(peer.port());
  expect_error(transport, Reason::kException, "exception 4 (server device failure)");
  EXPECT_TRUE(transport.connected());
  expect_marker(transport);
}

TEST(LibmodbusTransport, BusyAndGatewayExceptionsAreNamed) {
  for (const auto& [code, name] :
       {std::pair{6, "server device busy"}, std::pair{10, "gateway path unavailable"},
        std::pair{1, "illegal function"}, std::pair{3, "illegal data value"}}) {
    PeerProcess peer(MODBUS_PEER, {"--exception", std::to_string(code)});
    ASSERT_NE(peer.port(), 0);
    auto transport = connect_to(peer.port());
    expect_error(transport, Reason::kException,
                 "exception " + std::to_string(code) + " (" + name + ")");
  }
}

TEST(LibmodbusTransport, LateAnswerIsATimeoutAndTheNextCallReconnects) {
  PeerProcess peer(MODBUS_PEER, {"--delay-ms", "600", "--misbehave-first", "1"});
  ASSERT_NE(peer.port(), 0);
  auto transport = connect_to(peer.port(), 100ms);
  expect_error(transport, Reason::kTimeout, "timeout after 100 ms");
  EXPECT_FALSE(transport.connected());
  // The late answer went to the closed connection, not to the next request.
  transport.set_response_timeout(5000ms);
  expect_marker(transport);
}

TEST(LibmodbusTransport, SilentPeerTimesOut) {
  PeerProcess peer(MODBUS_PEER, {"--silent", "--misbehave-first", "1"});
  ASSERT_NE(peer.port(), 0);
  auto transport = connect_to(peer.port(), 100ms);
  expect_error(transport, Reason::kTimeout, "timeout after 100 ms");
  EXPECT_FALSE(transport.connected());
  transport.set_response_timeout(5000ms);
  expect_marker(transport);
}

TEST(LibmodbusTransport, WrongTransactionIdIsABadReply) {
  PeerProcess peer(MODBUS_PEER, {"--wrong-tid", "--misbehave-first", "1"});
  ASSERT_NE(peer.port(), 0);
  auto transport = connect_to(peer.port());
  auto marker = read_marker(transport);
  ASSERT_FALSE(marker.ok());
  EXPECT_EQ(transport.last_error()->reason, Reason::kBadReply) << marker.error().message;
  EXPECT_NE(marker.error().message.find("unit 1 register 40000: invalid reply"), std::string::npos)
      << marker.error().message;
  EXPECT_FALSE(transport.connected());
  expect_marker(transport);
}

TEST(LibmodbusTransport, DroppedConnectionIsLostThenReconnected) {
  PeerProcess peer(MODBUS_PEER, {"--drop-every", "2"});
  ASSERT_NE(peer.port(), 0);
  auto transport = connect_to(peer.port());
  expect_marker(transport);
  expect_marker(transport);  // the peer closes after answering this one
  auto lost = read_marker(transport);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(transport.last_error()->reason, Reason::kConnectionLost) << lost.error().message;
  EXPECT_NE(lost.error().message.find("unit 1 register 40000: connection lost"), std::string::npos)
      << lost.error().message;
  EXPECT_FALSE(transport.connected());
  expect_marker(transport);
}

TEST(LibmodbusTransport, RefusedConnection) {
  auto transport = connect_to(free_port());
  const std::string port = std::to_string(transport.options().endpoint.tcp.port);
  for (int attempt = 0; attempt < 2; ++attempt) {  // never sleeps, never gives up
    auto marker = read_marker(transport);
    ASSERT_FALSE(marker.ok());
    EXPECT_EQ(marker.error().kind, common::ErrorKind::kIoError);
    EXPECT_EQ(marker.error().message,
              "inverter (127.0.0.1:" + port + ") unit 1 register 40000: connection refused");
    EXPECT_EQ(transport.last_error()->reason, Reason::kConnectionRefused);
    EXPECT_FALSE(transport.connected());
  }
}

TEST(LibmodbusTransport, RequestsOutOfRangeAreRefusedLocally) {
  auto transport = connect_to(free_port());
  EXPECT_EQ(transport.read_registers(1, RegisterKind::kHolding, 0, 126).error().kind,
            common::ErrorKind::kInvalidArgument);
  EXPECT_EQ(transport.read_registers(1, RegisterKind::kHolding, 65535, 2).error().kind,
            common::ErrorKind::kInvalidArgument);
  EXPECT_EQ(transport.write_registers(1, 0, {}).error().kind, common::ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace kirchhoff::devices::modbus
