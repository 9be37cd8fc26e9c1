#include "mqtt/client.hpp"

#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace kirchhoff::mqtt {

namespace {

using common::ErrorKind;
using common::make_error;

constexpr int kDefaultPort = 1883;
constexpr int kDefaultTlsPort = 8883;
// How long mosquitto_loop() waits for the socket at most: the network thread
// notices stop() while a connection is still being set up within this time
// (once connected, stop() wakes it at once through libmosquitto's queue).
constexpr int kLoopTimeoutMs = 250;
// A broker that accepted TCP but has not answered CONNECT by then is given up
// on for this attempt (libmosquitto itself would wait for the TCP timeout).
constexpr std::chrono::seconds kConnectTimeout{15};
// stop(): how long to wait for the broker's PUBACK of the last message, and
// for the DISCONNECT to be written.
constexpr std::chrono::milliseconds kLastAckWait{1000};
constexpr std::chrono::milliseconds kDisconnectWait{2000};
// MQTT's largest payload (remaining length 268 435 455 minus headers).
constexpr std::size_t kMaxPayloadBytes = 268435455 - 65536;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
  return (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || (c >= '0' && c <= '9') || c == ':' ||
         c == '.';
}

bool is_user_char(char c) {
  // Printable ASCII without the characters that delimit a URL's parts.
  return c > ' ' && c < 0x7f && c != '/' && c != '?' && c != '#' && c != '@' && c != ':';
}

// The URL as it may appear in an error message: a password, if any, hidden.
std::string redacted(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  const std::size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  const std::size_t at = url.rfind('@');
  if (at == std::string_view::npos || at < start) {
    return std::string(url);
  }
  const std::size_t colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) {
    return std::string(url);
  }
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

common::Error url_error(std::string_view url, const std::string& reason) {
  return make_error(ErrorKind::kInvalidArgument, reason + " in '" + redacted(url) + "'");
}

// Digits only, 1..65535.
common::Result<int> parse_port(std::string_view text, std::string_view url) {
  if (text.empty()) {
    return url_error(url, "missing port after ':'");
  }
  long value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return url_error(url, "port '" + std::string(text) + "' is not a number");
    }
    value = value * 10 + (c - '0');
    if (value > 65535) {
      return url_error(url, "port " + std::string(text) + " out of range (1 to 65535)");
    }
  }
  if (value == 0) {
    return url_error(url, "port 0 out of range (1 to 65535)");
  }
  return static_cast<int>(value);
}

// The reason a CONNACK refused the connection, in words.
std::string connack_reason(int protocol, int rc) {
  if (protocol == 5) {
    if (rc == MQTT_RC_BAD_USERNAME_OR_PASSWORD || rc == MQTT_RC_NOT_AUTHORIZED) {
      return "not authorised (wrong user or password)";
    }
    return std::string("connection refused: ") + mosquitto_reason_string(rc);
  }
  if (rc == CONNACK_REFUSED_BAD_USERNAME_PASSWORD || rc == CONNACK_REFUSED_NOT_AUTHORIZED) {
    return "not authorised (wrong user or password)";
  }
  return std::string("connection refused: ") + mosquitto_connack_string(rc);
}

}  // namespace

