// The MQTT client against a real mosquitto on loopback (tests/peers/
// mosquitto_broker.hpp): one shared broker for the suite, own brokers where
// the options differ (accounts, TLS) or where a test stops the broker.
#include "mqtt/client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/peers/mosquitto_broker.hpp"

namespace kirchhoff::mqtt {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using tests::MosquittoBroker;

constexpr auto kWait = std::chrono::seconds(10);

// The broker most tests share, started once for the suite.
MosquittoBroker* shared_broker = nullptr;

class BrokerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    // A broker that closes our socket must not kill the test with SIGPIPE
    // (the daemon ignores it the same way).
    signal(SIGPIPE, SIG_IGN);
    broker_ = std::make_unique<MosquittoBroker>();
    shared_broker = broker_.get();
  }
  void TearDown() override {
    shared_broker = nullptr;
    broker_.reset();
  }

 private:
  std::unique_ptr<MosquittoBroker> broker_;
};

[[maybe_unused]] const auto* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new BrokerEnvironment);

// Polls `condition` until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// What a client's handlers saw, for the test thread to wait on.
class Events {
 public:
  void attach(Client& client) {
    client.on_connect([this](bool connected, const std::string& reason) {
      std::lock_guard lock(mutex_);
      connects_.emplace_back(connected, reason);
      changed_.notify_all();
    });
    client.on_message([this](const std::string& topic, const std::string& payload) {
      std::lock_guard lock(mutex_);
      messages_.emplace_back(topic, payload);
      changed_.notify_all();
    });
    client.on_ack([this](int message_id) {
      std::lock_guard lock(mutex_);
      acks_.push_back(message_id);
      changed_.notify_all();
    });
  }

  bool wait_message(const std::string& topic, const std::string& payload) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kWait, [&] { return count_locked(topic, payload) > 0; });
  }
  bool wait_ack(int message_id) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kWait, [&] {
      return std::find(acks_.begin(), acks_.end(), message_id) != acks_.end();
    });
  }
  // Waits for the n-th on_connect(connected, ...) call.
  bool wait_connects(bool connected, std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kWait, [&] { return count_connects_locked(connected) >= n; });
  }

  std::size_t count(const std::string& topic, const std::string& payload) {
    std::lock_guard lock(mutex_);
    return count_locked(topic, payload);
  }
  std::vector<std::pair<std::string, std::string>> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  std::vector<std::pair<bool, std::string>> connects() {
    std::lock_guard lock(mutex_);
    return connects_;
  }

 private:
  std::size_t count_locked(const std::string& topic, const std::string& payload) const {
    return static_cast<std::size_t>(
        std::count(messages_.begin(), messages_.end(), std::make_pair(topic, payload)));
  }
  std::size_t count_connects_locked(bool connected) const {
    return static_cast<std::size_t>(std::count_if(
        connects_.begin(), connects_.end(), [&](const auto& c) { return c.first == connected; }));
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::pair<bool, std::string>> connects_;
  std::vector<std::pair<std::string, std::string>> messages_;
  std::vector<int> acks_;
};

ClientOptions options_for(const std::string& url, int protocol = 5) {
  auto broker = parse_broker_url(url);
  EXPECT_TRUE(broker.ok()) << url;
  ClientOptions options;
  options.broker = *broker;
  options.protocol = protocol;
  options.reconnect_min_s = 1;
  options.reconnect_max_s = 2;
  return options;
}

std::unique_ptr<Client> make_client(ClientOptions options) {
  auto client = Client::create(std::move(options));
  EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().message);
  return client.ok() ? std::move(client).value() : nullptr;
}

// A started client with `events` attached, connected to `url`.
std::unique_ptr<Client> connected_client(const std::string& url, Events& events,
                                         const std::vector<std::string>& filters = {},
                                         int protocol = 5) {
  auto client = make_client(options_for(url, protocol));
  if (client == nullptr) {
    return nullptr;
  }
  events.attach(*client);
  for (const auto& filter : filters) {
    EXPECT_TRUE(client->subscribe(filter, 1).ok());
  }
  EXPECT_TRUE(client->start().ok());
  EXPECT_TRUE(events.wait_connects(true, 1)) << client->state().last_error;
  return client;
}

