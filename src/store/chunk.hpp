// The raw chunk codec of the history store (docs/store-format.md): points of
// one series as delta-of-delta timestamps and delta values in variable-length
// bit buckets. Values are integers in units of the series' resolution.
// decode_chunk() is safe on arbitrary bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
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

}  // namespace kirchhoff::store
