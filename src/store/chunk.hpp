// The raw chunk codec of the history store (docs/store-format.md): points of
// one series as delta-of-delta timestamps and delta values in variable-length
// bit buckets. Values are integers in units of the series' resolution.
// decode_chunk() is safe on arbitrary bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace kirchhoff::store {

struct RawPoint {
  std::int64_t t_ms = 0;
  std::int64_t q = 0;  // value / resolution
  friend bool operator==(const RawPoint&, const RawPoint&) = default;
};

inline constexpr std::size_t kMaxChunkPoints = 1 << 20;

// Points must have strictly increasing times.
std::string encode_chunk(std::span<const RawPoint> points);
common::Result<std::vector<RawPoint>> decode_chunk(std::string_view data);

// A journal row: the points of one flush for many series, each as a chunk
// (docs/store-format.md, "Journal row encoding").
struct JournalSegment {
  std::int64_t series_id = 0;
  std::span<const RawPoint> points;
};
std::string encode_journal(std::span<const JournalSegment> segments);
// The encoded chunk of every segment of a row, in order. Safe on arbitrary
// bytes: a length that runs past the row is corruption.
common::Result<std::vector<std::pair<std::int64_t, std::string_view>>> journal_segments(
    std::string_view row);
// The points of one series in a row (empty when the row has none).
common::Result<std::vector<RawPoint>> decode_journal(std::string_view row, std::int64_t series_id);

// A rollup bucket with its values as integers in units of the series'
// resolution (docs/store-format.md, "Rollup block encoding"): `sum_q` is the
// sum of the points' quantised values.
struct RollupRecord {
  std::int64_t start_ms = 0;
  std::int64_t count = 0;
  std::int64_t min_q = 0, max_q = 0, sum_q = 0, first_q = 0, last_q = 0;
  friend bool operator==(const RollupRecord&, const RollupRecord&) = default;
};

inline constexpr std::size_t kMaxBlockBuckets = 1 << 20;

// The buckets of one series and level in one block: start times increasing,
// multiples of level_ms apart; counts > 0.
std::string encode_rollup_block(std::int64_t level_ms, std::span<const RollupRecord> buckets);
// The level and buckets of a block. Safe on arbitrary bytes.
struct RollupBlock {
  std::int64_t level_ms = 0;
  std::vector<RollupRecord> buckets;
};
common::Result<RollupBlock> decode_rollup_block(std::string_view data);

}  // namespace kirchhoff::store
