#include "store/background_appender.hpp"

#include <algorithm>
#include <utility>

namespace kirchhoff::store {

void to_series_major(std::span<const double> values, std::size_t rows, std::size_t n,
                     std::vector<double>& out) {
  out.resize(rows * n);
  // In tiles of 64 samples: each tile's rows stay in cache while written.
  constexpr std::size_t kTile = 64;
  for (std::size_t k0 = 0; k0 < n; k0 += kTile) {
    const std::size_t k1 = std::min(n, k0 + kTile);
    for (std::size_t r = 0; r < rows; ++r) {
      double* column = out.data() + r * n;
      for (std::size_t k = k0; k < k1; ++k) {
        column[k] = values[k * rows + r];
      }
    }
  }
}

void to_series_major(const SampleBlock& block, std::vector<double>& out) {
  to_series_major(block.values, block.series_ids.size(), static_cast<std::size_t>(block.n), out);
}

BackgroundAppender::BackgroundAppender(Store& store, std::size_t depth)
    : store_(&store), depth_(std::max<std::size_t>(depth, 1)), thread_([this] { run(); }) {}

BackgroundAppender::~BackgroundAppender() {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queued_.empty() && !writing_; });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

common::Status BackgroundAppender::submit(SampleBlock block) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queued_.size() < depth_ || !error_; });
  if (!error_) {
    return error_;
  }
  queued_.push_back(std::move(block));
  lock.unlock();
  changed_.notify_all();
  return common::Status::success();
}

common::Status BackgroundAppender::finish() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queued_.empty() && !writing_; });
  return error_;
}

std::vector<double> BackgroundAppender::spare() {
  const std::lock_guard lock(mutex_);
  if (spares_.empty()) {
    return {};
  }
  std::vector<double> out = std::move(spares_.back());
  spares_.pop_back();
  return out;
}

void BackgroundAppender::run() {
  std::vector<double> columns;  // the block series-major, as append_block takes it
  for (;;) {
    SampleBlock block;
    bool write = false;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return !queued_.empty() || stopping_; });
      if (queued_.empty()) {
        return;  // stopping, nothing left
      }
      block = std::move(queued_.front());
      queued_.pop_front();
      write = error_.ok();  // after a failure nothing more is written
      writing_ = write;
    }
    changed_.notify_all();  // the producer may queue the next block
    if (!write) {
      continue;
    }
    // Transposed here, on the store's core, rather than written strided by
    // the producer: each sample's values are contiguous where they are made.
    to_series_major(block, columns);
    common::Status status =
        store_->append_block(block.t0_ms, block.step_ms, block.n, block.series_ids, columns);
    {
      const std::lock_guard lock(mutex_);
      writing_ = false;
      if (!status && error_) {
        error_ = std::move(status);
      }
      if (spares_.size() < depth_) {
        spares_.push_back(std::move(block.values));
      }
    }
    changed_.notify_all();
  }
}

}  // namespace kirchhoff::store
