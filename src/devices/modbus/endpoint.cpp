#include "devices/modbus/endpoint.hpp"

#include <charconv>

namespace kirchhoff::devices::modbus {

namespace {

common::Error bad(std::string_view text, const std::string& why) {
  return common::make_error(common::ErrorKind::kInvalidArgument,
                            "Modbus endpoint '" + std::string(text) + "': " + why);
}

bool parse_int(std::string_view digits, long long min, long long max, long long& out) {
  if (digits.empty()) {
    return false;
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return ec == std::errc() && end == digits.data() + digits.size() && out >= min && out <= max;
}

}  // namespace

common::Status validate(const Endpoint& endpoint) {
  const std::string text = to_string(endpoint);
  if (endpoint.kind == Endpoint::Kind::kTcp) {
    if (endpoint.tcp.host.empty()) {
      return bad(text, "the host is empty");
    }
    if (endpoint.tcp.port == 0) {
      return bad(text, "the port must be 1 to 65535");
    }
    return common::Status::success();
  }
  const RtuSettings& rtu = endpoint.rtu;
  if (rtu.device.empty()) {
    return bad(text, "the serial device is empty");
  }
  if (rtu.baud <= 0) {
    return bad(text, "the baud rate must be positive");
  }
  if (rtu.parity != 'N' && rtu.parity != 'E' && rtu.parity != 'O') {
    return bad(text, "the parity must be N, E or O");
  }
  if (rtu.data_bits < 5 || rtu.data_bits > 8) {
    return bad(text, "the data bits must be 5 to 8");
  }
  if (rtu.stop_bits != 1 && rtu.stop_bits != 2) {
    return bad(text, "the stop bits must be 1 or 2");
  }
  return common::Status::success();
}

common::Result<Endpoint> parse_endpoint(std::string_view text) {
  Endpoint endpoint;
  if (text.empty()) {
    return bad(text, "empty; expected HOST:PORT or /dev/PATH[:BAUD[:8N1]]");
  }
  if (text.front() == '/') {
    endpoint.kind = Endpoint::Kind::kRtu;
    const std::size_t colon = text.find(':');
    endpoint.rtu.device = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      std::string_view rest = text.substr(colon + 1);
      const std::size_t second = rest.find(':');
      long long baud = 0;
      if (!parse_int(rest.substr(0, second), 1, 10'000'000, baud)) {
        return bad(text, "the baud rate must be a positive whole number");
      }
      endpoint.rtu.baud = static_cast<int>(baud);
      if (second != std::string_view::npos) {
        const std::string_view format = rest.substr(second + 1);
        if (format.size() != 3 || format[0] < '5' || format[0] > '8' ||
            (format[2] != '1' && format[2] != '2')) {
          return bad(text, "the format must be data bits, parity and stop bits, e.g. 8N1");
        }
        endpoint.rtu.data_bits = format[0] - '0';
        endpoint.rtu.parity = format[1];
        endpoint.rtu.stop_bits = format[2] - '0';
      }
    }
  } else {
    endpoint.kind = Endpoint::Kind::kTcp;
    std::string_view host;
    std::string_view port;
    if (text.front() == '[') {
      const std::size_t close = text.find(']');
      if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
        return bad(text, "expected [ADDRESS]:PORT");
      }
      host = text.substr(1, close - 1);
      port = text.substr(close + 2);
    } else {
      const std::size_t colon = text.rfind(':');
      if (colon == std::string_view::npos) {
        return bad(text, "expected HOST:PORT (or a serial device /dev/...)");
      }
      host = text.substr(0, colon);
      port = text.substr(colon + 1);
    }
    long long number = 0;
    if (!parse_int(port, 1, 65535, number)) {
      return bad(text, "the port must be a number from 1 to 65535");
    }
    endpoint.tcp.host = std::string(host);
    endpoint.tcp.port = static_cast<std::uint16_t>(number);
  }
  if (auto status = validate(endpoint); !status) {
    return status.error();
  }
  return endpoint;
}

std::string to_string(const Endpoint& endpoint) {
  if (endpoint.kind == Endpoint::Kind::kTcp) {
    const bool v6 = endpoint.tcp.host.find(':') != std::string::npos;
    return (v6 ? "[" + endpoint.tcp.host + "]" : endpoint.tcp.host) + ":" +
           std::to_string(endpoint.tcp.port);
  }
  const RtuSettings& rtu = endpoint.rtu;
  return rtu.device + ":" + std::to_string(rtu.baud) + ":" + std::to_string(rtu.data_bits) +
         rtu.parity + std::to_string(rtu.stop_bits);
}

}  // namespace kirchhoff::devices::modbus
