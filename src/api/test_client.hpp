// For the API's tests: a plain TCP client's helpers.
#pragma once

#include <boost/asio.hpp>
#include <string>

namespace kirchhoff::api::testing {

// Everything the peer sends until it closes the connection (or an error).
inline std::string read_until_closed(boost::asio::ip::tcp::socket& socket) {
  std::string reply;
  boost::system::error_code ec;
  char buffer[4096];
  while (!ec) {
    const std::size_t n = socket.read_some(boost::asio::buffer(buffer), ec);
    reply.append(buffer, n);
  }
  return reply;
}

}  // namespace kirchhoff::api::testing
