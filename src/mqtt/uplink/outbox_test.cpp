#include "mqtt/uplink/outbox.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <thread>

namespace kirchhoff::mqtt::uplink {
namespace {

constexpr std::int64_t kT0 = 1780272000000;  // 2026-06-01T00:00:00Z

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kirchhoff_outbox_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "uplink.db").string(); }

  std::unique_ptr<Outbox> open(OutboxOptions options = {}) {
    auto outbox = Outbox::open(path(), options);
    EXPECT_TRUE(outbox.ok()) << (outbox.ok() ? "" : outbox.error().message);
    return outbox.ok() ? std::move(*outbox) : nullptr;
  }

  std::filesystem::path dir_;
};

// Every point of the outbox, oldest first, by peeking and removing
// batches of `batch` points.
std::vector<OutboxPoint> drain(Outbox& outbox, std::size_t batch) {
  std::vector<OutboxPoint> all;
  for (;;) {
    auto b = outbox.peek(batch);
    EXPECT_TRUE(b.ok());
    if (!b.ok() || !b->has_value()) {
      return all;
    }
    EXPECT_LE((*b)->points.size(), batch);
    all.insert(all.end(), (*b)->points.begin(), (*b)->points.end());
    EXPECT_TRUE(outbox.remove_through((*b)->end).ok());
  }
}

TEST(OutboxPacking, ValuesComeBackBitForBit) {
  // Integers, one and three decimals, values that need all 17 digits,
  // negative zero, huge and tiny numbers: each must decode to the same bits.
  const std::vector<double> values = {0.0,
                                      -0.0,
                                      1.0,
                                      -1.0,
                                      1234.5,
                                      -987.6,
                                      230.01,
                                      49.998,
                                      0.1 * 3,
                                      1.0 / 3.0,
                                      1e300,
                                      -1e-300,
                                      4.9e-324,
                                      123456789012.345,
                                      9007199254740993.0,
                                      std::numeric_limits<double>::max()};
  std::string data;
  for (std::size_t i = 0; i < values.size(); ++i) {
    encode_point(static_cast<int>(i + 1), values[i], data);
  }
  auto decoded = decode_frame(data, static_cast<std::int64_t>(values.size()));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ((*decoded)[i].first, static_cast<int>(i + 1));
    EXPECT_EQ(std::bit_cast<std::uint64_t>((*decoded)[i].second),
              std::bit_cast<std::uint64_t>(values[i]))
        << values[i];
  }
}

TEST(OutboxPacking, SmallSizes) {
  // Hand count: id 1 is one byte; 1234.5 W = 12345 tenths, zigzag 24690,
  // << 2 | 1 = 98761 needs 17 bits: three varint bytes. A raw double: one
  // byte for the code and eight for the value.
  std::string data;
  encode_point(1, 1234.5, data);
  EXPECT_EQ(data.size(), 4u);
  data.clear();
  encode_point(1, 1.0 / 3.0, data);
  EXPECT_EQ(data.size(), 10u);
}

TEST(OutboxPacking, MalformedFramesAreRefused) {
  std::string data;
  encode_point(7, 1.5, data);
  EXPECT_FALSE(decode_frame(data, 2).ok());                     // one point short
  EXPECT_FALSE(decode_frame(data + "x", 1).ok());               // bytes left over
  EXPECT_FALSE(decode_frame(data.substr(0, 1), 1).ok());        // cut inside
  EXPECT_FALSE(decode_frame(std::string(12, '\xff'), 1).ok());  // endless varint
  EXPECT_FALSE(decode_frame(data, -1).ok());
  EXPECT_FALSE(decode_frame(std::string("\x01\x03\x00", 3), 1).ok());  // raw value cut short
}

TEST(OutboxPacking, RoundedValuesPackSmall) {
  // 0.1 W, 0.01 V and 0.001 Wh resolutions: each rounds to the decimal and
  // packs as an integer code (fewer than 9 bytes), never as a raw double.
  for (const auto& [value, decimals] : std::vector<std::pair<double, int>>{
           {1234.5678, 1}, {230.014, 2}, {18234567.12345, 3}, {-0.06, 1}, {49.9981, 3}}) {
    const double rounded = round_to_decimals(value, decimals);
    std::string data;
    encode_point(1, rounded, data);
    EXPECT_LT(data.size(), 9u) << value;
    auto back = decode_frame(data, 1);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ((*back)[0].second, rounded);
  }
  EXPECT_EQ(round_to_decimals(1234.5678, 1), 1234.6);
  EXPECT_EQ(round_to_decimals(230.014, 2), 230.01);
  EXPECT_EQ(round_to_decimals(1e300, 3), 1e300);
}

