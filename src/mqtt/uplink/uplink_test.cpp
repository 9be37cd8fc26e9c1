// The uplink against a real mosquitto broker (tests/peers/mosquitto_broker.hpp)
// with a subscriber collecting what the backend would get. Outages are made
// by killing the broker (kill -9) and starting it again on the same port.
// Times of points are synthetic; rates are unlimited so that the tests run
// in seconds; nothing asserts on the wall clock (waits have a generous
// deadline only so that a failure ends).
#include "mqtt/uplink/uplink.hpp"

#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "tests/peers/mosquitto_broker.hpp"

namespace kirchhoff::mqtt::uplink {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kT0 = 1780272000000;  // 2026-06-01T00:00:00Z

// Polls `done` until it holds or `limit` passes.
template <typename F>
bool eventually(F done, std::chrono::milliseconds limit = 30s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) {
      return false;
    }
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

struct Received {
  std::string site;
  std::vector<OutboxPoint> points;
};

class UplinkTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { broker_ = new tests::MosquittoBroker(); }
  static void TearDownTestSuite() {
    delete broker_;
    broker_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(broker_->running()) << "mosquitto did not start";
    static int counter = 0;
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    // The process id keeps runs apart should two of them share a broker.
    base_ = "test/" + std::to_string(::getpid()) + "/" + name + "/" + std::to_string(++counter);
    topic_ = base_ + "/uplink";
    dir_ = std::filesystem::temp_directory_path() /
           ("kirchhoff_uplink_test_" + std::to_string(::getpid()) + "_" + name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);

    // The backend: every message on the uplink topic, in arrival order.
    subscriber_ = make_client();
    ASSERT_TRUE(subscriber_);
    subscriber_->on_message([this](const std::string& topic, const std::string& payload) {
      std::lock_guard lock(mutex_);
      if (topic == base_ + "/probe") {
        probes_.insert(payload);
        return;
      }
      received_.push_back(parse(payload));
    });
    subscriber_->on_connect(
        [this](bool connected, const std::string&) { subscriber_connects_ += connected ? 1 : 0; });
    ASSERT_TRUE(subscriber_->subscribe(base_ + "/#", 1).ok());
    ASSERT_TRUE(subscriber_->start().ok());

    // The daemon's client: its handlers fan out to the uplink of the
    // moment (the test replaces it to simulate a restart). A connection is
    // passed on only while the gate is open: after an outage the test opens
    // it once the subscriber listens again, so that nothing the broker
    // accepts is lost for want of a subscriber (a backend with a persistent
    // session would not need this).
    client_ = make_client();
    ASSERT_TRUE(client_);
    client_->on_ack([this](int id) {
      std::lock_guard lock(uplink_mutex_);
      if (uplink_ && forward_acks_) {
        uplink_->handle_ack(id);
      }
    });
    client_->on_connect([this](bool connected, const std::string&) {
      std::lock_guard lock(uplink_mutex_);
      client_connects_ += connected ? 1 : 0;
      if (uplink_ && (!connected || gate_open_)) {
        uplink_->handle_connection(connected);
      }
    });
    ASSERT_TRUE(client_->start().ok());
    ASSERT_TRUE(eventually([&] { return client_->connected() && subscriber_->connected(); }));
    ASSERT_TRUE(wait_subscriber_listens());
  }

  void TearDown() override {
    stop_uplink();
    if (client_) {
      client_->stop();
    }
    if (subscriber_) {
      subscriber_->stop();
    }
    std::filesystem::remove_all(dir_);
  }

  static Received parse(const std::string& payload) {
    Received r;
    const auto json = nlohmann::json::parse(payload, nullptr, false);
    if (!json.is_object() || !json.contains("site") || !json.contains("points")) {
      ADD_FAILURE() << "not an uplink batch: " << payload;
      return r;
    }
    r.site = json["site"].get<std::string>();
    for (const auto& p : json["points"]) {
      r.points.push_back(
          {p["series"].get<std::string>(), p["t"].get<std::int64_t>(), p["v"].get<double>()});
    }
    return r;
  }

