// Writes blocks of samples to a Store on a thread of its own, so that a
// backfill's producer (the simulator in `simulate --data`) and the store work
// at the same time on two cores (docs/store-format.md, "Backfills").
//
// The producer hands over whole blocks, sample-major as it produces them
// (value of series row r at sample k: values[k * rows + r]); the thread turns
// each into the series-major layout of Store::append_block and appends it.
// Up to `depth` blocks wait while another is written, which rides over the
// store's pauses (a checkpoint's fsync) without stopping the producer;
// submit() blocks when the producer runs further ahead, so memory stays at
// depth + 2 blocks.
//
// While an appender lives, only its thread may use the Store: the producer
// calls finish() before it touches the store again (flush, checkpoint, reads).
// The first failure stops the writing; submit() and finish() return it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "store/store.hpp"

namespace kirchhoff::store {

struct SampleBlock {
  std::int64_t t0_ms = 0;
  std::int64_t step_ms = 1000;
  std::int64_t n = 0;           // samples in the block
  std::vector<int> series_ids;  // rows
  std::vector<double> values;   // sample-major, n * rows; NaN: no point
};

// The block's values series-major, as Store::append_block takes them.
void to_series_major(const SampleBlock& block, std::vector<double>& out);
// The same for `n` samples of `rows` series held elsewhere (sample-major).
void to_series_major(std::span<const double> values, std::size_t rows, std::size_t n,
                     std::vector<double>& out);

class BackgroundAppender {
 public:
  explicit BackgroundAppender(Store& store, std::size_t depth = 4);
  ~BackgroundAppender();  // finishes: every submitted block is written
  BackgroundAppender(const BackgroundAppender&) = delete;
  BackgroundAppender& operator=(const BackgroundAppender&) = delete;

  // Queues a block; waits while one is already queued. Returns the error of
  // an earlier block, if any (this one is then dropped).
  common::Status submit(SampleBlock block);
  // Waits until every queued block is written; the first error, if any.
  // The Store is the caller's again afterwards; submit() may follow.
  common::Status finish();
  // A buffer of a block already written, to fill again (saves allocating
  // a block's values every hour); empty when none is free.
  std::vector<double> spare();

 private:
  void run();
  Store* store_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t depth_;
  std::deque<SampleBlock> queued_;
  bool writing_ = false;
  bool stopping_ = false;
  common::Status error_ = common::Status::success();
  std::vector<std::vector<double>> spares_;  // at most depth_
  std::thread thread_;
};

}  // namespace kirchhoff::store