TEST(OutboxNames, LoadKeysLoseTheirPrefix) {
  EXPECT_EQ(history_key_to_series("load/Grid/p_w"), "Grid/p_w");
  EXPECT_EQ(history_key_to_series("load/EV/energy_import_wh"), "EV/energy_import_wh");
  EXPECT_EQ(history_key_to_series("voltage/L1/v_ln"), "voltage/L1/v_ln");
  EXPECT_EQ(history_key_to_series("site/frequency_hz"), "site/frequency_hz");
  EXPECT_EQ(history_key_to_series("input/in1/2/total"), "input/in1/2/total");
}

TEST_F(OutboxTest, OldestFirstInAppendOrder) {
  auto outbox = open();
  ASSERT_TRUE(outbox);
  ASSERT_TRUE(outbox->append(kT0, {{"Grid/p_w", 100.0}, {"Solar/p_w", 50.5}}).ok());
  ASSERT_TRUE(outbox->append(kT0 + 1000, {{"Grid/p_w", 101.0}, {"Solar/p_w", 51.5}}).ok());
  ASSERT_TRUE(outbox->append(kT0 + 2000, {{"Solar/p_w", 52.5}, {"Grid/p_w", 102.0}}).ok());
  auto stats = outbox->stats();
  EXPECT_EQ(stats.points, 6);
  EXPECT_EQ(stats.frames, 3);
  EXPECT_EQ(stats.oldest_ms, kT0);
  EXPECT_EQ(stats.newest_ms, kT0 + 2000);
  EXPECT_GT(stats.file_bytes, 0);

  auto batch = outbox->peek(1000);
  ASSERT_TRUE(batch.ok());
  ASSERT_TRUE(batch->has_value());
  const auto& points = (*batch)->points;
  ASSERT_EQ(points.size(), 6u);
  const std::vector<std::tuple<std::string, std::int64_t, double>> expected = {
      {"Grid/p_w", kT0, 100.0},        {"Solar/p_w", kT0, 50.5},
      {"Grid/p_w", kT0 + 1000, 101.0}, {"Solar/p_w", kT0 + 1000, 51.5},
      {"Solar/p_w", kT0 + 2000, 52.5}, {"Grid/p_w", kT0 + 2000, 102.0}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(points[i].series, std::get<0>(expected[i]));
    EXPECT_EQ(points[i].t_ms, std::get<1>(expected[i]));
    EXPECT_EQ(points[i].value, std::get<2>(expected[i]));
  }
  // Peeking does not remove: the same batch again.
  auto again = outbox->peek(1000);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->points.size(), 6u);
  EXPECT_EQ((*again)->end, (*batch)->end);
  ASSERT_TRUE(outbox->remove_through((*batch)->end).ok());
  EXPECT_EQ(outbox->stats().points, 0);
  EXPECT_EQ(outbox->stats().frames, 0);
  EXPECT_EQ(outbox->stats().oldest_ms, 0);
  auto empty = outbox->peek(1000);
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
}

