// The server over TLS with a self-signed certificate the test makes with the
// openssl tool: a client that trusts that certificate gets answers; a plain
// HTTP client does not; a missing key file is a clear start error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "api/http_server.hpp"
#include "api/test_client.hpp"

namespace kirchhoff::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class TlsFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("kirchhoff_tls_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    files_ = {(dir_ / "cert.pem").string(), (dir_ / "key.pem").string()};
    const std::string make_cert =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
        "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -keyout " +
        files_.key + " -out " + files_.certificate + " >/dev/null 2>&1";
    ASSERT_EQ(std::system(make_cert.c_str()), 0) << "the openssl tool is needed for this test";
    router_.add("GET", "/api/v1/health",
                [](const HttpRequest&) { return json_body(200, R"({"status":"ok"})"); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      io_.stop();
      thread_.join();
    }
    std::filesystem::remove_all(dir_);
  }
  void start() {
    auto server = HttpServer::start(io_, {"127.0.0.1", 0}, router_, log_, &files_);
    ASSERT_TRUE(server.ok()) << server.error().message;
    server_ = std::move(*server);
    thread_ = std::thread([this] { io_.run(); });
  }

  std::filesystem::path dir_;
  TlsFiles files_;
  std::ostringstream sink_;
  common::Logger log_{sink_};
  asio::io_context io_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

TEST_F(TlsFixture, AnswersOverTlsWithTheCertificate) {
  start();
  asio::io_context client;
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(files_.certificate);  // trust exactly this certificate
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(client, ctx);
  beast::get_lowest_layer(stream).connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  stream.handshake(asio::ssl::stream_base::client);
  http::request<http::string_body> req(http::verb::get, "/api/v1/health", 11);
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), R"({"status":"ok"})");
}

TEST_F(TlsFixture, PlainHttpGetsNoAnswer) {
  start();
  asio::io_context client;
  tcp::socket socket(client);
  socket.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
  asio::write(socket, asio::buffer(std::string("GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")));
  const std::string reply = testing::read_until_closed(socket);
  EXPECT_EQ(reply.find("status"), std::string::npos) << reply;
}

TEST_F(TlsFixture, AMissingKeyIsAClearError) {
  files_.key = (dir_ / "nowhere.pem").string();
  auto server = HttpServer::start(io_, {"127.0.0.1", 0}, router_, log_, &files_);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.error().message.find("TLS key " + files_.key), std::string::npos)
      << server.error().message;
}

}  // namespace
}  // namespace kirchhoff::api