// Publishes a probe on `topic` from `client` (subscribed to it) and waits for
// it to come back: everything the broker routed to `client` before is there.
void round_trip(Client& client, Events& events, const std::string& topic, int n) {
  const std::string payload = "probe " + std::to_string(n);
  ASSERT_TRUE(client.publish({topic, payload, 1, false}).ok());
  ASSERT_TRUE(events.wait_message(topic, payload));
}

// ---- URLs ----

TEST(BrokerUrl, ParsesSchemesHostsPortsAndUsers) {
  auto plain = parse_broker_url("mqtt://broker.local");
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->host, "broker.local");
  EXPECT_EQ(plain->port, 1883);  // MQTT's registered port
  EXPECT_EQ(plain->username, "");

  auto tls = parse_broker_url("mqtts://10.0.0.2");
  ASSERT_TRUE(tls.ok());
  EXPECT_TRUE(tls->tls);
  EXPECT_EQ(tls->port, 8883);  // MQTT over TLS's registered port

  auto full = parse_broker_url("mqtts://alice@broker.example.org:9883/");
  ASSERT_TRUE(full.ok());
  EXPECT_TRUE(full->tls);
  EXPECT_EQ(full->host, "broker.example.org");
  EXPECT_EQ(full->port, 9883);
  EXPECT_EQ(full->username, "alice");

  auto v6 = parse_broker_url("mqtt://[::1]:1884");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 1884);

  auto v6_default = parse_broker_url("MQTT://[fe80::1]");
  ASSERT_TRUE(v6_default.ok());
  EXPECT_EQ(v6_default->host, "fe80::1");
  EXPECT_EQ(v6_default->port, 1883);

  EXPECT_EQ(parse_broker_url("mqtt://h:1")->port, 1);
  EXPECT_EQ(parse_broker_url("mqtt://h:65535")->port, 65535);
}

TEST(BrokerUrl, ToStringHasHostAndPortButNoUser) {
  EXPECT_EQ(to_string(*parse_broker_url("mqtt://alice@h")), "mqtt://h:1883");
  EXPECT_EQ(to_string(*parse_broker_url("mqtts://h:1")), "mqtts://h:1");
  EXPECT_EQ(to_string(*parse_broker_url("mqtt://[::1]:99")), "mqtt://[::1]:99");
}

TEST(BrokerUrl, RejectsBadUrlsNamingUrlAndReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://x", "unknown scheme 'http' in 'http://x': use mqtt:// or mqtts://"},
      {"broker:1883", "missing scheme: use mqtt://host or mqtts://host in 'broker:1883'"},
      {"mqtt://h:70000", "port 70000 out of range (1 to 65535) in 'mqtt://h:70000'"},
      {"mqtt://h:0", "port 0 out of range (1 to 65535) in 'mqtt://h:0'"},
      {"mqtt://h:", "missing port after ':' in 'mqtt://h:'"},
      {"mqtt://h:8x", "port '8x' is not a number in 'mqtt://h:8x'"},
      {"mqtt://", "missing host in 'mqtt://'"},
      {"mqtt://:1883", "missing host in 'mqtt://:1883'"},
      {"mqtt://h/topic",
       "unexpected path or query (a broker URL is scheme://[user@]host[:port]) "
       "in 'mqtt://h/topic'"},
      {"mqtt://::1", "an IPv6 address needs brackets ([::1]:1883) in 'mqtt://::1'"},
      {"mqtt://[::1", "missing ']' after an IPv6 address in 'mqtt://[::1'"},
      {"mqtt://[xyz]", "invalid IPv6 address 'xyz' in 'mqtt://[xyz]'"},
      {"mqtt://[::1]x", "unexpected text after ']' in 'mqtt://[::1]x'"},
      {"mqtt://@h", "empty user name before '@' in 'mqtt://@h'"},
      {"mqtt://bad host", "invalid character in host 'bad host' in 'mqtt://bad host'"},
  };
  for (const auto& [url, message] : cases) {
    auto result = parse_broker_url(url);
    ASSERT_FALSE(result.ok()) << url;
    EXPECT_EQ(result.error().kind, common::ErrorKind::kInvalidArgument) << url;
    EXPECT_EQ(result.error().message, message) << url;
  }
}