common::Result<BrokerUrl> parse_broker_url(std::string_view url) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return url_error(url, "missing scheme: use mqtt://host or mqtts://host");
  }
  std::string scheme(url.substr(0, scheme_end));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
  BrokerUrl result;
  if (scheme == "mqtt") {
    result.tls = false;
    result.port = kDefaultPort;
  } else if (scheme == "mqtts") {
    result.tls = true;
    result.port = kDefaultTlsPort;
  } else {
    return make_error(ErrorKind::kInvalidArgument,
                      "unknown scheme '" + std::string(url.substr(0, scheme_end)) + "' in '" +
                          redacted(url) + "': use mqtt:// or mqtts://");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  // A broker URL has no path; one trailing '/' is tolerated.
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return url_error(url, "unexpected path or query (a broker URL is scheme://[user@]host[:port])");
  }
  const std::size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    const std::string_view user = rest.substr(0, at);
    if (user.find(':') != std::string_view::npos) {
      return url_error(url,
                       "a password is refused: put the password in a file (password_file), not "
                       "in the URL");
    }
    if (user.empty()) {
      return url_error(url, "empty user name before '@'");
    }
    if (!std::all_of(user.begin(), user.end(), is_user_char)) {
      return url_error(url, "invalid character in the user name");
    }
    result.username = std::string(user);
    rest = rest.substr(at + 1);
  }
  std::string_view port_text;
  bool has_port = false;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return url_error(url, "missing ']' after an IPv6 address");
    }
    const std::string_view host = rest.substr(1, close - 1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), is_ipv6_char) ||
        host.find(':') == std::string_view::npos) {
      return url_error(url, "invalid IPv6 address '" + std::string(host) + "'");
    }
    result.host = std::string(host);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return url_error(url, "unexpected text after ']'");
      }
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const std::size_t colon = rest.find(':');
    const std::string_view host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = rest.substr(colon + 1);
      if (port_text.find(':') != std::string_view::npos) {
        return url_error(url, "an IPv6 address needs brackets ([::1]:1883)");
      }
    }
    if (host.empty()) {
      return url_error(url, "missing host");
    }
    if (!std::all_of(host.begin(), host.end(), is_host_char)) {
      return url_error(url, "invalid character in host '" + std::string(host) + "'");
    }
    result.host = std::string(host);
  }
  if (has_port) {
    auto port = parse_port(port_text, url);
    if (!port) {
      return port.error();
    }
    result.port = *port;
  }
  return result;
}

std::string to_string(const BrokerUrl& url) {
  std::string text = url.tls ? "mqtts://" : "mqtt://";
  if (url.host.find(':') != std::string::npos) {
    text += "[" + url.host + "]";
  } else {
    text += url.host;
  }
  return text + ":" + std::to_string(url.port);
}

bool topic_matches(std::string_view filter, std::string_view topic) {
  const std::string filter_text(filter);
  const std::string topic_text(topic);
  bool result = false;
  if (mosquitto_topic_matches_sub(filter_text.c_str(), topic_text.c_str(), &result) !=
      MOSQ_ERR_SUCCESS) {
    return false;
  }
  return result;
}

struct Client::Impl {
  ClientOptions options;
  std::string where;  // "mqtt://host:port", for messages
  mosquitto* mosq = nullptr;

  // Set before start(), read on the network thread afterwards.
  ConnectHandler connect_handler;
  MessageHandler message_handler;
  AckHandler ack_handler;

  mutable std::mutex mutex;
  std::condition_variable changed;
  ConnectionState state;                                   // guarded by mutex
  std::vector<std::pair<std::string, int>> subscriptions;  // guarded by mutex
  std::deque<int> recent_acks;                             // guarded by mutex (for stop())
  bool started = false;                                    // guarded by mutex
  bool stopped = false;                                    // guarded by mutex
  bool stopping = false;                                   // guarded by mutex
  bool disconnect_requested = false;                       // guarded by mutex
  std::thread thread;

  // Network thread only: what the current attempt learnt.
  bool attempt_connected = false;
  std::string attempt_refusal;  // from a CONNACK
  std::string attempt_tls_error;
  int saved_errno = 0;

  ~Impl() {
    if (mosq != nullptr) {
      mosquitto_destroy(mosq);
    }
  }

  // ---- libmosquitto callbacks (network thread) ----

