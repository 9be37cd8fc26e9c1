#include "store/chunk.hpp"

#include <gtest/gtest.h>

#include <random>

namespace kirchhoff::store {
namespace {

std::vector<RawPoint> round_trip(const std::vector<RawPoint>& points) {
  auto decoded = decode_chunk(encode_chunk(points));
  EXPECT_TRUE(decoded.ok()) << (decoded.ok() ? "" : decoded.error().message);
  return decoded.ok() ? *decoded : std::vector<RawPoint>{};
}

TEST(Chunk, EdgeCases) {
  EXPECT_TRUE(round_trip({}).empty());
  const std::vector<RawPoint> one = {{1767225600000, -42}};
  EXPECT_EQ(round_trip(one), one);
  // Irregular times, gaps, large jumps of time and value, extremes.
  const std::vector<RawPoint> odd = {{-5000, 0},
                                     {-4000, 1},
                                     {-2999, -1},
                                     {86'400'000, INT64_MAX / 4},
                                     {86'400'001, INT64_MIN / 4},
                                     {9'000'000'000'000, 7}};
  EXPECT_EQ(round_trip(odd), odd);
}

TEST(Chunk, RegularSteadySeriesCostsAboutTwoBitsAPoint) {
  // 1 Hz with an unchanged value: 1 bit of time + 1 bit of value per point.
  std::vector<RawPoint> points;
  for (int i = 0; i < 3600; ++i) {
    points.push_back({1767225600000LL + 1000LL * i, 1234});
  }
  const std::string data = encode_chunk(points);
  EXPECT_LE(data.size(), 3600u * 2 / 8 + 16);  // 900 bytes of bits and a small header
  EXPECT_EQ(round_trip(points), points);
}

TEST(ChunkProperty, RandomSeriesRoundTrip) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<RawPoint> points;
    std::int64_t t = static_cast<std::int64_t>(rng() % 1'000'000'000'000ULL);
    std::int64_t q = static_cast<std::int64_t>(rng() % 100000) - 50000;
    const int n = static_cast<int>(rng() % 500);
    for (int i = 0; i < n; ++i) {
      t += 1 + static_cast<std::int64_t>(rng() % (trial % 3 == 0 ? 5000 : 2));
      q += static_cast<std::int64_t>(rng() % (1u << (rng() % 30))) - (1 << 10);
      points.push_back({t, q});
    }
    ASSERT_EQ(round_trip(points), points) << "trial " << trial;
  }
}

TEST(Chunk, DamagedDataIsAnErrorNotACrash) {
  std::vector<RawPoint> points;
  for (int i = 0; i < 100; ++i) {
    points.push_back({1000LL * i, i * i});
  }
  const std::string data = encode_chunk(points);
  EXPECT_FALSE(decode_chunk("").ok());
  EXPECT_FALSE(decode_chunk(std::string("\x02\x01", 2)).ok());  // unknown version
  for (std::size_t cut = 1; cut < data.size(); cut += 7) {
    const auto r = decode_chunk(std::string_view(data).substr(0, cut));
    EXPECT_FALSE(r.ok()) << "cut at " << cut;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind, common::ErrorKind::kCorruption);
    }
  }
  // A count beyond the limit is refused before any allocation.
  EXPECT_FALSE(decode_chunk(std::string("\x01\xff\xff\xff\xff\x0f", 6)).ok());
}

}  // namespace
}  // namespace kirchhoff::store
