// Fuzz target: arbitrary bytes as one connection to the HTTP server (request
// line, headers, chunked bodies, trailers, pipelined requests). The server must
// answer or close without crashing, leaking or throwing out of its loop.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http_fuzz_server.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)kirchhoff::fuzz::FuzzServer::instance().exchange(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