TEST(BrokerUrl, RefusesPasswordWithoutRepeatingIt) {
  auto result = parse_broker_url("mqtt://alice:s3cret@h");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().message,
            "a password is refused: put the password in a file (password_file), not in the URL "
            "in 'mqtt://alice:***@h'");
  EXPECT_THAT(result.error().message, ::testing::Not(HasSubstr("s3cret")));
}

// The MQTT 3.1.1 specification's examples (section 4.7.1, 4.7.2).
TEST(TopicMatches, FollowsTheSpecificationsExamples) {
  struct Case {
    const char* filter;
    const char* topic;
    bool matches;
  };
  const Case cases[] = {
      {"sport/tennis/player1/#", "sport/tennis/player1", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
      {"sport/#", "sport", true},
      {"#", "sport/tennis", true},
      {"sport/tennis/+", "sport/tennis/player1", true},
      {"sport/tennis/+", "sport/tennis/player1/ranking", false},
      {"sport/+", "sport", false},
      {"sport/+", "sport/", true},
      {"+/+", "/finance", true},
      {"/+", "/finance", true},
      {"+", "/finance", false},
      {"#", "$SYS/broker/uptime", false},
      {"+/monitor/Clients", "$SYS/monitor/Clients", false},
      {"$SYS/#", "$SYS/broker/uptime", true},
      {"a/b", "a/b", true},
      {"a/b", "a/c", false},
      {"a/#/b", "a/x/b", false},  // invalid filter: # must be last
  };
  for (const auto& c : cases) {
    EXPECT_EQ(topic_matches(c.filter, c.topic), c.matches) << c.filter << " vs " << c.topic;
  }
}

// ---- create() ----

TEST(ClientCreate, ChecksOptionsWithoutConnecting) {
  ClientOptions options = options_for("mqtt://127.0.0.1:1");
  options.broker.host.clear();
  auto no_host = Client::create(options);
  ASSERT_FALSE(no_host.ok());
  EXPECT_EQ(no_host.error().message, "MQTT client: no broker host");

  options = options_for("mqtt://127.0.0.1:1");
  options.protocol = 3;
  auto bad_protocol = Client::create(options);
  ASSERT_FALSE(bad_protocol.ok());
  EXPECT_EQ(bad_protocol.error().message,
            "MQTT client for mqtt://127.0.0.1:1: protocol 3 is not 4 (MQTT 3.1.1) or 5 (MQTT 5)");

  options = options_for("mqtt://127.0.0.1:1");
  options.keepalive_s = 4;
  auto bad_keepalive = Client::create(options);
  ASSERT_FALSE(bad_keepalive.ok());
  EXPECT_EQ(bad_keepalive.error().message,
            "MQTT client for mqtt://127.0.0.1:1: keep-alive 4 s out of range (5 to 3600 s)");

  options = options_for("mqtts://127.0.0.1:1");
  options.ca_file = "/nonexistent/ca.pem";
  auto no_ca = Client::create(options);
  ASSERT_FALSE(no_ca.ok());
  EXPECT_EQ(no_ca.error().kind, common::ErrorKind::kNotFound);
  EXPECT_EQ(no_ca.error().message,
            "MQTT client for mqtts://127.0.0.1:1: CA file '/nonexistent/ca.pem' cannot be read: "
            "No such file or directory");

  options = options_for("mqtt://127.0.0.1:1");
  options.password = "secret";
  auto no_user = Client::create(options);
  ASSERT_FALSE(no_user.ok());
  EXPECT_EQ(no_user.error().message,
            "MQTT client for mqtt://127.0.0.1:1: a password without a user name");
  EXPECT_THAT(no_user.error().message, ::testing::Not(HasSubstr("secret")));

  options = options_for("mqtt://127.0.0.1:1");
  options.will = Message{"status/#", "offline", 1, true};
  auto bad_will = Client::create(options);
  ASSERT_FALSE(bad_will.ok());
  EXPECT_EQ(bad_will.error().message,
            "MQTT client for mqtt://127.0.0.1:1: last will topic 'status/#' is not a valid topic");

  // Nothing listens on port 1, but create() does not connect.
  EXPECT_TRUE(Client::create(options_for("mqtt://127.0.0.1:1")).ok());
}

TEST(Client, PublishBeforeConnectFailsAndStopIsIdempotent) {
  auto client = make_client(options_for("mqtt://127.0.0.1:1"));
  ASSERT_NE(client, nullptr);
  auto id = client->publish({"a", "b", 1, false});
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, kNotConnected);
  EXPECT_EQ(id.error().message, "not connected to mqtt://127.0.0.1:1");
  EXPECT_FALSE(client->connected());
  EXPECT_EQ(client->state().attempts, 0);
  client->stop();
  client->stop();
  EXPECT_FALSE(client->start().ok());
}

