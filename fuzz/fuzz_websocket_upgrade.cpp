// Fuzz target: the WebSocket upgrade. The input's first line is the request
// target (any bytes, not UTF-8 included), the lines after it up to an empty
// line are extra headers, and what follows is sent as WebSocket frames once
// upgraded. Neither the upgrade path nor the frames may crash the server.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http_fuzz_server.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t line_end = std::min(input.find('\n'), input.size());
  const std::string_view target = input.substr(0, line_end);
  std::string_view rest = input.substr(std::min(line_end + 1, input.size()));
  const std::size_t headers_end = std::min(rest.find("\n\n"), rest.size());
  const std::string_view extra = rest.substr(0, headers_end);
  const std::string_view frames = rest.substr(std::min(headers_end + 2, rest.size()));
  std::string request = "GET " + std::string(target) +
                        " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\n";
  std::size_t pos = 0;
  while (pos < extra.size()) {
    const std::size_t end = std::min(extra.find('\n', pos), extra.size());
    request += std::string(extra.substr(pos, end - pos)) + "\r\n";
    pos = end + 1;
  }
  request += "\r\n";
  request += frames;
  (void)kirchhoff::fuzz::FuzzServer::instance().exchange(request);
  return 0;
}
