#include "sim/waveform.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "metering/engine.hpp"
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

// --- Mis-wired CTs: the samples follow the physical truth; the metering
// engine, given the file, measures what an installer would see, and given
// the file corrected to the truth, measures the loads' true powers.

// Meters one block with `file` (whose loads must list the same inputs in the
// same order as the generator's installation).
metering::MeterResults meter(const model::Installation& file, const SampleBlock& b) {
  metering::MeterEngine engine(file);
  std::vector<float> v(b.voltages.size());
  std::vector<float> i(b.currents.size());
  for (std::size_t s = 0; s < b.samples; ++s) {
    for (std::size_t k = 0; k < v.size(); ++k) {
      v[k] = b.voltages[k][s];
    }
    for (std::size_t k = 0; k < i.size(); ++k) {
      i[k] = b.currents[k][s];
    }
    engine.feed(b.t0_s + static_cast<double>(s) / b.rate_hz, v.data(), i.data());
  }
  return engine.results();
}

Miswiring miswire(std::string_view spec, const model::Installation& inst) {
  auto m = parse_miswire(spec, inst);
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
  return m.ok() ? *m : Miswiring{};
}

constexpr double kDeg = std::numbers::pi / 180.0;

// Star site: grid on h/1..h/3, Oven (consumer) on h/4 configured L1, Lamp
// (consumer) on h/5 configured L2.
const char* kStarTwoConsumers =
    "site: {name: t, topology: 3P+N-400, main_breaker_a: 40}\ngateway: genius\n"
    "bus:\n  - ct_hub: h\n    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}, "
    "3: {ct: split-100A}, 4: {ct: split-50A}}\n"
    "  - ct_hub: g\n    inputs: {1: {ct: split-50A}}\n"
    "loads:\n"
    "  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [h/1, h/2, h/3]}\n"
    "  - {name: Oven, kind: consumer, phases: [L1], inputs: [h/4]}\n"
    "  - {name: Lamp, kind: consumer, phases: [L2], inputs: [g/1]}\n";

TEST(WaveformMiswire, ConsumerOnAnotherPhaseIsRightOnlyInTheCorrectedFile) {
  const auto file = parse(kStarTwoConsumers);
  // Physically the oven's circuit (and its CT) is on L3.
  WaveformGenerator gen(file, 4000.0, miswire("h/4=L3", file));
  SiteState s = steady(3, 230.0);
  s.loads[1].p_w = {2000.0, 0.0, 0.0};  // the physics, on the configured phase
  const SampleBlock& b = gen.generate(s);
  auto corrected = file;
  corrected.loads[1].channels[0].phase = model::Phase::kL3;
  const auto right = meter(corrected, b);
  const auto wrong = meter(file, b);
  // Corrected: the oven's 2000 W and Q = P tan(acos 0.97) = 501.2 var.
  EXPECT_NEAR(right.loads[1].p_w, 2000.0, 0.005 * 2000.0);
  EXPECT_NEAR(right.loads[1].q_var, 2000.0 * std::tan(std::acos(0.97)), 0.005 * 501.2);
  // As configured: the current lags v3 by acos(0.97) = 14.07 deg, so lags v1
  // by 240 + 14.07 deg: P = V I cos(254.07 deg) with V I = 2000 / 0.97,
  // = -565.9 W. (The current's third harmonic is in quadrature with v3's,
  // and the thirds of v1 and v3 are in phase: no harmonic power.)
  const double expected_wrong = 2000.0 / 0.97 * std::cos((240.0 + 14.0699) * kDeg);
  EXPECT_NEAR(wrong.loads[1].p_w, expected_wrong, 0.005 * 565.9);
  EXPECT_GT(std::abs(wrong.loads[1].p_w - 2000.0), 0.005 * 2000.0);
}