// ---- against the shared broker ----

class ClientProtocol : public ::testing::TestWithParam<int> {};

TEST_P(ClientProtocol, ConnectsPublishesAndGetsTheAckOfTheSameId) {
  Events events;
  auto client = connected_client(shared_broker->url(), events, {}, GetParam());
  ASSERT_NE(client, nullptr);
  const ConnectionState state = client->state();
  EXPECT_TRUE(state.connected);
  EXPECT_EQ(state.last_error, "");
  EXPECT_EQ(state.attempts, 1);
  EXPECT_GT(state.connected_since_ms, 1'600'000'000'000);  // after September 2020, in ms
  EXPECT_EQ(events.connects().front(), std::make_pair(true, std::string()));

  auto first = client->publish({"ack/one", "1", 1, false});
  ASSERT_TRUE(first.ok());
  auto second = client->publish({"ack/two", "2", 2, false});
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*first, *second);
  EXPECT_TRUE(events.wait_ack(*first));
  EXPECT_TRUE(events.wait_ack(*second));
  // QoS 0: on_ack fires once the message is written (there is no PUBACK).
  auto third = client->publish({"ack/three", "3", 0, false});
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(events.wait_ack(*third));
  client->stop();
  EXPECT_FALSE(client->connected());
}

INSTANTIATE_TEST_SUITE_P(Mqtt311And5, ClientProtocol, ::testing::Values(4, 5));

TEST(Client, SubscribesWithWildcardsAndReceives) {
  Events events;
  auto client = connected_client(shared_broker->url(), events, {"house/+/power", "meter/#"});
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->publish({"house/kitchen/power", "1200", 1, false}).ok());
  ASSERT_TRUE(client->publish({"house/kitchen/energy", "5", 1, false}).ok());
  ASSERT_TRUE(client->publish({"meter/a/b", "x", 1, false}).ok());
  ASSERT_TRUE(client->publish({"meter", "top", 1, false}).ok());
  ASSERT_TRUE(client->publish({"meter/end", "", 1, false}).ok());
  ASSERT_TRUE(events.wait_message("meter/end", ""));
  // From one publisher, QoS 1, one subscriber: in order, and the energy
  // topic matches neither filter.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"house/kitchen/power", "1200"}, {"meter/a/b", "x"}, {"meter", "top"}, {"meter/end", ""}};
  EXPECT_EQ(events.messages(), expected);
}