TEST_F(OutboxTest, LargeFramesAreSplitAcrossBatches) {
  auto outbox = open();
  ASSERT_TRUE(outbox);
  // Two frames of 5 points, batches of 3: 3 | 2+1 | 3 | 1.
  for (int f = 0; f < 2; ++f) {
    std::vector<std::pair<std::string, double>> points;
    for (int s = 0; s < 5; ++s) {
      points.emplace_back("s" + std::to_string(s), f * 10 + s);
    }
    ASSERT_TRUE(outbox->append(kT0 + f * 1000, points).ok());
  }
  std::vector<std::size_t> sizes;
  std::vector<OutboxPoint> all;
  for (;;) {
    auto batch = outbox->peek(3);
    ASSERT_TRUE(batch.ok());
    if (!batch->has_value()) {
      break;
    }
    sizes.push_back((*batch)->points.size());
    all.insert(all.end(), (*batch)->points.begin(), (*batch)->points.end());
    ASSERT_TRUE(outbox->remove_through((*batch)->end).ok());
    EXPECT_EQ(outbox->stats().points, 10 - static_cast<std::int64_t>(all.size()));
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 3, 3, 1}));
  ASSERT_EQ(all.size(), 10u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const int f = static_cast<int>(i / 5);
    const int s = static_cast<int>(i % 5);
    EXPECT_EQ(all[i].series, "s" + std::to_string(s));
    EXPECT_EQ(all[i].t_ms, kT0 + f * 1000);
    EXPECT_EQ(all[i].value, f * 10 + s);
  }
}

TEST_F(OutboxTest, RemoveThroughIsIdempotentAndKeepsLaterPoints) {
  auto outbox = open();
  ASSERT_TRUE(outbox);
  for (int f = 0; f < 4; ++f) {
    ASSERT_TRUE(outbox->append(kT0 + f * 1000, {{"a", f}, {"b", f + 0.5}}).ok());
  }
  auto first = outbox->peek(3);  // frame 1 and half of frame 2
  ASSERT_TRUE(first.ok() && first->has_value());
  ASSERT_TRUE(outbox->remove_through((*first)->end).ok());
  EXPECT_EQ(outbox->stats().points, 5);
  // Points appended meanwhile are not touched; removing again changes nothing.
  ASSERT_TRUE(outbox->append(kT0 + 4000, {{"a", 4.0}}).ok());
  ASSERT_TRUE(outbox->remove_through((*first)->end).ok());
  ASSERT_TRUE(outbox->remove_through(Position{0, 0}).ok());
  EXPECT_EQ(outbox->stats().points, 6);
  EXPECT_EQ(outbox->stats().oldest_ms, kT0 + 1000);
  auto rest = drain(*outbox, 100);
  ASSERT_EQ(rest.size(), 6u);
  EXPECT_EQ(rest[0].series, "b");
  EXPECT_EQ(rest[0].t_ms, kT0 + 1000);
  EXPECT_EQ(rest[5].series, "a");
  EXPECT_EQ(rest[5].t_ms, kT0 + 4000);
}

TEST_F(OutboxTest, NonFiniteValuesAreSkipped) {
  auto outbox = open();
  ASSERT_TRUE(outbox);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  ASSERT_TRUE(outbox->append(kT0, {{"a", nan}, {"b", 2.0}, {"c", -inf}, {"d", inf}}).ok());
  ASSERT_TRUE(outbox->append(kT0 + 1000, {{"a", nan}}).ok());  // nothing finite: no frame
  ASSERT_TRUE(outbox->append(kT0 + 2000, {}).ok());
  EXPECT_EQ(outbox->stats().points, 1);
  EXPECT_EQ(outbox->stats().frames, 1);
  auto all = drain(*outbox, 10);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].series, "b");
  EXPECT_EQ(all[0].value, 2.0);
}