  static void on_connect_cb(mosquitto* /*mosq*/, void* obj, int rc, int /*flags*/,
                            const mosquitto_property* /*props*/) {
    static_cast<Impl*>(obj)->handle_connack(rc);
  }
  static void on_publish_cb(mosquitto* /*mosq*/, void* obj, int mid, int reason_code,
                            const mosquitto_property* /*props*/) {
    static_cast<Impl*>(obj)->handle_published(mid, reason_code);
  }
  static void on_message_cb(mosquitto* /*mosq*/, void* obj, const mosquitto_message* message,
                            const mosquitto_property* /*props*/) {
    auto* impl = static_cast<Impl*>(obj);
    if (!impl->message_handler || message == nullptr || message->topic == nullptr) {
      return;
    }
    std::string payload;
    if (message->payload != nullptr && message->payloadlen > 0) {
      payload.assign(static_cast<const char*>(message->payload),
                     static_cast<std::size_t>(message->payloadlen));
    }
    impl->message_handler(message->topic, payload);
  }
  static void on_log_cb(mosquitto* /*mosq*/, void* obj, int level, const char* text) {
    // libmosquitto reports OpenSSL's reason for a failed handshake only in
    // its log ("OpenSSL Error[0]: error:0A000086:SSL routines::certificate
    // verify failed"); keep the first one of an attempt for last_error.
    const int saved = errno;
    auto* impl = static_cast<Impl*>(obj);
    if (level == MOSQ_LOG_ERR && text != nullptr && impl->attempt_tls_error.empty() &&
        std::strncmp(text, "OpenSSL Error", 13) == 0) {
      const std::string_view line(text);
      const std::size_t colon = line.rfind(':');
      std::string_view reason = colon == std::string_view::npos ? line : line.substr(colon + 1);
      while (!reason.empty() && reason.front() == ' ') {
        reason.remove_prefix(1);
      }
      impl->attempt_tls_error = reason.empty() ? std::string(line) : std::string(reason);
    }
    errno = saved;
  }

  void handle_connack(int rc) {
    if (rc != 0) {
      attempt_refusal = connack_reason(options.protocol, rc);
      return;
    }
    attempt_connected = true;
    std::vector<std::pair<std::string, int>> renew;
    {
      std::lock_guard lock(mutex);
      state.connected = true;
      state.last_error.clear();
      state.connected_since_ms = unix_ms_now();
      renew = subscriptions;
    }
    changed.notify_all();
    for (const auto& [filter, qos] : renew) {
      mosquitto_subscribe(mosq, nullptr, filter.c_str(), qos);
    }
    if (connect_handler) {
      connect_handler(true, "");
    }
  }

  void handle_published(int mid, int reason_code) {
    // MQTT 5: a PUBACK with a reason code of 0x80 or more is a refusal, not
    // an acknowledgement.
    if (reason_code >= 0x80) {
      return;
    }
    {
      std::lock_guard lock(mutex);
      recent_acks.push_back(mid);
      if (recent_acks.size() > 64) {
        recent_acks.pop_front();
      }
    }
    changed.notify_all();
    if (ack_handler) {
      ack_handler(mid);
    }
  }

  // ---- the network thread ----

  // Why an attempt (or connection) ended, from what the attempt learnt and
  // libmosquitto's return code.
  std::string describe_failure(int rc, int err, bool was_connected) const {
    if (!attempt_refusal.empty()) {
      return attempt_refusal;
    }
    if (!attempt_tls_error.empty()) {
      return "TLS: " + attempt_tls_error;
    }
    std::string cause;
    switch (rc) {
      case MOSQ_ERR_TLS:
      case MOSQ_ERR_TLS_HANDSHAKE:
        return std::string("TLS: ") + mosquitto_strerror(rc);
      case MOSQ_ERR_ERRNO:
        if (!was_connected && err == ECONNREFUSED) {
          return "connection refused: nothing accepts connections at " + where;
        }
        cause = err != 0 ? std::strerror(err) : "unknown system error";
        break;
      case MOSQ_ERR_EAI:
        return "cannot resolve host '" + options.broker.host + "'";
      case MOSQ_ERR_CONN_LOST:
        cause = was_connected ? "closed by the broker"
                              : "closed by the broker before it accepted (is it a TLS port, or "
                                "the wrong protocol?)";
        break;
      case MOSQ_ERR_KEEPALIVE:
        cause = "no answer within the keep-alive";
        break;
      default:
        cause = mosquitto_strerror(rc);
        break;
    }
    if (was_connected) {
      return "connection lost: " + cause;
    }
    return "cannot connect to " + where + ": " + cause;
  }

