// An MQTT client on Debian's libmosquitto: MQTT 3.1.1 or 5, plain or TLS
// with a CA file, user and password, keep-alive, a last will, and reconnects
// with back-off on its own network thread. Used by the daemon's publisher,
// the uplink and the MQTT device driver (docs/mqtt.md).
//
// Threads: handlers run on the client's network thread and must return
// quickly (copy what they need, never block on the broker, never call stop()
// or destroy the client from a handler). publish(), subscribe() and state()
// may be called from any thread. A broker that closes a TLS connection can
// raise SIGPIPE: the process ignores it (the daemon does).
//
// The network thread is the client's own loop around mosquitto_loop(), not
// mosquitto_loop_start(): libmosquitto's threaded loop ends for good after a
// TLS failure or an MQTT 5 refusal, sleeps through stop() during its back-off,
// and does not retry a first connection that failed.
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

// The error kind publish() reports while the client is not connected ("not connected to
// mqtt://host:port"). common::ErrorKind has no kUnavailable yet; callers compare against this
// constant so that only this line changes when it gets one.
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
// password)" (CONNACK 4 or 5, MQTT 5 reason 134 or 135), "connection refused:
// nothing accepts connections at mqtt://host:port", "connection refused:
// <CONNACK reason>", "TLS: certificate verify failed" (OpenSSL's reason),
// "cannot connect to mqtt://host:port: <cause>", "cannot resolve host 'h'",
// or, for an established connection, "connection lost: <cause>".
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
  // A QoS 1 or 2 publish the broker acknowledged (PUBACK / PUBCOMP; an MQTT
  // 5 reason code of 0x80 or more is a refusal and does not fire it), or a
  // QoS 0 publish written to the socket (QoS 0 has no acknowledgement). The id
  // is the one publish() returned; it may fire before publish() returns.
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
  // on_connect gets (true, "") on every connect and (false, reason) on every
  // failed attempt and every lost connection (not on stop()). The back-off
  // waits reconnect_min_s after a failure, doubling to reconnect_max_s, and
  // starts again at reconnect_min_s after a connection was lost. An attempt
  // with no CONNACK after 15 s counts as failed. Fails if started twice or
  // after stop().
  common::Status start();
  // Publishes `last` (e.g. "offline" on the status topic) if connected, at
  // QoS 1 at least, waiting up to 1 s for its PUBACK; then disconnects
  // cleanly (the broker drops the last will) and joins the network thread.
  // Blocks for at most about 3.5 s (1 s for the ack, up to 2 s to write the
  // DISCONNECT, 0.25 s for a connection attempt in progress to notice;
  // longer only while the system's resolver is looking up a host name).
  // Idempotent; the destructor calls it.
  void stop(std::optional<Message> last = std::nullopt);

  // The message id (for on_ack). Fails (kNotConnected: "not connected to
  // mqtt://host:port") while not connected: nothing is queued here; callers
  // that must not lose data keep it themselves until acknowledged. Fails
  // (kInvalidArgument) for a topic with wildcards, a QoS not 0..2 or a
  // payload over MQTT's limit.
  common::Result<int> publish(const Message& message);
  // Remembered (the QoS of a filter given twice is the last one) and
  // (re)sent on every connect; sent at once when connected. Fails only for an
  // invalid filter or QoS.
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