TEST(Client, SubscribeWhileConnectedAndBadFilters) {
  Events events;
  auto client = connected_client(shared_broker->url(), events);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->subscribe("late/#", 1).ok());
  ASSERT_TRUE(client->publish({"late/x", "here", 1, false}).ok());
  EXPECT_TRUE(events.wait_message("late/x", "here"));
  EXPECT_FALSE(client->subscribe("a/#/b", 1).ok());
  EXPECT_FALSE(client->subscribe("a", 3).ok());
  auto bad_topic = client->publish({"a/+", "x", 1, false});
  ASSERT_FALSE(bad_topic.ok());
  EXPECT_EQ(bad_topic.error().kind, common::ErrorKind::kInvalidArgument);
}

TEST(Client, RetainedMessageReachesALaterSubscriber) {
  Events publisher_events;
  auto publisher = connected_client(shared_broker->url(), publisher_events);
  ASSERT_NE(publisher, nullptr);
  auto id = publisher->publish({"retained/site/status", "online", 1, true});
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(publisher_events.wait_ack(*id));
  publisher->stop();

  Events events;
  auto subscriber = connected_client(shared_broker->url(), events, {"retained/#"});
  ASSERT_NE(subscriber, nullptr);
  EXPECT_TRUE(events.wait_message("retained/site/status", "online"));
}

TEST(Client, CleanStopPublishesLastAndNoWill) {
  Events observer_events;
  auto observer = connected_client(shared_broker->url(), observer_events, {"clean/#"});
  ASSERT_NE(observer, nullptr);

  ClientOptions options = options_for(shared_broker->url());
  options.will = Message{"clean/status", "lost", 1, false};
  auto client = make_client(options);
  ASSERT_NE(client, nullptr);
  Events events;
  events.attach(*client);
  ASSERT_TRUE(client->start().ok());
  ASSERT_TRUE(events.wait_connects(true, 1));
  client->stop(Message{"clean/status", "offline", 1, false});
  EXPECT_FALSE(client->connected());
  EXPECT_TRUE(observer_events.wait_message("clean/status", "offline"));
  // The broker handles the DISCONNECT before our later probes: had it sent
  // the will, it would be here before them.
  round_trip(*observer, observer_events, "clean/probe", 1);
  round_trip(*observer, observer_events, "clean/probe", 2);
  EXPECT_EQ(observer_events.count("clean/status", "lost"), 0u);
  client.reset();  // the destructor after stop() does nothing more
}

TEST(Client, DestructorStopsARunningClient) {
  Events events;
  auto client = connected_client(shared_broker->url(), events);
  ASSERT_NE(client, nullptr);
  client.reset();
}

// A child process holds a client with a last will; SIGKILL drops it without
// a DISCONNECT, so the broker publishes the will.
TEST(Client, WillReachesOthersWhenTheClientDies) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const std::string url = shared_broker->url();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    ClientOptions options = options_for(url);
    options.will = Message{"will/site/status", "lost", 1, false};
    auto client = Client::create(options);
    if (!client.ok() || !(*client)->start().ok() ||
        !eventually([&] { return (*client)->connected(); })) {
      _exit(1);
    }
    const char byte = 'c';
    if (write(ready[1], &byte, 1) != 1) {
      _exit(1);
    }
    for (;;) {
      pause();
    }
  }
  close(ready[1]);
  char byte = 0;
  const bool child_ready = read(ready[0], &byte, 1) == 1;
  close(ready[0]);
  Events events;
  auto observer = child_ready ? connected_client(url, events, {"will/#"}) : nullptr;
  if (observer != nullptr) {
    round_trip(*observer, events, "will/probe", 1);  // subscribed before the kill
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(child_ready);
  ASSERT_NE(observer, nullptr);
  EXPECT_TRUE(events.wait_message("will/site/status", "lost"));
}

// ---- outages ----

