// Budget: metering 3 voltages + 28 currents at 8 kHz costs under 1 % of one
// core. Prints channel-samples per second through the engine beside a plain
// summing read of the same buffer (the memory-bandwidth roofline) measured in
// the same run, and the fraction of one core that real time costs.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>
#include <vector>

#include "metering/engine.hpp"
#include "model/loader.hpp"

namespace {

// 7 CT Hubs (28 points, the A-bus maximum) on a 3P+N-400 site: nine
// three-phase loads and one single-phase load.
std::string full_site() {
  std::string yaml =
      "site: {name: bench, topology: 3P+N-400, main_breaker_a: 400}\ngateway: genius\nbus:\n";
  for (int h = 1; h <= 7; ++h) {
    yaml += "  - ct_hub: h" + std::to_string(h) +
            "\n    inputs: {1: {ct: split-400A}, 2: {ct: split-400A}, 3: {ct: split-400A}, 4: {ct: "
            "split-400A}}\n";
  }
  yaml += "loads:\n";
  int input = 0;
  auto ref = [&] {
    const int h = input / 4 + 1;
    const int n = input % 4 + 1;
    ++input;
    return "h" + std::to_string(h) + "/" + std::to_string(n);
  };
  for (int l = 0; l < 9; ++l) {
    const std::string a = ref(), b = ref(), c = ref();
    yaml += "  - {name: L" + std::to_string(l) + ", kind: " + (l == 0 ? "grid" : "consumer") +
            ", phases: [L1, L2, L3], inputs: [" + a + ", " + b + ", " + c + "]}\n";
  }
  yaml += "  - {name: S, kind: consumer, phases: [L2], inputs: [" + ref() + "]}\n";
  return yaml;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main() {
  using namespace kirchhoff;
  const auto installation = model::load_installation_text(full_site(), "bench");
  if (!installation) {
    std::fprintf(stderr, "%s\n", installation.error().message.c_str());
    return 1;
  }
  constexpr double kRate = 8000.0;
  constexpr int kSeconds = 10;
  const std::size_t samples = static_cast<std::size_t>(kRate * kSeconds);
  metering::MeterEngine engine(*installation);
  const std::size_t nv = engine.layout().voltages.size();
  const std::size_t ni = engine.layout().currents.size();
  const std::size_t channels = nv + ni;
  // Sample-major buffer (one frame of all channels per sample), as a Power
  // Box delivers frames.
  std::vector<float> frames(samples * channels);
  for (std::size_t k = 0; k < samples; ++k) {
    const double a = 2 * std::numbers::pi * 50.02 * static_cast<double>(k) / kRate;
    for (std::size_t c = 0; c < channels; ++c) {
      const double phase = 2 * std::numbers::pi / 3 * static_cast<double>(c % 3);
      frames[k * channels + c] =
          static_cast<float>((c < nv ? 325.0 : 40.0) * std::sin(a - phase - (c < nv ? 0 : 0.3)));
    }
  }
  // Baseline: a plain summing read of the same buffer, twice to warm caches.
  double checksum = 0;
  double baseline_s = 0;
  for (int pass = 0; pass < 2; ++pass) {
    const auto t0 = std::chrono::steady_clock::now();
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (std::size_t k = 0; k < frames.size(); ++k) {
      sum += frames[k];
    }
    baseline_s = seconds_since(t0);
    checksum += sum;
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < samples; ++k) {
    const float* frame = &frames[k * channels];
    engine.feed(static_cast<double>(k) / kRate, frame, frame + nv);
  }
  const double engine_s = seconds_since(t0);
  const auto r = engine.results();
  const double channel_samples = static_cast<double>(samples * channels);
  const double rate = channel_samples / engine_s;
  const double roofline = channel_samples / baseline_s;
  const double realtime = static_cast<double>(channels) * kRate;
  std::printf("metering %zu voltages + %zu currents at %.0f Hz, %d s of samples\n", nv, ni, kRate,
              kSeconds);
  std::printf("  engine:   %8.1f M channel-samples/s per core\n", rate / 1e6);
  std::printf("  baseline: %8.1f M channel-samples/s (plain summing read of the same buffer)\n",
              roofline / 1e6);
  std::printf("  engine / baseline: %.1f %%\n", 100.0 * rate / roofline);
  std::printf("  real time (%.2f M channel-samples/s) costs %.3f %% of one core (budget 1 %%)\n",
              realtime / 1e6, 100.0 * realtime / rate);
  std::printf("  (%lld cycles at %.3f Hz; checksum %.3g)\n", static_cast<long long>(r.cycles),
              r.frequency_hz, checksum);
  return 0;
}
