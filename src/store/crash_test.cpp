// Crash safety: a child process writes a counter and a gauge every (simulated)
// second, flushing each second and telling the parent through a pipe which
// second is committed; the parent kills it with SIGKILL at random moments.
// After every kill the store must open, hold every acknowledged second, keep
// the counter monotonic and the rollups in step with the raw points, and let
// the next writer carry on. 15 rounds, seeded, a few seconds in all.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <random>
#include <thread>

#include "store/store.hpp"

namespace kirchhoff::store {
namespace {

constexpr std::int64_t kT0 = 1767225600000;

// The child: continue from the latest point, write until killed.
[[noreturn]] void writer(const std::string& path, int ack_fd) {
  auto store = Store::open(path);
  if (!store) {
    _exit(3);
  }
  auto counter = (*store)->series("grid/import_wh", SeriesKind::kCounter, 0.001);
  auto gauge = (*store)->series("grid/p_w", SeriesKind::kGauge, 0.1);
  auto last = (*store)->latest("grid/import_wh");
  if (!counter || !gauge || !last) {
    _exit(4);
  }
  std::int64_t t = last->has_value() ? (*last)->t_ms + 1000 : kT0;
  double wh = last->has_value() ? (*last)->value : 0.0;
  for (;;) {
    // A few points per flush, like several snapshots in a slow second.
    for (int k = 0; k < 3; ++k) {
      const double p = 1000.0 + static_cast<double>((t / 1000) % 7) * 100.0;
      wh += p / 3600.0;
      if (!(*store)->append(*gauge, t, p).ok() || !(*store)->append(*counter, t, wh).ok()) {
        _exit(5);
      }
      t += 1000;
    }
    if (!(*store)->flush().ok()) {
      _exit(6);
    }
    const std::int64_t committed = t - 1000;
    if (write(ack_fd, &committed, sizeof committed) != sizeof committed) {
      _exit(7);
    }
  }
}

TEST(StoreCrash, KillNineAtRandomMomentsLosesNothingCommitted) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("kirchhoff_crash_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "history.db").string();
  std::mt19937 rng(2026);
  std::int64_t acknowledged = 0;
  for (int round = 0; round < 15; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      writer(path, fds[1]);
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 200));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself with " << WEXITSTATUS(status);
    std::int64_t value = 0;
    while (read(fds[0], &value, sizeof value) == sizeof value) {
      acknowledged = std::max(acknowledged, value);
    }
    close(fds[0]);

    auto store = Store::open(path);
    ASSERT_TRUE(store.ok()) << "round " << round << ": " << store.error().message;
    auto latest = (*store)->latest("grid/import_wh");
    ASSERT_TRUE(latest.ok());
    if (acknowledged > 0) {
      ASSERT_TRUE(latest->has_value());
      EXPECT_GE((*latest)->t_ms, acknowledged)
          << "round " << round << ": a committed second was lost";
    }
    auto points = (*store)->read_raw("grid/import_wh", 0, INT64_MAX);
    ASSERT_TRUE(points.ok()) << points.error().message;
    for (std::size_t i = 1; i < points->size(); ++i) {
      ASSERT_GT((*points)[i].t_ms, (*points)[i - 1].t_ms);
      ASSERT_GE((*points)[i].value, (*points)[i - 1].value) << "the counter went back";
    }
    // The rollups count exactly the raw points that survived.
    auto minutes = (*store)->read_rollup("grid/p_w", kLevel1m, 0, INT64_MAX);
    std::int64_t rolled = 0;
    for (const auto& b : *minutes) {
      rolled += b.count;
    }
    EXPECT_EQ(rolled,
              static_cast<std::int64_t>((*store)->read_raw("grid/p_w", 0, INT64_MAX)->size()))
        << "round " << round;
  }
  EXPECT_GT(acknowledged, kT0) << "the writer never committed anything";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kirchhoff::store
