#include "daemon/diagnostics_window.hpp"

#include <gtest/gtest.h>

#include "common/text.hpp"
#include "model/loader.hpp"

namespace kirchhoff::daemon {
namespace {

using namespace std::complex_literals;

metering::WindowPhasors second(double seconds, std::complex<double> v1,
                               std::vector<std::pair<std::string, std::complex<double>>> currents) {
  metering::WindowPhasors p;
  p.seconds = seconds;
  p.v_ref = {v1, v1 * std::polar(1.0, -2.0943951023931957), 0.0};
  p.v_star = p.v_ref;
  for (const auto& [ref, i] : currents) {
    p.currents.push_back({*model::parse_input_ref(ref), i, std::abs(i) * 1.25});
  }
  return p;
}

TEST(DiagnosticsWindow, EmptyHasNothing) {
  DiagnosticsWindow window;
  window.add(second(0.0, 230.0, {{"hub1/1", 5.0}}));  // nothing measured: ignored
  const auto mean = window.mean();
  EXPECT_EQ(mean.phasors.seconds, 0.0);
  EXPECT_TRUE(mean.phasors.currents.empty());
  EXPECT_EQ(window.seconds(), 0.0);
  EXPECT_EQ(window.measured_s(), 0.0);
}

// Two seconds of different length: the mean weighs each by its duration.
// By hand: I = (10 A · 1 s + 4j A · 0.5 s) / 1.5 s = 20/3 + 4/3 j A;
// V1 = (230 V · 1 s + 224 V · 0.5 s) / 1.5 s = 342 / 1.5 = 228 V;
// i_rms = 1.25 · (10 · 1 + 4 · 0.5) / 1.5 = 10 A.
TEST(DiagnosticsWindow, MeanIsWeightedByDuration) {
  DiagnosticsWindow window;
  window.set_source(true, "key");
  window.add(second(1.0, 230.0, {{"hub1/1", 10.0}, {"hub1/2", 1.0 + 1.0i}}));
  window.add(second(0.5, 224.0, {{"hub1/1", 4.0i}, {"hub1/2", -2.0}}));
  const auto mean = window.mean();
  EXPECT_TRUE(mean.has_samples);
  EXPECT_EQ(mean.layout_key, "key");
  EXPECT_DOUBLE_EQ(mean.phasors.seconds, 1.5);
  EXPECT_DOUBLE_EQ(window.seconds(), 1.5);
  ASSERT_EQ(mean.phasors.currents.size(), 2u);
  EXPECT_EQ(mean.phasors.currents[0].input.to_string(), "hub1/1");
  EXPECT_NEAR(mean.phasors.currents[0].i1.real(), 20.0 / 3.0, 1e-12);
  EXPECT_NEAR(mean.phasors.currents[0].i1.imag(), 4.0 / 3.0, 1e-12);
  EXPECT_NEAR(mean.phasors.currents[0].i_rms, 10.0, 1e-12);
  // hub1/2: ((1 + j) · 1 + (-2) · 0.5) / 1.5 = (0 + j) / 1.5 = 2/3 j A.
  EXPECT_NEAR(mean.phasors.currents[1].i1.real(), 0.0, 1e-12);
  EXPECT_NEAR(mean.phasors.currents[1].i1.imag(), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(mean.phasors.v_ref[0].real(), 228.0, 1e-12);
  EXPECT_NEAR(mean.phasors.v_ref[0].imag(), 0.0, 1e-12);
  // L2 lags by 120°: 228 V · (cos 120°, −sin 120°) = (−114, −197.4538...) V.
  EXPECT_NEAR(mean.phasors.v_ref[1].real(), -114.0, 1e-9);
  EXPECT_NEAR(mean.phasors.v_ref[1].imag(), -228.0 * std::sqrt(3.0) / 2.0, 1e-9);
  EXPECT_EQ(mean.phasors.v_ref[2], 0.0);
}

// Capacity 3 s, four seconds of 1, 2, 3, 4 A: the first falls out, the mean
// is (2 + 3 + 4) / 3 = 3 A over 3 s.
TEST(DiagnosticsWindow, OldestSecondsFallOut) {
  DiagnosticsWindow window(3.0);
  for (double amps : {1.0, 2.0, 3.0, 4.0}) {
    window.add(second(1.0, 230.0, {{"hub1/1", amps}}));
  }
  const auto mean = window.mean();
  EXPECT_DOUBLE_EQ(mean.phasors.seconds, 3.0);
  EXPECT_NEAR(mean.phasors.currents[0].i1.real(), 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(window.measured_s(), 4.0);
  // One entry longer than the whole capacity is still kept (the newest).
  window.add(second(5.0, 230.0, {{"hub1/1", 7.0}}));
  EXPECT_DOUBLE_EQ(window.seconds(), 5.0);
  EXPECT_NEAR(window.mean().phasors.currents[0].i1.real(), 7.0, 1e-12);
}

TEST(DiagnosticsWindow, OtherChannelsStartAgain) {
  DiagnosticsWindow window;
  window.add(second(1.0, 230.0, {{"hub1/1", 1.0}}));
  window.add(second(1.0, 230.0, {{"hub1/2", 9.0}}));
  const auto mean = window.mean();
  EXPECT_DOUBLE_EQ(mean.phasors.seconds, 1.0);
  ASSERT_EQ(mean.phasors.currents.size(), 1u);
  EXPECT_EQ(mean.phasors.currents[0].input.to_string(), "hub1/2");
  EXPECT_DOUBLE_EQ(window.measured_s(), 2.0);
}

TEST(DiagnosticsWindow, AnotherLayoutClearsTheSameKeeps) {
  DiagnosticsWindow window;
  EXPECT_FALSE(window.set_source(true, "a"));
  window.add(second(1.0, 230.0, {{"hub1/1", 1.0}}));
  EXPECT_TRUE(window.set_source(true, "a"));
  EXPECT_DOUBLE_EQ(window.seconds(), 1.0);
  EXPECT_FALSE(window.set_source(true, "b"));
  EXPECT_DOUBLE_EQ(window.seconds(), 0.0);
  window.add(second(1.0, 230.0, {{"hub1/1", 1.0}}));
  EXPECT_FALSE(window.set_source(false, "b"));  // a source without samples
  EXPECT_DOUBLE_EQ(window.seconds(), 0.0);
  EXPECT_FALSE(window.mean().has_samples);
  EXPECT_DOUBLE_EQ(window.measured_s(), 2.0);  // the clock of measurement goes on
}

model::Installation load(const std::string& yaml) {
  auto inst = model::load_installation_text(yaml, "test.yaml");
  EXPECT_TRUE(inst.ok()) << (inst ? "" : inst.error().message);
  return *inst;
}

// Phases and `reversed` do not change the phasors; a CT type or another
// input does.
TEST(PhasorLayoutKey, DependsOnChannelsNotOnPhases) {
  const std::string demo =
      *common::read_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
  const std::string key = phasor_layout_key(load(demo));
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string text = demo;
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  EXPECT_EQ(phasor_layout_key(load(replaced("phases: [L2], inputs: [hub2/4]",
                                            "phases: [L3], inputs: [hub2/4], reversed: [true]"))),
            key);
  EXPECT_NE(phasor_layout_key(load(
                replaced("4: {ct: split-50A}   # heat pump", "4: {ct: split-100A}  # heat pump"))),
            key);
  // The kitchen's circuit no longer measured: one channel fewer.
  EXPECT_NE(
      phasor_layout_key(load(replaced(
          "  - {name: Kitchen, kind: consumer, phases: [L3], inputs: [sc1/3], breaker_a: 20}\n",
          ""))),
      key);
  EXPECT_NE(key.find("hub2/4:split-50A"), std::string::npos) << key;
}

}  // namespace
}  // namespace kirchhoff::daemon