  // Runs one connection attempt and, if it succeeds, the connection until it
  // ends. Returns why it ended, or nothing when stop() ended it.
  std::optional<std::string> run_attempt(bool first) {
    attempt_connected = false;
    attempt_refusal.clear();
    attempt_tls_error.clear();
    {
      std::lock_guard lock(mutex);
      ++state.attempts;
    }
    const auto attempt_start = std::chrono::steady_clock::now();
    // connect_async once (it stores host, port and keep-alive), then
    // reconnect_async, which also closes the previous socket.
    errno = 0;
    int rc = first ? mosquitto_connect_async(mosq, options.broker.host.c_str(), options.broker.port,
                                             options.keepalive_s)
                   : mosquitto_reconnect_async(mosq);
    int err = errno;
    std::optional<std::chrono::steady_clock::time_point> stop_deadline;
    if (rc == MOSQ_ERR_SUCCESS) {
      for (;;) {
        errno = 0;
        rc = mosquitto_loop(mosq, kLoopTimeoutMs, 1);
        err = errno;
        if (rc != MOSQ_ERR_SUCCESS) {
          break;
        }
        bool stop_now = false;
        bool send_disconnect = false;
        {
          std::lock_guard lock(mutex);
          if (stopping) {
            if (!state.connected) {
              stop_now = true;
            } else {
              const auto now = std::chrono::steady_clock::now();
              if (!stop_deadline) {
                stop_deadline = now + kDisconnectWait;
              }
              if (now > *stop_deadline) {
                stop_now = true;
              }
              if (!disconnect_requested) {
                disconnect_requested = true;
                send_disconnect = true;
              }
            }
          }
        }
        if (stop_now) {
          break;
        }
        if (send_disconnect) {
          mosquitto_disconnect(mosq);
        }
        if (!attempt_connected && attempt_refusal.empty() &&
            std::chrono::steady_clock::now() - attempt_start > kConnectTimeout) {
          std::lock_guard lock(mutex);
          if (!stopping) {
            return "cannot connect to " + where + ": no answer within " +
                   std::to_string(kConnectTimeout.count()) + " s";
          }
          break;
        }
      }
    }
    {
      std::lock_guard lock(mutex);
      state.connected = false;
      if (stopping) {
        return std::nullopt;
      }
    }
    changed.notify_all();
    return describe_failure(rc, err, attempt_connected);
  }

  void run() {
    int delay_s = options.reconnect_min_s;
    bool first = true;
    for (;;) {
      const std::optional<std::string> reason = run_attempt(first);
      first = false;
      if (!reason) {
        break;
      }
      {
        std::lock_guard lock(mutex);
        state.last_error = *reason;
      }
      if (connect_handler) {
        connect_handler(false, *reason);
      }
      if (attempt_connected) {
        delay_s = options.reconnect_min_s;  // a fresh outage starts the back-off again
      }
      std::unique_lock lock(mutex);
      if (changed.wait_for(lock, std::chrono::seconds(delay_s), [this] { return stopping; })) {
        break;
      }
      delay_s = std::min(delay_s * 2, options.reconnect_max_s);
    }
  }