TEST(WaveformMiswire, ReversedTruthIsAbsolute) {
  const auto file = parse(kStarTwoConsumers);
  SiteState s = steady(3, 230.0);
  s.loads[1].p_w = {2000.0, 0.0, 0.0};
  {
    // Mounted backwards, file says the right way: -2000 W.
    WaveformGenerator gen(file, 4000.0, miswire("h/4=reversed", file));
    EXPECT_NEAR(meter(file, gen.generate(s)).loads[1].p_w, -2000.0, 0.005 * 2000.0);
  }
  auto flipped = file;
  flipped.loads[1].channels[0].reversed = true;
  {
    // Mounted backwards and the file knows it: +2000 W.
    WaveformGenerator gen(flipped, 4000.0, miswire("h/4=L1:reversed", flipped));
    EXPECT_NEAR(meter(flipped, gen.generate(s)).loads[1].p_w, 2000.0, 0.005 * 2000.0);
  }
  {
    // Mounted the right way although the file says reversed: the file's
    // flip makes it -2000 W; an entry without `reversed` means the right way.
    WaveformGenerator gen(flipped, 4000.0, miswire("h/4=L1", flipped));
    EXPECT_NEAR(meter(flipped, gen.generate(s)).loads[1].p_w, -2000.0, 0.005 * 2000.0);
  }
}

TEST(WaveformMiswire, TruthAsTheFileSaysChangesNothing) {
  const auto file = parse(kStarTwoConsumers);
  SiteState s = steady(3, 230.0);
  s.loads[1].p_w = {1500.0, 0.0, 0.0};
  s.loads[2].p_w = {0.0, 300.0, 0.0};
  WaveformGenerator plain(file, 4000.0);
  WaveformGenerator same(file, 4000.0, miswire("h/4=L1,g/1=L2,h/2=L2", file));
  const SampleBlock a = plain.generate(s);
  const SampleBlock& b = same.generate(s);
  EXPECT_EQ(a.currents, b.currents);
}

TEST(WaveformMiswire, GridConductorsFollowTheTruePhases) {
  const auto file = parse(kStarTwoConsumers);
  WaveformGenerator gen(file, 4000.0, miswire("h/4=L3", file));
  SiteState s = steady(3, 230.0);
  s.loads[1].p_w = {2000.0, 0.0, 0.0};  // Oven, truly on L3
  s.loads[2].p_w = {0.0, 1000.0, 0.0};  // Lamp, on L2 as configured
  s.unmeasured_w = 600.0;               // 200 W per phase, resistive
  const auto r = meter(file, gen.generate(s));
  const auto& grid = r.loads[0].phases;
  ASSERT_EQ(grid.size(), 3u);
  // Per phase: the loads truly there plus 200 W of the rest. L1: 200 W,
  // L2: 1000 + 200 = 1200 W, L3: 2000 + 200 = 2200 W. (Consumer thirds are in
  // quadrature with the voltage's: no harmonic power.)
  EXPECT_NEAR(grid[0].p_w, 200.0, 0.005 * 200.0);
  EXPECT_NEAR(grid[1].p_w, 1200.0, 0.005 * 1200.0);
  EXPECT_NEAR(grid[2].p_w, 2200.0, 0.005 * 2200.0);
}

