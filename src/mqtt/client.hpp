// An MQTT client on Debian's libmosquitto: MQTT 3.1.1 or 5, plain or TLS
// with a CA file, user and password, keep-alive, a last will, and reconnects
// with back-off on its own network thread. Used by the daemon's publisher,
// the uplink and the MQTT device driver (docs/mqtt.md).
//
// Threads: handlers run on the client's network thread and must return
// quickly (copy what they need, never block on the broker). publish() and
// subscribe() may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace kirchhoff::mqtt {

// Where the broker is: "mqtt://host[:port]" (1883) or "mqtts://host[:port]"
// (8883, TLS). A user may come with it ("mqtt://user@host"); a password never
// does (it is read from a file, so it is not in command lines or logs).
struct BrokerUrl {
  bool tls = false;
  std::string host;
  int port = 1883;
  std::string username;
};
common::Result<BrokerUrl> parse_broker_url(std::string_view url);
// "mqtt://host:port" or "mqtts://host:port", for logs (never a password).
std::string to_string(const BrokerUrl& url);

// The error kind publish() and subscribe() report while the client is not
// connected ("not connected to mqtt://host:port"). common::ErrorKind has no
// kUnavailable yet; callers compare against this constant so that only this
// line changes when it gets one.
inline constexpr common::ErrorKind kNotConnected = common::ErrorKind::kIoError;

struct Message {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retain = false;
};

struct ClientOptions {
  BrokerUrl broker;
  std::string ca_file;    // TLS: the CA that signed the broker's certificate; empty: system CAs
  std::string username;   // overrides the URL's
  std::string password;   // never logged
  std::string client_id;  // empty: a random one
  int keepalive_s = 30;
  int protocol = 5;  // 4 = MQTT 3.1.1, 5 = MQTT 5
  std::optional<Message> will;
  int reconnect_min_s = 1;  // back-off after a lost connection, doubling to the max
  int reconnect_max_s = 60;
};

// Why a connection attempt failed, in words: "not authorised (wrong user or
// password)", "connection refused", "TLS handshake failed: ...".
struct ConnectionState {
  bool connected = false;
  std::string last_error;  // empty while connected or before the first try
  std::int64_t connected_since_ms = 0;
  std::int64_t attempts = 0;  // connection attempts since start
};

class Client {
 public:
  using ConnectHandler = std::function<void(bool connected, const std::string& reason)>;
  using MessageHandler = std::function<void(const std::string& topic, const std::string& payload)>;
  // A QoS 1 or 2 publish the broker acknowledged (the id publish() returned).
  using AckHandler = std::function<void(int message_id)>;

  // Checks the options (a CA file that exists, a host) without connecting.
  static common::Result<std::unique_ptr<Client>> create(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Handlers are set before start().
  void on_connect(ConnectHandler handler);
  void on_message(MessageHandler handler);
  void on_ack(AckHandler handler);

  // Starts the network thread; it connects in the background and reconnects
  // with back-off until stop(). Subscriptions are renewed on every connect.
  common::Status start();
  // Publishes `last` (e.g. "offline" on the status topic) if connected, then
  // disconnects cleanly (no last will) and joins the network thread.
  void stop(std::optional<Message> last = std::nullopt);

  // The message id (for on_ack). Fails (kUnavailable) while not connected:
  // nothing is queued here; callers that must not lose data keep it
  // themselves until acknowledged.
  common::Result<int> publish(const Message& message);
  // Remembered and (re)sent on every connect.
  common::Status subscribe(const std::string& topic_filter, int qos);

  ConnectionState state() const;
  bool connected() const { return state().connected; }

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether `topic` matches `filter` with MQTT's + and # wildcards.
bool topic_matches(std::string_view filter, std::string_view topic);

}  // namespace kirchhoff::mqtt