  std::unique_ptr<Client> make_client() {
    ClientOptions options;
    auto url = parse_broker_url(broker_->url());
    EXPECT_TRUE(url.ok());
    options.broker = *url;
    options.keepalive_s = 5;
    options.reconnect_min_s = 1;
    options.reconnect_max_s = 1;
    auto client = Client::create(options);
    EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().message);
    return client.ok() ? std::move(*client) : nullptr;
  }

  // The subscriber receives its own probe: its subscription is in force.
  bool wait_subscriber_listens() {
    static int probe = 0;
    const std::string text = std::to_string(++probe);
    return eventually([&] {
      {
        std::lock_guard lock(mutex_);
        if (probes_.count(text) > 0) {
          return true;
        }
      }
      (void)subscriber_->publish(Message{base_ + "/probe", text, 1, false});
      std::this_thread::sleep_for(20ms);
      std::lock_guard lock(mutex_);
      return probes_.count(text) > 0;
    });
  }

  void start_uplink(UplinkOptions options) {
    auto outbox = Outbox::open((dir_ / "uplink.db").string());
    ASSERT_TRUE(outbox.ok()) << outbox.error().message;
    outbox_ = std::move(*outbox);
    options.topic = topic_;
    options.site_slug = "home-4711";
    auto uplink = std::make_unique<Uplink>(*outbox_, *client_, options);
    {
      std::lock_guard lock(uplink_mutex_);
      uplink_ = uplink.get();
    }
    ASSERT_TRUE(uplink->start().ok());
    uplink_owner_ = std::move(uplink);
  }

  void stop_uplink() {
    {
      std::lock_guard lock(uplink_mutex_);
      uplink_ = nullptr;
    }
    uplink_owner_.reset();
    outbox_.reset();
  }

  // The broker's acknowledgement means it has the message, not that a
  // subscriber has: a broker killed with -9 (and without persistence) loses
  // what it had queued for subscribers. So the uplink is told of the outage
  // first (nothing leaves after that; a batch in flight is forgotten and will
  // be sent again), the subscriber is given the time to receive every point
  // the uplink removed from its outbox (of `appended` points in all), and
  // only then the broker dies.
  void outage_begins(std::size_t appended) {
    {
      std::lock_guard lock(uplink_mutex_);
      gate_open_ = false;
      if (uplink_) {
        uplink_->handle_connection(false);
      }
    }
    ++outages_;
    ASSERT_TRUE(eventually([&] {
      const auto left = outbox_ ? static_cast<std::size_t>(outbox_->stats().points) : 0;
      return left >= appended || distinct_received() >= appended - left;
    }));
    broker_->stop();
    ASSERT_TRUE(eventually([&] { return !client_->connected() && !subscriber_->connected(); }));
  }

  void outage_ends() {
    ASSERT_TRUE(broker_->start());
    ASSERT_TRUE(eventually([&] { return subscriber_->connected(); }));
    ASSERT_TRUE(wait_subscriber_listens());
    std::lock_guard lock(uplink_mutex_);
    gate_open_ = true;
    if (uplink_) {
      uplink_->handle_connection(client_->connected());
    }
  }

  std::vector<Received> received() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::size_t distinct_received() {
    std::lock_guard lock(mutex_);
    std::set<std::pair<std::string, std::int64_t>> distinct;
    for (const auto& r : received_) {
      for (const auto& p : r.points) {
        distinct.insert({p.series, p.t_ms});
      }
    }
    return distinct.size();
  }
  std::size_t received_points() {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& r : received_) {
      n += r.points.size();
    }
    return n;
  }

  static tests::MosquittoBroker* broker_;
  std::string base_;
  std::string topic_;
  std::filesystem::path dir_;
  std::unique_ptr<Client> subscriber_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Uplink> uplink_owner_;

  std::mutex uplink_mutex_;
  Uplink* uplink_ = nullptr;
  bool gate_open_ = true;
  bool forward_acks_ = true;

  // Diagnostics: connections made (each outage should add one of each).
  std::atomic<int> subscriber_connects_{0};
  std::atomic<int> client_connects_{0};
  int outages_ = 0;

  std::mutex mutex_;
  std::vector<Received> received_;
  std::set<std::string> probes_;
};