TEST(WaveformMiswire, SwappedCtsOfAThreePhaseLoadReadEachOthersConductor) {
  const auto file = parse(
      "site: {name: t, topology: 3P+N-400, main_breaker_a: 40}\ngateway: genius\n"
      "bus:\n  - ct_hub: h\n    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}, "
      "3: {ct: split-100A}}\n"
      "  - ct_hub: e\n    inputs: {1: {ct: split-50A}, 2: {ct: split-50A}, 3: {ct: split-50A}}\n"
      "loads:\n"
      "  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [h/1, h/2, h/3]}\n"
      "  - {name: EV, kind: ev, phases: [L1, L2, L3], inputs: [e/1, e/2, e/3]}\n");
  // e/1 is on L2 and e/2 on L1; the charger's wires are where they are.
  WaveformGenerator gen(file, 4000.0, miswire("e/1=L2,e/2=L1", file));
  SiteState s = steady(2, 230.0);
  s.loads[1].p_w = {3000.0, 2000.0, 1000.0};
  const SampleBlock& b = gen.generate(s);
  auto corrected = file;
  corrected.loads[1].channels[0].phase = model::Phase::kL2;
  corrected.loads[1].channels[1].phase = model::Phase::kL1;
  const auto right = meter(corrected, b);
  // e/1 reads L2's 2000 W, e/2 L1's 3000 W; the load's total 6000 W.
  EXPECT_NEAR(right.loads[1].phases[0].p_w, 2000.0, 0.005 * 2000.0);
  EXPECT_NEAR(right.loads[1].phases[1].p_w, 3000.0, 0.005 * 3000.0);
  EXPECT_NEAR(right.loads[1].p_w, 6000.0, 0.005 * 6000.0);
  // The grid sees the charger's conductors unchanged: 3000, 2000, 1000 W.
  EXPECT_NEAR(right.loads[0].phases[0].p_w, 3000.0, 0.005 * 3000.0);
  EXPECT_NEAR(right.loads[0].phases[1].p_w, 2000.0, 0.005 * 2000.0);
  EXPECT_NEAR(right.loads[0].phases[2].p_w, 1000.0, 0.005 * 1000.0);
  // As configured, each swapped CT is measured 120 degrees off:
  // e/1 (on L2, lagging v2 by acos 0.99 = 8.11 deg) against v1:
  // 2000 / 0.99 * cos(120 + 8.11 deg) = -1246.8 W.
  const auto wrong = meter(file, b);
  EXPECT_NEAR(wrong.loads[1].phases[0].p_w, 2000.0 / 0.99 * std::cos((120.0 + 8.1096) * kDeg),
              0.005 * 1246.8);
}

TEST(WaveformMiswire, DeltaGridCtOnTheReferenceConductor) {
  const auto file = parse(
      "site: {name: t, topology: 3P-230, main_breaker_a: 40}\ngateway: genius\n"
      "bus:\n  - ct_hub: h\n    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}, "
      "3: {ct: split-50A}}\n"
      "loads:\n"
      "  - {name: Grid, kind: grid, phases: [L1, L2], inputs: [h/1, h/2]}\n"
      "  - {name: Oven, kind: consumer, phases: [L1], inputs: [h/3]}\n");
  // The grid's second CT is on conductor L3, the file's reference.
  WaveformGenerator gen(file, 4000.0, miswire("h/2=L3", file));
  SiteState s = steady(2, 230.0 / std::sqrt(3.0));
  s.loads[1].p_w = {3000.0, 0.0, 0.0};  // the oven between L1 and L3 (v13)
  const SampleBlock& b = gen.generate(s);
  // The oven's current i flows in on L1 and back on L3: h/1 carries i, h/2
  // carries -i. With L2 as the two-wattmeter reference the readings are
  // v12 i1 + v32 i3 = v12 i + v23 i = v13 i = 3000 W: the corrected file
  // says h/1 is `L3` (v12) and h/2 `L2` reversed (docs/diagnostics.md).
  auto corrected = file;
  corrected.loads[0].channels[0].phase = model::Phase::kL3;
  corrected.loads[0].channels[1].phase = model::Phase::kL2;
  corrected.loads[0].channels[1].reversed = true;
  EXPECT_NEAR(meter(corrected, b).loads[0].p_w, 3000.0, 0.005 * 3000.0);
  // As configured: v13 i + v23 (-i) = v12 i. v12 leads v13 by 60 deg and i
  // lags it by acos(0.97) = 14.07 deg: 3000 / 0.97 * cos(74.07 deg) = 848.9 W.
  EXPECT_NEAR(meter(file, b).loads[0].p_w, 3000.0 / 0.97 * std::cos((60.0 + 14.0699) * kDeg),
              0.005 * 848.9);
}

}  // namespace
}  // namespace kirchhoff::sim
