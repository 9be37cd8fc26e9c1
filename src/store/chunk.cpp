#include "store/chunk.hpp"

#include <algorithm>

#include "common/varint.hpp"

namespace kirchhoff::store {

namespace {

using common::get_varint;
using common::put_varint;
using common::unzigzag;
using common::zigzag;

constexpr std::uint8_t kVersion = 1;

// Bits are gathered in a 64-bit accumulator that leaves for the output eight
// bytes at a time (a bit at a time cost most of the store's ingest).
class BitWriter {
 public:
  explicit BitWriter(std::string& out) : out_(out) {}
  // count <= 64; the value's bits above count are ignored.
  void bits(std::uint64_t value, int count) {
    if (count <= 0) {
      return;
    }
    if (count < 64) {
      value &= (std::uint64_t{1} << count) - 1;
    }
    if (used_ + count < 64) {
      acc_ = (acc_ << count) | value;
      used_ += count;
      return;
    }
    // Fill the accumulator up to 64 bits, write it, keep the rest.
    const int fits = 64 - used_;  // 1..64
    const int rest = count - fits;
    const std::uint64_t head = rest > 0 ? value >> rest : value;
    acc_ = fits == 64 ? head : (acc_ << fits) | head;
    char word[8];
    for (int i = 0; i < 8; ++i) {
      word[i] = static_cast<char>(static_cast<std::uint8_t>(acc_ >> (56 - 8 * i)));
    }
    out_.append(word, 8);
    acc_ = rest > 0 ? value & ((std::uint64_t{1} << rest) - 1) : 0;
    used_ = rest;
  }
  void finish() {
    while (used_ >= 8) {
      used_ -= 8;
      out_.push_back(static_cast<char>(static_cast<std::uint8_t>(acc_ >> used_)));
    }
    if (used_ > 0) {
      out_.push_back(static_cast<char>(static_cast<std::uint8_t>(acc_ << (8 - used_))));
      used_ = 0;
    }
    acc_ = 0;
  }

 private:
  std::string& out_;
  std::uint64_t acc_ = 0;
  int used_ = 0;  // bits held in acc_, < 64 between calls
};

class BitReader {
 public:
  BitReader(std::string_view data, std::size_t byte_offset) : data_(data), pos_(byte_offset * 8) {}
  bool bits(int count, std::uint64_t& out) {
    if (pos_ + static_cast<std::size_t>(count) > data_.size() * 8) {
      return false;
    }
    out = 0;
    int left = count;
    while (left > 0) {
      const auto byte = static_cast<std::uint8_t>(data_[pos_ / 8]);
      const int avail = 8 - static_cast<int>(pos_ % 8);
      const int take = avail < left ? avail : left;
      const std::uint64_t piece =
          (static_cast<std::uint64_t>(byte) >> (avail - take)) & ((std::uint64_t{1} << take) - 1);
      out = (out << take) | piece;
      pos_ += static_cast<std::size_t>(take);
      left -= take;
    }
    return true;
  }
  // One bit; false past the end.
  bool bit(std::uint64_t& out) {
    if (pos_ >= data_.size() * 8) {
      return false;
    }
    out = (static_cast<std::uint8_t>(data_[pos_ / 8]) >> (7 - pos_ % 8)) & 1u;
    ++pos_;
    return true;
  }