tests::MosquittoBroker* UplinkTest::broker_ = nullptr;

TEST(UplinkJson, PayloadHasTheDocumentedShapeAndRoundTrips) {
  Batch batch;
  // 0.1 + 0.2 needs 17 significant digits (0.30000000000000004).
  batch.points = {{"Grid/p_w", kT0, 1234.5}, {"voltage/L1/v_ln", kT0, 0.1 + 0.2}};
  const std::string text = batch_json("home-4711", batch);
  EXPECT_EQ(text, R"({"points":[{"series":"Grid/p_w","t":1780272000000,"v":1234.5},)"
                  R"({"series":"voltage/L1/v_ln","t":1780272000000,"v":0.30000000000000004}],)"
                  R"("site":"home-4711"})");
  const auto back = nlohmann::json::parse(text);
  EXPECT_EQ(back["points"][1]["v"].get<double>(), 0.1 + 0.2);
  // A name that is not UTF-8 does not throw (json_text replaces it).
  batch.points = {{"bad\xff", kT0, 1.0}};
  EXPECT_NE(batch_json("home-4711", batch).find("bad\xEF\xBF\xBD"), std::string::npos);
}

TEST_F(UplinkTest, LiveFlowDeliversEveryPointOnceInOrder) {
  UplinkOptions options;
  options.batches_per_s = 0;
  start_uplink(options);
  // Three cycles of a small site, appended while the uplink runs.
  for (int k = 0; k < 3; ++k) {
    ASSERT_TRUE(outbox_
                    ->append(kT0 + k * 1000, {{"Grid/p_w", 1000.0 + k},
                                              {"voltage/L1/v_ln", 230.25},
                                              {"site/frequency_hz", 49.998}})
                    .ok());
    uplink_->notify();
  }
  ASSERT_TRUE(eventually([&] { return received_points() >= 9 && outbox_->stats().points == 0; }));
  std::vector<OutboxPoint> all;
  for (const auto& r : received()) {
    EXPECT_EQ(r.site, "home-4711");
    all.insert(all.end(), r.points.begin(), r.points.end());
  }
  ASSERT_EQ(all.size(), 9u);  // acknowledged, so not sent twice
  for (int k = 0; k < 3; ++k) {
    const auto i = static_cast<std::size_t>(3 * k);
    EXPECT_EQ(all[i].series, "Grid/p_w");
    EXPECT_EQ(all[i].t_ms, kT0 + k * 1000);
    EXPECT_EQ(all[i].value, 1000.0 + k);
    EXPECT_EQ(all[i + 1].series, "voltage/L1/v_ln");
    EXPECT_EQ(all[i + 1].value, 230.25);
    EXPECT_EQ(all[i + 2].series, "site/frequency_hz");
    EXPECT_EQ(all[i + 2].value, 49.998);
  }
  const auto status = uplink_->status();
  EXPECT_TRUE(status.connected);
  EXPECT_EQ(status.outbox_points, 0);
  EXPECT_EQ(status.oldest_unsent_ms, 0);
  EXPECT_EQ(status.acked_points, 9);
  EXPECT_EQ(status.sent_batches, static_cast<std::int64_t>(received().size()));
  EXPECT_EQ(status.resent_batches, 0);
}

TEST_F(UplinkTest, BatchesHoldAtMostMaxPoints) {
  // 30 cycles of 40 series = 1200 points waiting before the uplink starts:
  // a full batch of 1000 (the 25th frame ends it exactly), then 200.
  {
    auto outbox = Outbox::open((dir_ / "uplink.db").string());
    ASSERT_TRUE(outbox.ok());
    for (int k = 0; k < 30; ++k) {
      std::vector<std::pair<std::string, double>> points;
      for (int s = 0; s < 40; ++s) {
        points.emplace_back("load" + std::to_string(s) + "/p_w", k);
      }
      ASSERT_TRUE((*outbox)->append(kT0 + k * 1000, points).ok());
    }
  }
  UplinkOptions options;
  options.batches_per_s = 0;
  start_uplink(options);
  ASSERT_TRUE(eventually([&] { return received_points() >= 1200; }));
  std::vector<std::size_t> sizes;
  for (const auto& r : received()) {
    sizes.push_back(r.points.size());
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1000, 200}));
}