TEST(ClientOutage, ReconnectsAfterBrokerRestartAndRenewsSubscriptions) {
  MosquittoBroker broker;
  ASSERT_TRUE(broker.running());
  Events events;
  auto client = connected_client(broker.url(), events, {"renew/#"});
  ASSERT_NE(client, nullptr);

  broker.stop();
  ASSERT_TRUE(events.wait_connects(false, 1));
  EXPECT_FALSE(client->connected());
  EXPECT_THAT(client->state().last_error, StartsWith("connection lost: "));
  auto refused = client->publish({"renew/x", "lost", 1, false});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "not connected to " + broker.url());

  ASSERT_TRUE(broker.start());
  ASSERT_TRUE(events.wait_connects(true, 2)) << client->state().last_error;
  EXPECT_TRUE(client->connected());
  EXPECT_EQ(client->state().last_error, "");
  // The restarted broker kept nothing (no persistence): the message only
  // arrives if the client subscribed again.
  ASSERT_TRUE(client->publish({"renew/after", "back", 1, false}).ok());
  EXPECT_TRUE(events.wait_message("renew/after", "back"));
}

TEST(ClientOutage, ConnectsWhenTheBrokerComesUpAfterStart) {
  MosquittoBroker broker;
  broker.stop();
  Events events;
  auto client = make_client(options_for(broker.url()));
  ASSERT_NE(client, nullptr);
  events.attach(*client);
  ASSERT_TRUE(client->subscribe("late/start/#", 1).ok());
  ASSERT_TRUE(client->start().ok());
  ASSERT_TRUE(events.wait_connects(false, 2));
  const ConnectionState down = client->state();
  EXPECT_FALSE(down.connected);
  EXPECT_GE(down.attempts, 2);
  EXPECT_EQ(down.last_error, "connection refused: nothing accepts connections at " + broker.url());

  ASSERT_TRUE(broker.start());
  ASSERT_TRUE(events.wait_connects(true, 1)) << client->state().last_error;
  ASSERT_TRUE(client->publish({"late/start/x", "up", 1, false}).ok());
  EXPECT_TRUE(events.wait_message("late/start/x", "up"));
}

// stop() during a long back-off returns at once (a hang here shows as the
// test's timeout) and reports no further on_connect.
TEST(ClientOutage, StopDuringBackoffReturnsAndReportsNothingMore) {
  MosquittoBroker broker;
  broker.stop();
  ClientOptions options = options_for(broker.url());
  options.reconnect_min_s = 3600;
  options.reconnect_max_s = 3600;
  auto client = make_client(options);
  ASSERT_NE(client, nullptr);
  Events events;
  events.attach(*client);
  ASSERT_TRUE(client->start().ok());
  ASSERT_TRUE(events.wait_connects(false, 1));
  client->stop(Message{"status", "offline", 1, false});  // not connected: not sent
  EXPECT_EQ(events.connects().size(), 1u);
  EXPECT_EQ(client->state().attempts, 1);
  EXPECT_FALSE(client->connected());
}

// ---- accounts ----

class ClientAccounts : public ::testing::TestWithParam<int> {
 protected:
  static void SetUpTestSuite() {
    broker_ = new MosquittoBroker(MosquittoBroker::Options{{{"alice", "right horse"}}, "", "", ""});
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }
  static MosquittoBroker* broker_;
};
MosquittoBroker* ClientAccounts::broker_ = nullptr;

TEST_P(ClientAccounts, WrongPasswordIsNotAuthorised) {
  ASSERT_TRUE(broker_->running());
  ClientOptions options = options_for(broker_->url(), GetParam());
  options.username = "alice";
  options.password = "wrong battery";
  auto client = make_client(options);
  ASSERT_NE(client, nullptr);
  Events events;
  events.attach(*client);
  ASSERT_TRUE(client->start().ok());
  ASSERT_TRUE(events.wait_connects(false, 1));
  const ConnectionState state = client->state();
  EXPECT_FALSE(state.connected);
  EXPECT_EQ(state.last_error, "not authorised (wrong user or password)");
  EXPECT_EQ(events.connects().front().second, "not authorised (wrong user or password)");
  EXPECT_THAT(state.last_error, ::testing::Not(HasSubstr("battery")));
}