  common::Result<int> publish(const Message& message) {
    if (message.qos < 0 || message.qos > 2) {
      return make_error(ErrorKind::kInvalidArgument, "publish to '" + message.topic + "': QoS " +
                                                         std::to_string(message.qos) +
                                                         " is not 0, 1 or 2");
    }
    if (message.payload.size() > kMaxPayloadBytes) {
      return make_error(ErrorKind::kInvalidArgument,
                        "publish to '" + message.topic + "': payload of " +
                            std::to_string(message.payload.size()) + " bytes is too large");
    }
    {
      std::lock_guard lock(mutex);
      if (!state.connected || stopping) {
        return make_error(kNotConnected, "not connected to " + where);
      }
    }
    int mid = 0;
    const int rc = mosquitto_publish(mosq, &mid, message.topic.c_str(),
                                     static_cast<int>(message.payload.size()),
                                     message.payload.data(), message.qos, message.retain);
    if (rc == MOSQ_ERR_SUCCESS) {
      return mid;
    }
    if (rc == MOSQ_ERR_INVAL || rc == MOSQ_ERR_MALFORMED_UTF8 || rc == MOSQ_ERR_PAYLOAD_SIZE ||
        rc == MOSQ_ERR_OVERSIZE_PACKET) {
      return make_error(ErrorKind::kInvalidArgument,
                        "publish to '" + message.topic + "': " + mosquitto_strerror(rc));
    }
    if (rc == MOSQ_ERR_NO_CONN) {
      return make_error(kNotConnected, "not connected to " + where);
    }
    return make_error(ErrorKind::kIoError, "publish to '" + message.topic + "' on " + where + ": " +
                                               mosquitto_strerror(rc));
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Client::~Client() { stop(); }

common::Result<std::unique_ptr<Client>> Client::create(ClientOptions options) {
  static std::once_flag lib_init;
  std::call_once(lib_init, [] { mosquitto_lib_init(); });

  const std::string where = to_string(options.broker);
  auto fail = [&](const std::string& reason) -> common::Error {
    return make_error(ErrorKind::kInvalidArgument, "MQTT client for " + where + ": " + reason);
  };
  if (options.broker.host.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "MQTT client: no broker host");
  }
  if (options.broker.port < 1 || options.broker.port > 65535) {
    return fail("port " + std::to_string(options.broker.port) + " out of range (1 to 65535)");
  }
  if (options.protocol != 4 && options.protocol != 5) {
    return fail("protocol " + std::to_string(options.protocol) +
                " is not 4 (MQTT 3.1.1) or 5 (MQTT 5)");
  }
  if (options.keepalive_s < 5 || options.keepalive_s > 3600) {
    return fail("keep-alive " + std::to_string(options.keepalive_s) +
                " s out of range (5 to 3600 s)");
  }
  if (options.reconnect_min_s < 1 || options.reconnect_max_s < options.reconnect_min_s) {
    return fail("reconnect back-off " + std::to_string(options.reconnect_min_s) + " to " +
                std::to_string(options.reconnect_max_s) +
                " s: need 1 <= reconnect_min_s <= reconnect_max_s");
  }
  if (!options.ca_file.empty()) {
    if (!options.broker.tls) {
      return fail("a CA file is given but the URL is not mqtts://");
    }
    if (access(options.ca_file.c_str(), R_OK) != 0) {
      return make_error(ErrorKind::kNotFound, "MQTT client for " + where + ": CA file '" +
                                                  options.ca_file +
                                                  "' cannot be read: " + std::strerror(errno));
    }
  }
  const std::string username =
      options.username.empty() ? options.broker.username : options.username;
  if (username.empty() && !options.password.empty()) {
    return fail("a password without a user name");
  }
  if (options.will) {
    if (options.will->qos < 0 || options.will->qos > 2) {
      return fail("last will QoS " + std::to_string(options.will->qos) + " is not 0, 1 or 2");
    }
    if (options.will->topic.empty() ||
        mosquitto_pub_topic_check(options.will->topic.c_str()) != MOSQ_ERR_SUCCESS) {
      return fail("last will topic '" + options.will->topic + "' is not a valid topic");
    }
  }

  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->where = where;
  const ClientOptions& opts = impl->options;
  impl->mosq = mosquitto_new(opts.client_id.empty() ? nullptr : opts.client_id.c_str(),
                             /*clean_session=*/true, impl.get());
  if (impl->mosq == nullptr) {
    return make_error(ErrorKind::kIoError,
                      "MQTT client for " + where + ": cannot create: " + std::strerror(errno));
  }
  mosquitto* mosq = impl->mosq;
  // Our own thread runs mosquitto_loop(); publish() and subscribe() from
  // other threads must only queue.
  mosquitto_threaded_set(mosq, true);
  mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION,
                       opts.protocol == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
  if (!username.empty()) {
    const int rc = mosquitto_username_pw_set(
        mosq, username.c_str(), opts.password.empty() ? nullptr : opts.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS) {
      return fail("user name refused: " + std::string(mosquitto_strerror(rc)));
    }
  }
  if (opts.broker.tls) {
    // No CA file: the system's CAs (Debian's /etc/ssl/certs).
    const int rc =
        opts.ca_file.empty()
            ? mosquitto_tls_set(mosq, nullptr, "/etc/ssl/certs", nullptr, nullptr, nullptr)
            : mosquitto_tls_set(mosq, opts.ca_file.c_str(), nullptr, nullptr, nullptr, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      return fail("TLS setup: " + std::string(mosquitto_strerror(rc)));
    }
    if (opts.ca_file.empty()) {
      mosquitto_int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
    }
    // Verify the broker's certificate and host name (tls_insecure stays off).
    mosquitto_tls_opts_set(mosq, /*cert_reqs=*/1, nullptr, nullptr);
  }
  if (opts.will) {
    const int rc = mosquitto_will_set(mosq, opts.will->topic.c_str(),
                                      static_cast<int>(opts.will->payload.size()),
                                      opts.will->payload.data(), opts.will->qos, opts.will->retain);
    if (rc != MOSQ_ERR_SUCCESS) {
      return fail("last will refused: " + std::string(mosquitto_strerror(rc)));
    }
  }
  mosquitto_connect_v5_callback_set(mosq, &Impl::on_connect_cb);
  mosquitto_publish_v5_callback_set(mosq, &Impl::on_publish_cb);
  mosquitto_message_v5_callback_set(mosq, &Impl::on_message_cb);
  mosquitto_log_callback_set(mosq, &Impl::on_log_cb);
  return std::unique_ptr<Client>(new Client(std::move(impl)));
}

void Client::on_connect(ConnectHandler handler) { impl_->connect_handler = std::move(handler); }
void Client::on_message(MessageHandler handler) { impl_->message_handler = std::move(handler); }
void Client::on_ack(AckHandler handler) { impl_->ack_handler = std::move(handler); }

common::Status Client::start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->stopped) {
    return make_error(ErrorKind::kInvalidArgument,
                      "MQTT client for " + impl_->where + ": start() after stop()");
  }
  if (impl_->started) {
    return make_error(ErrorKind::kInvalidArgument,
                      "MQTT client for " + impl_->where + ": already started");
  }
  impl_->started = true;
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
  return common::Status::success();
}

