// The poll step of a P1 meter on a scripted byte source: reconnects after a
// failure, the newest good telegram wins, bad telegrams are errors that keep
// the connection. Telegrams from tests/data/p1 (see its README); expected
// values read off their text.
#include "devices/p1/meter.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "common/text.hpp"

namespace kirchhoff::devices::p1 {
namespace {

std::string telegram_file(const std::string& name) {
  return common::read_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/tests/data/p1/" + name)
      .value_or("");
}

// Replays a script of reads: bytes, or an error; empty reads once it ends.
class ScriptedSource final : public ByteSource {
 public:
  explicit ScriptedSource(std::deque<common::Result<std::string>> script)
      : script_(std::move(script)) {}
  common::Result<std::string> read_some(int /*timeout_ms*/) override {
    if (script_.empty()) {
      return std::string();
    }
    auto next = std::move(script_.front());
    script_.pop_front();
    return next;
  }
  const std::string& endpoint() const override { return endpoint_; }

 private:
  std::deque<common::Result<std::string>> script_;
  std::string endpoint_ = "scripted";
};

common::Error closed() {
  return common::make_error(common::ErrorKind::kIoError, "P1 scripted: closed by the peer");
}

TEST(P1Meter, NewestGoodTelegramAndReconnect) {
  const std::string dsmr50 = telegram_file("dsmr50.txt");
  const std::string fluvius = telegram_file("emucs_fluvius.txt");
  int opened = 0;
  Meter meter("scripted", [&]() -> common::Result<std::unique_ptr<ByteSource>> {
    ++opened;
    if (opened == 1) {
      std::deque<common::Result<std::string>> script;
      script.emplace_back(dsmr50.substr(0, 300));
      script.emplace_back(dsmr50.substr(300) + fluvius);  // two complete: the newer wins
      script.emplace_back(dsmr50.substr(0, 100));         // lost with the connection
      script.emplace_back(closed());
      return std::unique_ptr<ByteSource>(new ScriptedSource(std::move(script)));
    }
    if (opened == 2) {
      return common::make_error(common::ErrorKind::kIoError, "P1 scripted: refused");
    }
    std::deque<common::Result<std::string>> script;
    script.emplace_back(dsmr50.substr(100));  // the rest of a telegram: garbage now
    script.emplace_back(dsmr50);
    return std::unique_ptr<ByteSource>(new ScriptedSource(std::move(script)));
  });
  auto first = meter.poll(0, 7);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  EXPECT_TRUE(meter.connected());

  auto second = meter.poll(0, 7);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(second->has_value());
  EXPECT_EQ((*second)->telegram.header, "FLU5\\253769484_A");
  EXPECT_DOUBLE_EQ(*(*second)->reading.month_peak_w, 2589.0);  // 1-0:1.6.0 02.589 kW

  ASSERT_TRUE(meter.poll(0, 7).ok());
  auto failed = meter.poll(0, 7);
  ASSERT_FALSE(failed.ok());
  EXPECT_FALSE(meter.connected());

  auto refused = meter.poll(0, 7);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("refused"), std::string::npos);

  auto rest = meter.poll(0, 7);
  ASSERT_TRUE(rest.ok());
  EXPECT_FALSE(rest->has_value());
  auto again = meter.poll(0, 7);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->has_value());
  EXPECT_DOUBLE_EQ(*(*again)->reading.power_w, 244.0);  // 1-0:1.7.0 00.244 kW
  EXPECT_EQ(opened, 3);
}

TEST(P1Meter, BadTelegramIsAnErrorThatKeepsTheConnection) {
  const std::string bad = telegram_file("bad_crc.txt");
  const std::string good = telegram_file("dsmr22.txt");  // no time: stamped with "now"
  Meter meter("scripted", [&]() -> common::Result<std::unique_ptr<ByteSource>> {
    std::deque<common::Result<std::string>> script;
    script.emplace_back(bad);
    script.emplace_back(bad + good);
    return std::unique_ptr<ByteSource>(new ScriptedSource(std::move(script)));
  });
  auto damaged = meter.poll(0, 1000);
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.error().kind, common::ErrorKind::kCorruption);
  EXPECT_NE(damaged.error().message.find("P1 scripted: "), std::string::npos);
  EXPECT_TRUE(meter.connected());
  auto mixed = meter.poll(0, 1000);
  ASSERT_TRUE(mixed.ok());
  ASSERT_TRUE(mixed->has_value());
  EXPECT_EQ((*mixed)->reading.unix_ms, 1000);
  EXPECT_DOUBLE_EQ(*(*mixed)->reading.gas_m3, 1.001);
  EXPECT_EQ(meter.bad_telegrams(), 2u);
}

TEST(P1Meter, UnreachableAddressIsAnError) {
  Meter meter(MeterOptions{"/dev/nonexistent-p1"});
  auto result = meter.poll(0, 0);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("/dev/nonexistent-p1"), std::string::npos);
  EXPECT_FALSE(meter.connected());
}

}  // namespace
}  // namespace kirchhoff::devices::p1