TEST_F(UplinkTest, UnacknowledgedBatchIsSentAgainFromTheSamePoint) {
  {
    std::lock_guard lock(uplink_mutex_);
    forward_acks_ = false;  // the acknowledgements never reach the uplink
  }
  UplinkOptions options;
  options.batches_per_s = 0;
  options.ack_timeout = 100ms;
  start_uplink(options);
  ASSERT_TRUE(outbox_->append(kT0, {{"a", 1.0}, {"b", 2.0}}).ok());
  uplink_->notify();
  ASSERT_TRUE(eventually([&] { return received().size() >= 3; }));
  for (const auto& r : received()) {
    ASSERT_EQ(r.points.size(), 2u);
    EXPECT_EQ(r.points[0].series, "a");
    EXPECT_EQ(r.points[1].series, "b");
  }
  const auto status = uplink_->status();
  EXPECT_EQ(status.outbox_points, 2);  // never removed without an ack
  EXPECT_EQ(status.acked_points, 0);
  EXPECT_GE(status.resent_batches, 2);
  {
    std::lock_guard lock(uplink_mutex_);
    forward_acks_ = true;
  }
  ASSERT_TRUE(eventually([&] { return outbox_->stats().points == 0; }));
}

TEST_F(UplinkTest, StatusWhileTheBrokerIsDown) {
  UplinkOptions options;
  options.batches_per_s = 0;
  start_uplink(options);
  outage_begins(0);
  ASSERT_TRUE(outbox_->append(kT0, {{"a", 1.0}, {"b", 2.0}}).ok());
  ASSERT_TRUE(outbox_->append(kT0 + 1000, {{"a", 1.5}}).ok());
  ASSERT_TRUE(eventually([&] { return !uplink_->status().connected; }));
  auto status = uplink_->status();
  EXPECT_EQ(status.outbox_points, 3);
  EXPECT_EQ(status.oldest_unsent_ms, kT0);
  outage_ends();
  // The uplink removes acknowledged points from the outbox before it counts
  // them (outside its lock): wait for both, or a status read in between
  // sees an empty outbox and no points acknowledged yet.
  ASSERT_TRUE(eventually([&] {
    const auto s = uplink_->status();
    return s.outbox_points == 0 && s.acked_points == 3;
  }));
  status = uplink_->status();
  EXPECT_TRUE(status.connected);
  EXPECT_EQ(status.acked_points, 3);
}

