// The delay from a snapshot being taken to its WebSocket message arriving at
// a client: connects to a running daemon's /api/v1/stream with a bearer
// token, reads N messages and prints the median and worst delay, beside the
// round trip of a WebSocket ping on the same connection (the transport's floor).
//
// usage: stream_latency_probe PORT TOKEN [MESSAGES] (bench/api.sh runs it)
#include <utility>  // before Asio: Boost 1.74 uses std::exchange without it

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s PORT TOKEN [MESSAGES]\n", argv[0]);
    return 2;
  }
  const auto port = static_cast<unsigned short>(std::atoi(argv[1]));
  const std::string token = argv[2];
  const int messages = argc > 3 ? std::atoi(argv[3]) : 5;
  asio::io_context io;
  beast::websocket::stream<asio::ip::tcp::socket> ws(io);
  ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  ws.set_option(beast::websocket::stream_base::decorator(
      [&](beast::websocket::request_type& req) { req.set("Authorization", "Bearer " + token); }));
  ws.handshake("127.0.0.1", "/api/v1/stream");
  auto now_ms = [] {
    return std::chrono::duration<double, std::milli>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  std::vector<double> delays;
  beast::flat_buffer buffer;
  for (int i = 0; i < messages; ++i) {
    ws.read(buffer);
    const double arrived = now_ms();
    const auto message = nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
    buffer.consume(buffer.size());
    delays.push_back(arrived - message["data"]["time_ms"].get<double>());
  }
  // Baseline: a ping's round trip (answered by the server's WebSocket layer).
  const auto t0 = std::chrono::steady_clock::now();
  ws.ping({});
  double pong_ms = -1;
  ws.control_callback([&](beast::websocket::frame_type kind, beast::string_view) {
    if (kind == beast::websocket::frame_type::pong) {
      pong_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
  });
  while (pong_ms < 0) {
    ws.read(buffer);  // snapshots keep coming; the pong arrives between them
    buffer.consume(buffer.size());
  }
  std::sort(delays.begin(), delays.end());
  std::printf("snapshot to WebSocket message: median %.2f ms, worst %.2f ms over %d messages\n",
              delays[delays.size() / 2], delays.back(), messages);
  std::printf("baseline (WebSocket ping round trip on the same connection): %.3f ms\n", pong_ms);
  ws.close(beast::websocket::close_code::normal);
  return 0;
}
