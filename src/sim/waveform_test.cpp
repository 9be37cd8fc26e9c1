#include "sim/waveform.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "model/loader.hpp"

namespace kirchhoff::sim {
namespace {

model::Installation parse(const std::string& yaml) {
  auto r = model::check_installation(yaml);
  EXPECT_FALSE(r.has_errors());
  return *r.installation;
}

// Mean of a(t) b(t) over the block: at 50 Hz a 4000-sample second holds
// exactly 50 cycles, so this is the true average power.
double mean_product(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sum += static_cast<double>(a[i]) * b[i];
  }
  return sum / static_cast<double>(a.size());
}

double rms(const std::vector<float>& a) { return std::sqrt(mean_product(a, a)); }

SiteState steady(std::size_t loads, double v_ln) {
  SiteState s;
  s.frequency_hz = 50.0;
  s.v_ln = {v_ln, v_ln, v_ln};
  s.loads.resize(loads);
  return s;
}

TEST(Waveform, StarPowersCurrentsAndReversedCt) {
  const auto inst = parse(
      "site: {name: t, topology: 3P+N-400, main_breaker_a: 40}\ngateway: genius\n"
      "bus:\n  - ct_hub: h\n    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}, "
      "3: {ct: split-100A}, 4: {ct: split-50A}}\n"
      "loads:\n"
      "  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [h/1, h/2, h/3]}\n"
      "  - {name: Oven, kind: consumer, phases: [L2], inputs: [h/4], reversed: [true]}\n");
  WaveformGenerator gen(inst, 4000.0);
  ASSERT_EQ(gen.voltage_names(), (std::vector<std::string>{"v1", "v2", "v3"}));
  SiteState s = steady(2, 230.0);
  s.loads[1].p_w = {0.0, 2000.0, 0.0};
  const SampleBlock& b = gen.generate(s);
  ASSERT_EQ(b.samples, 4000u);
  // Voltage RMS with 1.5 % third and 3 % fifth harmonic: 230 sqrt(1 + 0.015^2 + 0.03^2).
  EXPECT_NEAR(rms(b.voltages[0]), 230.0 * std::sqrt(1 + 0.015 * 0.015 + 0.03 * 0.03), 0.01);
  // The oven's CT is reversed: v2 * i averages to -2000 W.
  EXPECT_NEAR(mean_product(b.voltages[1], b.currents[3]), -2000.0, 0.5);
  // Its current: I1 = P / (V PF) = 2000 / (230 * 0.97), with a 15 % third harmonic.
  EXPECT_NEAR(rms(b.currents[3]), 2000.0 / (230.0 * 0.97) * std::sqrt(1 + 0.15 * 0.15), 0.005);
  // The grid carries it on L2 in the import direction, nothing on L1 and L3.
  EXPECT_NEAR(mean_product(b.voltages[1], b.currents[1]), 2000.0, 0.5);
  EXPECT_NEAR(rms(b.currents[0]), 0.0, 1e-6);
}

TEST(Waveform, DeltaLoadBetweenL1AndL2FlowsInOnL1OutOnL2) {
  const auto inst = parse(
      "site: {name: t, topology: 3P-230, main_breaker_a: 40}\ngateway: genius\n"
      "bus:\n  - ct_hub: h\n    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}, "
      "3: {ct: split-50A}}\n"
      "loads:\n"
      "  - {name: Grid, kind: grid, phases: [L1, L2], inputs: [h/1, h/2]}\n"
      "  - {name: Oven, kind: consumer, phases: [L3], inputs: [h/3]}\n");
  WaveformGenerator gen(inst, 4000.0);
  ASSERT_EQ(gen.voltage_names(), (std::vector<std::string>{"v13", "v23"}));
  SiteState s = steady(2, 230.0 / std::sqrt(3.0));
  s.loads[1].p_w = {0.0, 0.0, 3000.0};
  const SampleBlock& b = gen.generate(s);
  EXPECT_NEAR(rms(b.voltages[0]), 230.0 * std::sqrt(1 + 0.03 * 0.03), 0.01);
  // The oven against v12 = v13 - v23.
  std::vector<float> v12(b.samples);
  for (std::size_t i = 0; i < b.samples; ++i) {
    v12[i] = b.voltages[0][i] - b.voltages[1][i];
  }
  EXPECT_NEAR(mean_product(v12, b.currents[2]), 3000.0, 1.0);
  // Two-wattmeter (Aron): P = v13 i1 + v23 i2 gives the oven's power back.
  const double aron =
      mean_product(b.voltages[0], b.currents[0]) + mean_product(b.voltages[1], b.currents[1]);
  EXPECT_NEAR(aron, 3000.0, 1.0);
}

TEST(Waveform, PhaseIsContinuousAcrossSeconds) {
  const auto inst = parse(
      "site: {name: t, topology: 1P-230, main_breaker_a: 40}\ngateway: genius\n"
      "bus:\n  - ct_hub: h\n    inputs: {1: {ct: split-100A}}\n"
      "loads:\n  - {name: Grid, kind: grid, phases: [L1], inputs: [h/1]}\n");
  WaveformGenerator gen(inst, 4000.0);
  SiteState s = steady(1, 230.0);
  s.frequency_hz = 49.8;  // 249 cycles in 5 s: seconds end mid-cycle
  const float last = gen.generate(s).voltages[0].back();
  const float first = gen.generate(s).voltages[0].front();
  // Consecutive samples 1/4000 s apart differ by at most the sine's slope:
  // 2 pi f sqrt(2) V / rate ~ 25.4 V (plus harmonics).
  EXPECT_LT(std::abs(first - last), 30.0f);
}

}  // namespace
}  // namespace kirchhoff::sim