TEST_F(OutboxTest, BoundDropsTheOldestFramesAndCountsThem) {
  OutboxOptions options;
  options.max_age_ms = 10'000;  // 10 s
  auto outbox = open(options);
  ASSERT_TRUE(outbox);
  // Cycles at 0..14 s with 3 points each. At 14 s the bound keeps t ≥ 4 s:
  // frames 0..3 s are dropped, 4 frames × 3 points = 12 points.
  for (int s = 0; s < 15; ++s) {
    ASSERT_TRUE(outbox->append(kT0 + s * 1000, {{"a", s}, {"b", s}, {"c", s}}).ok());
    if (s == 10) {
      // 10 s after the first: t0 is exactly at the bound, kept.
      EXPECT_EQ(outbox->stats().dropped_points, 0);
    }
    if (s == 11) {
      EXPECT_EQ(outbox->stats().dropped_since_ms, kT0 + 11'000);
    }
  }
  auto stats = outbox->stats();
  EXPECT_EQ(stats.dropped_points, 12);
  EXPECT_EQ(stats.dropped_since_ms, kT0 + 11'000);
  EXPECT_EQ(stats.points, 33);
  EXPECT_EQ(stats.frames, 11);
  EXPECT_EQ(stats.oldest_ms, kT0 + 4000);
  auto all = drain(*outbox, 1000);
  ASSERT_EQ(all.size(), 33u);
  EXPECT_EQ(all.front().t_ms, kT0 + 4000);
  EXPECT_EQ(all.back().t_ms, kT0 + 14'000);
}

TEST_F(OutboxTest, BoundCountsOnlyUnsentPointsOfAPartlySentFrame) {
  OutboxOptions options;
  options.max_age_ms = 1000;
  auto outbox = open(options);
  ASSERT_TRUE(outbox);
  ASSERT_TRUE(outbox->append(kT0, {{"a", 1}, {"b", 2}, {"c", 3}}).ok());
  auto batch = outbox->peek(2);
  ASSERT_TRUE(batch.ok() && batch->has_value());
  ASSERT_TRUE(outbox->remove_through((*batch)->end).ok());
  // 2 s later the first frame is beyond the bound: its one unsent point goes.
  ASSERT_TRUE(outbox->append(kT0 + 2000, {{"a", 4}}).ok());
  EXPECT_EQ(outbox->stats().dropped_points, 1);
  EXPECT_EQ(outbox->stats().points, 1);
}

TEST_F(OutboxTest, ReopenKeepsEverything) {
  {
    auto outbox = open();
    ASSERT_TRUE(outbox);
    for (int f = 0; f < 5; ++f) {
      ASSERT_TRUE(outbox->append(kT0 + f * 1000, {{"x/p_w", f * 1.5}, {"y/p_w", -f * 0.1}}).ok());
    }
    auto batch = outbox->peek(3);
    ASSERT_TRUE(batch.ok() && batch->has_value());
    ASSERT_TRUE(outbox->remove_through((*batch)->end).ok());
  }
  auto outbox = open();
  ASSERT_TRUE(outbox);
  auto stats = outbox->stats();
  EXPECT_EQ(stats.points, 7);
  EXPECT_EQ(stats.frames, 4);
  EXPECT_EQ(stats.oldest_ms, kT0 + 1000);
  EXPECT_EQ(stats.newest_ms, kT0 + 4000);
  // New names after reopening get their own ids; old ones are reused.
  ASSERT_TRUE(outbox->append(kT0 + 5000, {{"z/p_w", 9.0}, {"x/p_w", 7.5}}).ok());
  auto all = drain(*outbox, 4);
  ASSERT_EQ(all.size(), 9u);
  EXPECT_EQ(all[0].series, "y/p_w");
  EXPECT_EQ(all[0].t_ms, kT0 + 1000);
  EXPECT_EQ(all[0].value, -0.1);
  EXPECT_EQ(all[7].series, "z/p_w");
  EXPECT_EQ(all[8].series, "x/p_w");
  EXPECT_EQ(all[8].value, 7.5);
}

TEST_F(OutboxTest, DamagedFileIsRefusedWithItsNameAndCanBeMovedAside) {
  {
    std::ofstream junk(path());
    junk << std::string(4096, 'k');
  }
  auto outbox = Outbox::open(path());
  ASSERT_FALSE(outbox.ok());
  EXPECT_EQ(outbox.error().kind, common::ErrorKind::kCorruption);
  EXPECT_NE(outbox.error().message.find(path()), std::string::npos) << outbox.error().message;

  auto moved = Outbox::move_aside(path(), 1234);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(*moved, path() + ".damaged-1234");
  EXPECT_TRUE(std::filesystem::exists(*moved));
  auto fresh = open();
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->stats().points, 0);
}

TEST_F(OutboxTest, DamagedFrameIsDeletedAndCountedNotStalled) {
  {
    auto outbox = open();
    ASSERT_TRUE(outbox);
    for (int f = 0; f < 3; ++f) {
      ASSERT_TRUE(outbox->append(kT0 + f * 1000, {{"a", f}, {"b", f}}).ok());
    }
  }
  {
    // The middle frame's bytes are overwritten with a cut-short varint.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db,
                           "UPDATE frames SET data = x'ffff' WHERE seq = "
                           "(SELECT seq FROM frames ORDER BY seq LIMIT 1 OFFSET 1)",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  auto outbox = open();
  ASSERT_TRUE(outbox);
  auto all = drain(*outbox, 1000);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].t_ms, kT0);
  EXPECT_EQ(all[2].t_ms, kT0 + 2000);
  EXPECT_EQ(outbox->stats().damaged_frames, 1);
  EXPECT_EQ(outbox->stats().points, 0);
}

TEST_F(OutboxTest, AnotherApplicationsDatabaseIsRefused) {
  {
    // A SQLite file of someone else: the history store's application id.
    auto outbox = open();
    ASSERT_TRUE(outbox);
  }
  {
    std::fstream file(path(), std::ios::in | std::ios::out | std::ios::binary);
    // The application id is the big-endian integer at byte 68 of the header.
    file.seekp(68);
    file.write("KIRC", 4);
  }
  auto outbox = Outbox::open(path());
  ASSERT_FALSE(outbox.ok());
  EXPECT_EQ(outbox.error().kind, common::ErrorKind::kCorruption);
  EXPECT_NE(outbox.error().message.find("another application"), std::string::npos)
      << outbox.error().message;
}

// The child: appends frames of a known pattern until killed, telling the
// parent through a pipe the last frame committed. Frame k has time
// kT0 + k s and 40 points; point s of frame k is k * 100 + s (exact).
constexpr int kSeries = 40;

std::vector<std::pair<std::string, double>> pattern(std::int64_t k) {
  std::vector<std::pair<std::string, double>> points;
  for (int s = 0; s < kSeries; ++s) {
    points.emplace_back("load" + std::to_string(s) + "/p_w", static_cast<double>(k * 100 + s));
  }
  return points;
}

[[noreturn]] void writer(const std::string& path, std::int64_t first, int ack_fd) {
  auto outbox = Outbox::open(path);
  if (!outbox) {
    _exit(3);
  }
  for (std::int64_t k = first;; ++k) {
    if (!(*outbox)->append(kT0 + k * 1000, pattern(k)).ok()) {
      _exit(4);
    }
    if (write(ack_fd, &k, sizeof k) != sizeof k) {
      _exit(5);
    }
  }
}

TEST_F(OutboxTest, KillNineLosesNothingCommitted) {
  std::mt19937 rng(4711);
  std::int64_t next = 0;  // the next frame index to write
  for (int round = 0; round < 10; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      writer(path(), next, fds[1]);
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(10 + rng() % 150));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself with " << WEXITSTATUS(status);
    std::int64_t committed = next - 1;
    std::int64_t k = 0;
    while (read(fds[0], &k, sizeof k) == sizeof k) {
      committed = std::max(committed, k);
    }
    close(fds[0]);

    // Reopen: frames next..committed all there (one more may have
    // committed before its number reached the pipe), in order, each whole.
    // Reading removes them, so the next round starts with an empty outbox
    // and continues the pattern at the first frame not seen.
    auto outbox = open();
    ASSERT_TRUE(outbox) << "round " << round;
    const auto stats = outbox->stats();
    ASSERT_EQ(stats.points % kSeries, 0) << "round " << round << ": a torn frame";
    const std::int64_t frames = stats.points / kSeries;
    ASSERT_GE(next + frames, committed + 1) << "round " << round << ": a committed frame was lost";
    ASSERT_LE(next + frames, committed + 2) << "round " << round;
    const auto all = drain(*outbox, 1000);
    ASSERT_EQ(static_cast<std::int64_t>(all.size()), frames * kSeries);
    for (std::size_t i = 0; i < all.size(); ++i) {
      const std::int64_t frame = next + static_cast<std::int64_t>(i) / kSeries;
      const std::int64_t s = static_cast<std::int64_t>(i) % kSeries;
      ASSERT_EQ(all[i].t_ms, kT0 + frame * 1000) << "round " << round << " point " << i;
      ASSERT_EQ(all[i].series, "load" + std::to_string(s) + "/p_w");
      ASSERT_EQ(all[i].value, static_cast<double>(frame * 100 + s));
    }
    next += frames;
  }
  EXPECT_GT(next, 10) << "the writer hardly committed anything";
}

}  // namespace
}  // namespace kirchhoff::mqtt::uplink
