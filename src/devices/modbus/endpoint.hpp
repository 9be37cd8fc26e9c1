// Where a Modbus device is: a TCP host and port, or a serial line (RTU) with
// its framing. Plain values the installation loader fills, or parsed from one
// line of text (`parse_endpoint`, docs/modbus.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace kirchhoff::devices::modbus {

struct TcpSettings {
  std::string host;  // name or address; IPv6 without brackets
  std::uint16_t port = 502;
};

struct RtuSettings {
  std::string device;  // e.g. /dev/ttyUSB0
  int baud = 9600;
  char parity = 'N';  // 'N', 'E' or 'O'
  int data_bits = 8;  // 5 to 8
  int stop_bits = 1;  // 1 or 2
};

struct Endpoint {
  enum class Kind { kTcp, kRtu };
  Kind kind = Kind::kTcp;
  TcpSettings tcp;
  RtuSettings rtu;
};

// "HOST:PORT", "[V6ADDR]:PORT", or "/dev/PATH[:BAUD[:FORMAT]]" with FORMAT
// data bits, parity and stop bits ("8N1", "8E1", "7O2"). Never throws; the
// error names the text and what is wrong with it.
common::Result<Endpoint> parse_endpoint(std::string_view text);

// The endpoint as parse_endpoint reads it back ("host:port", "/dev/x:9600:8N1").
std::string to_string(const Endpoint& endpoint);

// Checks ranges of a filled-in endpoint (port not 0, baud > 0, parity, bits).
common::Status validate(const Endpoint& endpoint);

}  // namespace kirchhoff::devices::modbus