// Property: over random outage patterns (seeded), with the outbox and the
// uplink thrown away and reopened in the middle of some outages (a daemon
// restart), every appended (series, t) arrives at least once; in arrival
// order each series' new points come with increasing t; a message repeats
// points only as a resend: its repeated points are a prefix of it, and it
// starts at the first point of an earlier message.
TEST_F(UplinkTest, OutagePatternsLoseNothingAndKeepOrder) {
  constexpr int kPatterns = 20;
  constexpr int kSeriesCount = 5;
  std::mt19937 rng(20261204);
  std::int64_t next_frame = 0;  // frames keep counting across patterns
  UplinkOptions options;
  options.batches_per_s = 0;
  options.max_points = 7;  // smaller than two frames: frames are split
  start_uplink(options);
  std::map<std::pair<std::string, std::int64_t>, double> appended;
  for (int pattern = 0; pattern < kPatterns; ++pattern) {
    SCOPED_TRACE("pattern " + std::to_string(pattern));
    const int frames = 40 + static_cast<int>(rng() % 80);
    const int outages = 1 + static_cast<int>(rng() % 2);
    std::set<int> starts;
    while (static_cast<int>(starts.size()) < outages) {
      starts.insert(static_cast<int>(rng() % static_cast<unsigned>(frames)));
    }
    std::map<int, int> ends;  // start → end frame index
    for (int s : starts) {
      ends[s] = s + 1 + static_cast<int>(rng() % 30);
    }
    const bool restart = rng() % 2 == 0;
    std::optional<int> outage_end;
    for (int f = 0; f < frames || outage_end; ++f) {
      if (!outage_end && ends.count(f) > 0) {
        outage_begins(appended.size());
        outage_end = ends[f];
        if (restart) {
          stop_uplink();  // the daemon stops (or dies) and starts again
          start_uplink(options);
        }
      }
      if (outage_end && f >= *outage_end) {
        outage_ends();
        outage_end.reset();
      }
      std::vector<std::pair<std::string, double>> points;
      const std::int64_t t = kT0 + next_frame * 1000;
      for (int s = 0; s < kSeriesCount; ++s) {
        // Some cycles lack a series (a device did not answer).
        if ((next_frame + s) % 7 == 3) {
          continue;
        }
        const std::string series = "load" + std::to_string(s) + "/p_w";
        const double value = static_cast<double>(next_frame) + s * 0.1;
        points.emplace_back(series, value);
        appended[{series, t}] = value;
      }
      ++next_frame;
      ASSERT_TRUE(outbox_->append(t, points).ok());
      uplink_->notify();
      if (f % 8 == 0) {
        std::this_thread::sleep_for(1ms);  // let the sender interleave
      }
    }
  }
  ASSERT_TRUE(eventually([&] { return outbox_->stats().points == 0; }, 60s))
      << outbox_->stats().points << " points still in the outbox";
  // The broker acknowledges the last message to the uplink before the
  // subscriber has it: let it arrive (what is still missing after that is
  // reported below).
  (void)eventually(
      [&] {
        std::set<std::pair<std::string, std::int64_t>> got;
        for (const auto& message : received()) {
          for (const auto& p : message.points) {
            got.insert({p.series, p.t_ms});
          }
        }
        return got.size() >= appended.size();
      },
      10s);

  const auto messages = received();
  std::set<std::pair<std::string, std::int64_t>> seen;
  std::set<std::pair<std::string, std::int64_t>> first_points;
  std::map<std::string, std::int64_t> newest;
  std::size_t repeats = 0;
  for (std::size_t m = 0; m < messages.size(); ++m) {
    const auto& points = messages[m].points;
    ASSERT_FALSE(points.empty());
    ASSERT_LE(points.size(), options.max_points);
    const std::pair<std::string, std::int64_t> first{points[0].series, points[0].t_ms};
    std::size_t prefix = 0;
    while (prefix < points.size() && seen.count({points[prefix].series, points[prefix].t_ms})) {
      ++prefix;
    }
    if (prefix > 0) {
      ++repeats;
      EXPECT_TRUE(first_points.count(first) > 0)
          << "message " << m << " repeats points but does not start where an earlier one did";
    }
    first_points.insert(first);
    for (std::size_t i = prefix; i < points.size(); ++i) {
      const auto& p = points[i];
      ASSERT_TRUE(seen.insert({p.series, p.t_ms}).second)
          << "message " << m << " repeats " << p.series << " at " << p.t_ms << " after new points";
      auto it = newest.find(p.series);
      ASSERT_TRUE(it == newest.end() || it->second < p.t_ms)
          << p.series << " went back in time in message " << m;
      newest[p.series] = p.t_ms;
      auto a = appended.find({p.series, p.t_ms});
      ASSERT_NE(a, appended.end()) << "never appended: " << p.series << " at " << p.t_ms;
      EXPECT_EQ(a->second, p.value);
    }
  }
  std::string missing;
  for (const auto& [key, value] : appended) {
    if (seen.count(key) == 0 && missing.size() < 400) {
      missing += " " + key.first + "@" + std::to_string((key.second - kT0) / 1000);
    }
  }
  EXPECT_EQ(seen.size(), appended.size())
      << "points were lost:" << missing << "; connections: subscriber " << subscriber_connects_
      << ", uplink client " << client_connects_ << ", outages " << outages_;
  // For the record (not a property): how many resends the patterns caused.
  std::printf("%zu messages, %zu of them resends, %zu points\n", messages.size(), repeats,
              appended.size());
}

}  // namespace
}  // namespace kirchhoff::mqtt::uplink
