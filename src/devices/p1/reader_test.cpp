// The telegram reader on byte streams: whole, byte by byte, with garbage,
// cut short and oversized. Telegrams from tests/data/p1 (see its README).
#include "devices/p1/reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/text.hpp"

namespace kirchhoff::devices::p1 {
namespace {

std::string telegram_file(const std::string& name) {
  return common::read_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/tests/data/p1/" + name)
      .value_or("");
}

std::vector<std::string> drain(TelegramReader& reader) {
  std::vector<std::string> out;
  while (auto telegram = reader.next()) {
    out.push_back(*telegram);
  }
  return out;
}

TEST(P1Reader, WholeTelegramsBackToBack) {
  const std::string a = telegram_file("dsmr50.txt");
  const std::string b = telegram_file("emucs_fluvius.txt");
  TelegramReader reader;
  reader.feed(a + b);
  const auto out = drain(reader);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], a);
  EXPECT_EQ(out[1], b);
  EXPECT_EQ(reader.dropped_bytes(), 0u);
  EXPECT_EQ(reader.buffered_bytes(), 0u);
  EXPECT_TRUE(parse_telegram(out[0]).ok());
  EXPECT_TRUE(parse_telegram(out[1]).ok());
}

TEST(P1Reader, ByteByByte) {
  const std::string a = telegram_file("dsmr42.txt");
  const std::string b = telegram_file("dsmr22.txt");  // no CRC: ends at "!\r\n"
  const std::string stream = a + b + a;
  TelegramReader reader;
  std::vector<std::string> out;
  for (char c : stream) {
    reader.feed(std::string_view(&c, 1));
    while (auto telegram = reader.next()) {
      out.push_back(*telegram);
    }
  }
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], a);
  EXPECT_EQ(out[1], b);
  EXPECT_EQ(out[2], a);
}

TEST(P1Reader, GarbageBetweenTelegramsIsDropped) {
  const std::string a = telegram_file("dsmr50.txt");
  // Noise without '/': line noise, a stray end line, a lone value.
  const std::string noise1("\x00\xff\r\n!1234\r\n", 10);
  const std::string noise2 = "(123)*kWh\r\n\r\n";
  TelegramReader reader;
  reader.feed(noise1 + a + noise2 + a + noise1);
  const auto out = drain(reader);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], a);
  EXPECT_EQ(out[1], a);
  EXPECT_EQ(reader.dropped_bytes(), 2 * noise1.size() + noise2.size());
}

TEST(P1Reader, ResynchronisesOnANewHeader) {
  // A telegram cut short mid-line (a reconnect, a lost cable) and then a
  // whole one: the reader drops the first and delivers the second intact.
  const std::string full = telegram_file("dsmr50.txt");
  const std::string cut = full.substr(0, 400);
  ASSERT_NE(cut.back(), '\n');
  TelegramReader reader;
  reader.feed(cut + full);
  const auto out = drain(reader);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], full);
  EXPECT_EQ(reader.dropped_bytes(), 400u);
}

TEST(P1Reader, OversizedTelegramIsDroppedAndTheNextOneReadable) {
  const std::string good = telegram_file("dsmr22.txt");
  TelegramReader reader(1024);
  std::string huge = "/ISK5\\2M550T-1012\r\n\r\n";
  huge += std::string(5000, '0');
  reader.feed(huge);
  EXPECT_LE(reader.buffered_bytes(), 1024u);
  reader.feed("\r\n!ABCD\r\n" + good);
  const auto out = drain(reader);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], good);
  EXPECT_GE(reader.dropped_bytes(), 5000u);
}

TEST(P1Reader, ResetForgetsThePartialTelegram) {
  const std::string a = telegram_file("dsmr50.txt");
  TelegramReader reader;
  reader.feed(a.substr(0, 100));
  EXPECT_EQ(reader.buffered_bytes(), 100u);
  reader.reset();
  EXPECT_EQ(reader.buffered_bytes(), 0u);
  reader.feed(a.substr(100));  // the rest alone is garbage
  EXPECT_FALSE(reader.next().has_value());
  reader.feed(a);
  EXPECT_EQ(reader.next(), a);
}

TEST(P1Reader, EndLineWithoutLineEndEndsAtTheNextHeader) {
  std::string a = telegram_file("dsmr50.txt");
  a.resize(a.size() - 2);  // "...!6EEE" without CR LF
  const std::string b = telegram_file("dsmr50.txt");
  TelegramReader reader;
  reader.feed(a + b);
  const auto out = drain(reader);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], a);
  EXPECT_TRUE(parse_telegram(out[0]).ok());
  EXPECT_EQ(out[1], b);
}

TEST(P1Reader, KeepsAtMostEightUnreadTelegrams) {
  const std::string a = telegram_file("dsmr22.txt");
  TelegramReader reader;
  for (int i = 0; i < 10; ++i) {
    reader.feed(a);
  }
  EXPECT_EQ(drain(reader).size(), 8u);
  EXPECT_EQ(reader.dropped_bytes(), 2 * a.size());
}

}  // namespace
}  // namespace kirchhoff::devices::p1
