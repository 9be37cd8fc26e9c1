#include "common/work_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace kirchhoff::common {
namespace {

TEST(WorkQueue, RunsTasksOnItsThreads) {
  WorkQueue queue(1, 4);
  std::promise<std::thread::id> ran;
  ASSERT_TRUE(queue.try_submit([&] { ran.set_value(std::this_thread::get_id()); }));
  EXPECT_NE(ran.get_future().get(), std::this_thread::get_id());
}

TEST(WorkQueue, RefusesBeyondItsBound) {
  WorkQueue queue(1, 2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  // The first task occupies the only worker until released...
  ASSERT_TRUE(queue.try_submit([&, released] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();
  // ...so two more wait in the queue and the third is refused.
  std::atomic<int> done{0};
  EXPECT_TRUE(queue.try_submit([&] { ++done; }));
  EXPECT_TRUE(queue.try_submit([&] { ++done; }));
  EXPECT_FALSE(queue.try_submit([&] { ++done; }));
  EXPECT_EQ(queue.pending(), 2u);
  release.set_value();
  std::promise<void> last;
  while (!queue.try_submit([&] { last.set_value(); })) {
    std::this_thread::yield();
  }
  last.get_future().wait();
  EXPECT_EQ(done.load(), 2);
}

TEST(WorkQueue, StopDropsWaitingTasks) {
  std::atomic<int> ran{0};
  {
    WorkQueue queue(0, 8);  // no workers: everything waits
    EXPECT_TRUE(queue.try_submit([&] { ++ran; }));
    queue.stop();
    EXPECT_FALSE(queue.try_submit([&] { ++ran; }));
  }
  EXPECT_EQ(ran.load(), 0);
}

}  // namespace
}  // namespace kirchhoff::common