TEST_P(ClientAccounts, RightPasswordConnects) {
  ASSERT_TRUE(broker_->running());
  ClientOptions options =
      options_for("mqtt://alice@127.0.0.1:" + std::to_string(broker_->port()), GetParam());
  options.password = "right horse";
  auto client = make_client(options);
  ASSERT_NE(client, nullptr);
  Events events;
  events.attach(*client);
  ASSERT_TRUE(client->start().ok());
  EXPECT_TRUE(events.wait_connects(true, 1)) << client->state().last_error;
}

INSTANTIATE_TEST_SUITE_P(Mqtt311And5, ClientAccounts, ::testing::Values(4, 5));

// ---- TLS ----

// A throwaway CA, a server certificate it signed for 127.0.0.1 and
// localhost, and an unrelated second CA, made with the openssl command line.
class ClientTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char templ[] = "/tmp/kirchhoff-mqtt-tls-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = new std::string(templ);
    const std::string d = *dir_;
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string script =
        "cd " + d + " && " +  //
        "openssl req -x509 " + key +
        " -keyout ca.key -out ca.crt -days 2 -subj /CN=KirchhoffTestCA" + " && openssl req -x509 " +
        key + " -keyout other.key -out other.crt -days 2 -subj /CN=OtherCA" + " && openssl req " +
        key + " -keyout server.key -out server.csr -subj /CN=localhost" +
        " && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > ext.cnf" +
        " && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial" +
        " -out server.crt -days 2 -extfile ext.cnf";
    ASSERT_EQ(std::system((script + " >/dev/null 2>&1").c_str()), 0) << script;
    broker_ = new MosquittoBroker(
        MosquittoBroker::Options{{}, d + "/server.crt", d + "/server.key", d + "/ca.crt"});
  }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
    if (dir_ != nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(*dir_, ec);
      delete dir_;
      dir_ = nullptr;
    }
  }
  static MosquittoBroker* broker_;
  static std::string* dir_;
};
MosquittoBroker* ClientTls::broker_ = nullptr;
std::string* ClientTls::dir_ = nullptr;

TEST_F(ClientTls, ConnectsWithTheRightCa) {
  ASSERT_NE(broker_, nullptr);
  ASSERT_TRUE(broker_->running());
  ClientOptions options = options_for(broker_->url());
  EXPECT_TRUE(options.broker.tls);
  options.ca_file = *dir_ + "/ca.crt";
  auto client = make_client(options);
  ASSERT_NE(client, nullptr);
  Events events;
  events.attach(*client);
  ASSERT_TRUE(client->subscribe("tls/#", 1).ok());
  ASSERT_TRUE(client->start().ok());
  ASSERT_TRUE(events.wait_connects(true, 1)) << client->state().last_error;
  ASSERT_TRUE(client->publish({"tls/x", "secure", 1, false}).ok());
  EXPECT_TRUE(events.wait_message("tls/x", "secure"));
}

TEST_F(ClientTls, FailsWithAnotherCa) {
  ASSERT_NE(broker_, nullptr);
  ASSERT_TRUE(broker_->running());
  ClientOptions options = options_for(broker_->url());
  options.ca_file = *dir_ + "/other.crt";
  auto client = make_client(options);
  ASSERT_NE(client, nullptr);
  Events events;
  events.attach(*client);
  ASSERT_TRUE(client->start().ok());
  ASSERT_TRUE(events.wait_connects(false, 1));
  const ConnectionState state = client->state();
  EXPECT_FALSE(state.connected);
  EXPECT_THAT(state.last_error, StartsWith("TLS: "));
  EXPECT_THAT(state.last_error, HasSubstr("certificate"));
  // And it keeps trying (a TLS failure is not the end of the thread).
  EXPECT_TRUE(events.wait_connects(false, 2));
}

}  // namespace
}  // namespace kirchhoff::mqtt
