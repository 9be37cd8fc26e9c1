// A fixed set of worker threads with a bounded queue, for work too slow for an
// event loop (password hashing). try_submit() refuses instead of queueing
// without bound, so a flood of requests costs a refusal, not memory or the
// event loop's time. stop() (or the destructor) drops what has not started
// and waits for what runs. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kirchhoff::common {

class WorkQueue {
 public:
  WorkQueue(std::size_t threads, std::size_t max_pending);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  // Queues `task`; false (and `task` not run) when max_pending tasks already
  // wait or the queue is stopped.
  bool try_submit(std::function<void()> task);
  // Tasks waiting, not counting those running.
  std::size_t pending() const;
  void stop();

 private:
  void work();

  const std::size_t max_pending_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace kirchhoff::common