void Client::stop(std::optional<Message> last) {
  Impl& impl = *impl_;
  bool connected = false;
  {
    std::lock_guard lock(impl.mutex);
    if (impl.stopped) {
      return;
    }
    impl.stopped = true;
    connected = impl.state.connected && impl.started;
  }
  if (connected && last) {
    last->qos = std::max(last->qos, 1);
    auto mid = impl.publish(*last);
    if (mid) {
      std::unique_lock lock(impl.mutex);
      impl.changed.wait_for(lock, kLastAckWait, [&] {
        return !impl.state.connected || std::find(impl.recent_acks.begin(), impl.recent_acks.end(),
                                                  *mid) != impl.recent_acks.end();
      });
    }
  }
  bool send_disconnect = false;
  {
    std::lock_guard lock(impl.mutex);
    impl.stopping = true;
    if (impl.state.connected && !impl.disconnect_requested) {
      impl.disconnect_requested = true;
      send_disconnect = true;
    }
  }
  impl.changed.notify_all();
  // A clean DISCONNECT: the broker drops the last will. Queued here, it also
  // wakes the network thread, which writes it and then ends.
  if (send_disconnect) {
    mosquitto_disconnect(impl.mosq);
  }
  if (impl.thread.joinable()) {
    impl.thread.join();
  }
  std::lock_guard lock(impl.mutex);
  impl.state.connected = false;
}

common::Result<int> Client::publish(const Message& message) { return impl_->publish(message); }

common::Status Client::subscribe(const std::string& topic_filter, int qos) {
  if (qos < 0 || qos > 2) {
    return make_error(ErrorKind::kInvalidArgument, "subscribe to '" + topic_filter + "': QoS " +
                                                       std::to_string(qos) + " is not 0, 1 or 2");
  }
  if (topic_filter.empty() || mosquitto_sub_topic_check(topic_filter.c_str()) != MOSQ_ERR_SUCCESS) {
    return make_error(ErrorKind::kInvalidArgument,
                      "subscribe to '" + topic_filter + "': not a valid topic filter");
  }
  bool connected = false;
  {
    std::lock_guard lock(impl_->mutex);
    auto it = std::find_if(impl_->subscriptions.begin(), impl_->subscriptions.end(),
                           [&](const auto& entry) { return entry.first == topic_filter; });
    if (it != impl_->subscriptions.end()) {
      it->second = qos;
    } else {
      impl_->subscriptions.emplace_back(topic_filter, qos);
    }
    connected = impl_->state.connected && !impl_->stopping;
  }
  // Not connected: the connect callback sends it.
  if (connected) {
    mosquitto_subscribe(impl_->mosq, nullptr, topic_filter.c_str(), qos);
  }
  return common::Status::success();
}

ConnectionState Client::state() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->state;
}

}  // namespace kirchhoff::mqtt
