// Progress of a long command on stderr once it has taken more than a second:
// a bar redrawn in place on a terminal, a line every 10 % otherwise (logs
// stay short).
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace kirchhoff::app {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label)
      : label_(std::move(label)), tty_(isatty(STDERR_FILENO) == 1) {}

  // `done` of `total`; a new label restarts the count of tenths.
  void update(std::int64_t done, std::int64_t total) {
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    if (elapsed < std::chrono::seconds(1) || total <= 0) {
      return;
    }
    const int pct = static_cast<int>(std::min<std::int64_t>(done * 100 / total, 100));
    if (tty_) {
      char bar[31];
      for (int i = 0; i < 30; ++i) {
        bar[i] = i < pct * 30 / 100 ? '#' : '.';
      }
      bar[30] = '\0';
      std::fprintf(stderr, "\r%s [%s] %3d%%", label_.c_str(), bar, pct);
      shown_ = true;
    } else if (pct / 10 > last_decile_) {
      last_decile_ = pct / 10;
      std::fprintf(stderr, "%s: %d%%\n", label_.c_str(), pct);
    }
  }

  void relabel(std::string label) {
    if (label == label_) {
      return;
    }
    finish();
    label_ = std::move(label);
    last_decile_ = 0;
  }

  void finish() {
    if (shown_) {
      std::fprintf(stderr, "\n");
      shown_ = false;
    }
  }

 private:
  std::string label_;
  bool tty_;
  bool shown_ = false;
  int last_decile_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace kirchhoff::app