 private:
  std::string_view data_;
  std::size_t pos_;
};

// Variable-length buckets: '0' zero; '10'+7; '110'+12; '1110'+20; '1111'+64.
void put_bucketed(BitWriter& w, std::int64_t v) {
  if (v == 0) {
    w.bits(0, 1);
    return;
  }
  const std::uint64_t z = zigzag(v);
  if (z < (1u << 7)) {
    w.bits((0b10u << 7) | z, 9);
  } else if (z < (1u << 12)) {
    w.bits((0b110u << 12) | z, 15);
  } else if (z < (1u << 20)) {
    w.bits((0b1110u << 20) | z, 24);
  } else {
    w.bits(0b1111, 4);
    w.bits(z, 64);
  }
}

bool get_bucketed(BitReader& r, std::int64_t& v) {
  std::uint64_t bit = 0;
  int ones = 0;
  while (ones < 4) {
    if (!r.bit(bit)) {
      return false;
    }
    if (bit == 0) {
      break;
    }
    ++ones;
  }
  static constexpr int kWidths[] = {0, 7, 12, 20, 64};
  if (ones == 0) {
    v = 0;
    return true;
  }
  std::uint64_t z = 0;
  if (!r.bits(kWidths[ones], z)) {
    return false;
  }
  v = unzigzag(z);
  return true;
}

}  // namespace

std::string encode_chunk(std::span<const RawPoint> points) {
  std::string out;
  // About two bytes a point at most for typical data: one allocation.
  out.reserve(16 + 2 * points.size());
  out.push_back(static_cast<char>(kVersion));
  put_varint(out, points.size());
  if (points.empty()) {
    return out;
  }
  put_varint(out, zigzag(points[0].t_ms));
  put_varint(out, zigzag(points[0].q));
  BitWriter w(out);
  std::int64_t previous_delta = 1000;  // a 1 Hz series starts with dod 0
  for (std::size_t i = 1; i < points.size(); ++i) {
    const std::int64_t delta = points[i].t_ms - points[i - 1].t_ms;
    put_bucketed(w, delta - previous_delta);
    previous_delta = delta;
    put_bucketed(w, points[i].q - points[i - 1].q);
  }
  w.finish();
  return out;
}

common::Result<std::vector<RawPoint>> decode_chunk(std::string_view data) {
  auto corrupt = [](const std::string& why) {
    return common::make_error(common::ErrorKind::kCorruption, "damaged chunk: " + why);
  };
  if (data.empty() || static_cast<std::uint8_t>(data[0]) != kVersion) {
    return corrupt("unknown version");
  }
  std::size_t pos = 1;
  std::uint64_t count = 0;
  if (!get_varint(data, pos, count) || count > kMaxChunkPoints) {
    return corrupt("bad point count");
  }
  std::vector<RawPoint> points;
  if (count == 0) {
    return points;
  }
  std::uint64_t t0 = 0;
  std::uint64_t q0 = 0;
  if (!get_varint(data, pos, t0) || !get_varint(data, pos, q0)) {
    return corrupt("truncated header");
  }
  points.reserve(static_cast<std::size_t>(count));
  points.push_back({unzigzag(t0), unzigzag(q0)});
  BitReader r(data, pos);
  std::int64_t delta = 1000;
  for (std::uint64_t i = 1; i < count; ++i) {
    std::int64_t dod = 0;
    std::int64_t dq = 0;
    if (!get_bucketed(r, dod) || !get_bucketed(r, dq)) {
      return corrupt("truncated after " + std::to_string(i) + " points");
    }
    // Unsigned arithmetic: wrap-around on hostile input is defined; the
    // ordering check below rejects it.
    delta = static_cast<std::int64_t>(static_cast<std::uint64_t>(delta) +
                                      static_cast<std::uint64_t>(dod));
    const RawPoint& last = points.back();
    const auto t = static_cast<std::int64_t>(static_cast<std::uint64_t>(last.t_ms) +
                                             static_cast<std::uint64_t>(delta));
    if (delta <= 0 || t <= last.t_ms) {
      return corrupt("times do not increase");
    }
    points.push_back({t, static_cast<std::int64_t>(static_cast<std::uint64_t>(last.q) +
                                                   static_cast<std::uint64_t>(dq))});
  }
  return points;
}

namespace {
constexpr std::uint8_t kJournalVersion = 1;
}  // namespace

std::string encode_journal(std::span<const JournalSegment> segments) {
  std::string out;
  out.push_back(static_cast<char>(kJournalVersion));
  for (const JournalSegment& segment : segments) {
    const std::string chunk = encode_chunk(segment.points);
    put_varint(out, zigzag(segment.series_id));
    put_varint(out, chunk.size());
    out += chunk;
  }
  return out;
}

common::Result<std::vector<std::pair<std::int64_t, std::string_view>>> journal_segments(
    std::string_view row) {
  auto corrupt = [](const std::string& why) {
    return common::make_error(common::ErrorKind::kCorruption, "damaged journal row: " + why);
  };
  if (row.empty() || static_cast<std::uint8_t>(row[0]) != kJournalVersion) {
    return corrupt("unknown version");
  }
  std::vector<std::pair<std::int64_t, std::string_view>> out;
  std::size_t pos = 1;
  while (pos < row.size()) {
    std::uint64_t id = 0;
    std::uint64_t length = 0;
    if (!get_varint(row, pos, id) || !get_varint(row, pos, length) || length > row.size() - pos) {
      return corrupt("truncated segment");
    }
    out.emplace_back(unzigzag(id), row.substr(pos, static_cast<std::size_t>(length)));
    pos += static_cast<std::size_t>(length);
  }
  return out;
}

common::Result<std::vector<RawPoint>> decode_journal(std::string_view row, std::int64_t series_id) {
  auto segments = journal_segments(row);
  if (!segments) {
    return segments.error();
  }
  std::vector<RawPoint> out;
  for (const auto& [id, chunk] : *segments) {
    if (id != series_id) {
      continue;
    }
    auto points = decode_chunk(chunk);
    if (!points) {
      return points.error();
    }
    if (!out.empty() && !points->empty() && points->front().t_ms <= out.back().t_ms) {
      return common::make_error(common::ErrorKind::kCorruption,
                                "damaged journal row: times do not increase");
    }
    out.insert(out.end(), points->begin(), points->end());
  }
  return out;
}

namespace {

constexpr std::uint8_t kRollupVersion = 1;

// Unsigned arithmetic: wrap-around on hostile input is defined.
std::int64_t wrap_add(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
std::int64_t wrap_sub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t wrap_mul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

// The sum predicted from the bucket's ends, doubled: 2·sum − count·(first +
// last) is small for a series that moves steadily through a bucket.
std::int64_t sum_residual(const RollupRecord& b) {
  return wrap_sub(wrap_mul(2, b.sum_q), wrap_mul(b.count, wrap_add(b.first_q, b.last_q)));
}

}  // namespace

std::string encode_rollup_block(std::int64_t level_ms, std::span<const RollupRecord> buckets) {
  std::string out;
  out.reserve(32 + 8 * buckets.size());
  out.push_back(static_cast<char>(kRollupVersion));
  put_varint(out, zigzag(level_ms));
  put_varint(out, buckets.size());
  if (buckets.empty()) {
    return out;
  }
  put_varint(out, zigzag(buckets[0].start_ms));
  put_varint(out, zigzag(buckets[0].count));
  put_varint(out, zigzag(buckets[0].first_q));
  BitWriter w(out);
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const RollupRecord& b = buckets[i];
    if (i > 0) {
      const RollupRecord& p = buckets[i - 1];
      put_bucketed(w, (b.start_ms - p.start_ms) / level_ms - 1);
      put_bucketed(w, b.count - p.count);
      put_bucketed(w, wrap_sub(b.first_q, p.last_q));
    }
    put_bucketed(w, wrap_sub(b.last_q, b.first_q));
    put_bucketed(w, wrap_sub(std::min(b.first_q, b.last_q), b.min_q));
    put_bucketed(w, wrap_sub(b.max_q, std::max(b.first_q, b.last_q)));
    put_bucketed(w, sum_residual(b));
  }
  w.finish();
  return out;
}

common::Result<RollupBlock> decode_rollup_block(std::string_view data) {
  auto corrupt = [](const std::string& why) {
    return common::make_error(common::ErrorKind::kCorruption, "damaged rollup block: " + why);
  };
  if (data.empty() || static_cast<std::uint8_t>(data[0]) != kRollupVersion) {
    return corrupt("unknown version");
  }
  std::size_t pos = 1;
  std::uint64_t level = 0;
  std::uint64_t n = 0;
  if (!get_varint(data, pos, level) || !get_varint(data, pos, n) || n > kMaxBlockBuckets) {
    return corrupt("bad header");
  }
  RollupBlock out;
  out.level_ms = unzigzag(level);
  if (out.level_ms <= 0) {
    return corrupt("bad level");
  }
  if (n == 0) {
    return out;
  }
  std::uint64_t start = 0;
  std::uint64_t count = 0;
  std::uint64_t first = 0;
  if (!get_varint(data, pos, start) || !get_varint(data, pos, count) ||
      !get_varint(data, pos, first)) {
    return corrupt("truncated header");
  }
  // Each bucket takes at least 4 bits: a count beyond the data is damage,
  // found before any allocation.
  if (n > (data.size() - pos) * 2 + 1) {
    return corrupt("more buckets than bytes");
  }
  out.buckets.reserve(static_cast<std::size_t>(n));
  BitReader r(data, pos);
  RollupRecord b{unzigzag(start), unzigzag(count), 0, 0, 0, unzigzag(first), 0};
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i > 0) {
      const RollupRecord& p = out.buckets.back();
      std::int64_t gap = 0;
      std::int64_t dcount = 0;
      std::int64_t dfirst = 0;
      if (!get_bucketed(r, gap) || !get_bucketed(r, dcount) || !get_bucketed(r, dfirst)) {
        return corrupt("truncated after " + std::to_string(i) + " buckets");
      }
      // The next start, checked against overflow: at least one level later.
      std::int64_t step = 0;
      std::int64_t levels = 0;
      if (gap < 0 || __builtin_add_overflow(gap, 1, &levels) ||
          __builtin_mul_overflow(levels, out.level_ms, &step) ||
          __builtin_add_overflow(p.start_ms, step, &b.start_ms)) {
        return corrupt("bucket times do not increase");
      }
      b.count = wrap_add(p.count, dcount);
      b.first_q = wrap_add(p.last_q, dfirst);
    }
    if (b.count <= 0) {
      return corrupt("a bucket without points");
    }
    std::int64_t dlast = 0;
    std::int64_t below = 0;
    std::int64_t above = 0;
    std::int64_t residual = 0;
    if (!get_bucketed(r, dlast) || !get_bucketed(r, below) || !get_bucketed(r, above) ||
        !get_bucketed(r, residual)) {
      return corrupt("truncated after " + std::to_string(i) + " buckets");
    }
    b.last_q = wrap_add(b.first_q, dlast);
    b.min_q = wrap_sub(std::min(b.first_q, b.last_q), below);
    b.max_q = wrap_add(std::max(b.first_q, b.last_q), above);
    // 2·sum = residual + count·(first + last); an odd total is damage.
    const std::int64_t twice = wrap_add(residual, wrap_mul(b.count, wrap_add(b.first_q, b.last_q)));
    if ((twice & 1) != 0) {
      return corrupt("a sum that is not whole");
    }
    b.sum_q = twice / 2;
    out.buckets.push_back(b);
  }
  return out;
}

}  // namespace kirchhoff::store
