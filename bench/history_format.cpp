// `kirchhoff history read` formats every point as "time,value\n". Measures
// lines per second of the way it used to (format_utc_time's gmtime_r +
// snprintf, "%.10g" through snprintf, six ostream << per line) beside the
// way it does now (app/history_csv.hpp: a cached date, std::to_chars, one
// write per 64 KiB) on the same month of 1 Hz points in the same run, and
// checks that both give the same bytes.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "app/history_csv.hpp"
#include "common/time.hpp"

namespace {

struct Point {
  std::int64_t t_ms;
  double value;
};

std::string old_number(double v) {
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%.10g", v);
  return buffer;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main() {
  using namespace kirchhoff;
  // A month of a power series at 1 Hz with one decimal, as the store keeps
  // the demo's load powers: a daily swing plus a faster ripple.
  constexpr int kPoints = 31 * 86400;
  constexpr std::int64_t kT0 = 1780272000000;  // 2026-06-01
  std::vector<Point> points(kPoints);
  for (int i = 0; i < kPoints; ++i) {
    const double w = 1500.0 + 1200.0 * std::sin(i * 7.27e-5) + 80.0 * std::sin(i * 0.37);
    points[static_cast<std::size_t>(i)] = {kT0 + i * 1000LL, std::round(w * 10.0) / 10.0};
  }

  std::ostringstream old_out;
  const auto t_old = std::chrono::steady_clock::now();
  for (const Point& p : points) {
    old_out << common::format_utc_time(p.t_ms) << "," << old_number(p.value) << "\n";
  }
  const double old_s = seconds_since(t_old);

  std::ostringstream new_out;
  const auto t_new = std::chrono::steady_clock::now();
  {
    std::string block;
    block.reserve(64 * 1024 + 256);
    app::UtcTimeFormatter times;
    for (const Point& p : points) {
      times.append(block, p.t_ms);
      block += ',';
      app::append_number(block, p.value);
      block += '\n';
      if (block.size() >= 64 * 1024) {
        new_out.write(block.data(), static_cast<std::streamsize>(block.size()));
        block.clear();
      }
    }
    new_out.write(block.data(), static_cast<std::streamsize>(block.size()));
  }
  const double new_s = seconds_since(t_new);

  const bool same = old_out.str() == new_out.str();
  std::printf("history read formatting, %d lines (%.1f MB of CSV):\n", kPoints,
              static_cast<double>(new_out.str().size()) / 1e6);
  std::printf("  before (gmtime_r + snprintf + ostream <<): %8.2f M lines/s  (%.3f s)\n",
              kPoints / old_s / 1e6, old_s);
  std::printf("  now    (cached date + to_chars + blocks):  %8.2f M lines/s  (%.3f s)\n",
              kPoints / new_s / 1e6, new_s);
  std::printf("  speed-up %.1fx; output identical: %s\n", old_s / new_s, same ? "yes" : "NO");
  return same ? 0 : 1;
}
