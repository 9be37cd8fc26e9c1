// Analytic cases: waveforms built here from amplitudes and angles, expected
// values derived from the same amplitudes and angles by hand-written formulas
// (the comments say which). Targets: 0.2 % on P, S, Irms, Vrms; 0.002 on PF;
// 10 mHz on the frequency.
#include "metering/engine.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>

#include "model/loader.hpp"

namespace kirchhoff::metering {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kDeg = kPi / 180.0;

model::Installation site(const std::string& topology, const std::string& loads,
                         const std::string& inputs =
                             "1: {ct: split-100A}, 2: {ct: split-100A}, "
                             "3: {ct: split-100A}, 4: {ct: split-100A}") {
  auto r = model::check_installation("site: {name: t, topology: " + topology +
                                     ", main_breaker_a: 63}\ngateway: genius\nbus:\n"
                                     "  - ct_hub: h\n    inputs: {" +
                                     inputs + "}\nloads:\n" + loads);
  EXPECT_FALSE(r.has_errors()) << (r.diagnostics.empty() ? "" : r.diagnostics[0].message);
  return *r.installation;
}

using Wave = std::function<double(double t)>;

// sqrt(2) * rms * sin(2 pi f t + phase)
Wave sine(double rms, double f, double phase_deg) {
  return
      [=](double t) { return std::sqrt(2.0) * rms * std::sin(2 * kPi * f * t + phase_deg * kDeg); };
}
Wave sum(Wave a, Wave b) {
  return [=](double t) { return a(t) + b(t); };
}
Wave offset(Wave a, double dc) {
  return [=](double t) { return a(t) + dc; };
}

MeterResults run(MeterEngine& engine, const std::vector<Wave>& v, const std::vector<Wave>& i,
                 double seconds, double rate = 8000.0, double t0 = 0.0) {
  std::vector<float> vs(v.size());
  std::vector<float> is(i.size());
  const auto n = static_cast<std::int64_t>(seconds * rate);
  for (std::int64_t k = 0; k < n; ++k) {
    const double t = t0 + static_cast<double>(k) / rate;
    for (std::size_t c = 0; c < v.size(); ++c) vs[c] = static_cast<float>(v[c](t));
    for (std::size_t c = 0; c < i.size(); ++c) is[c] = static_cast<float>(i[c](t));
    engine.feed(t, vs.data(), is.data());
  }
  return engine.results();
}

void expect_rel(double actual, double expected, double tolerance, const char* what) {
  EXPECT_NEAR(actual, expected, std::abs(expected) * tolerance + 1e-9) << what;
}

TEST(Metering, ResistiveSinglePhase) {
  MeterEngine e(site("1P-230", "  - {name: Oven, kind: consumer, phases: [L1], inputs: [h/1]}\n"));
  const auto r = run(e, {sine(230, 50, 0)}, {sine(10, 50, 0)}, 1.0);
  const auto& l = r.loads[0];
  expect_rel(l.p_w, 2300.0, 0.002, "P = V I");
  EXPECT_NEAR(l.q_var, 0.0, 2.3);  // 0.1 % of S
  expect_rel(l.s_va, 2300.0, 0.002, "S");
  EXPECT_NEAR(l.pf, 1.0, 0.002);
  expect_rel(l.phases[0].i_a, 10.0, 0.002, "Irms");
  expect_rel(r.voltages[0].v_ln, 230.0, 0.002, "Vrms");
  EXPECT_NEAR(r.frequency_hz, 50.0, 0.01);
}

TEST(Metering, LaggingAndLeadingCurrent) {
  for (double angle : {30.0, -30.0}) {
    MeterEngine e(site("1P-230", "  - {name: M, kind: consumer, phases: [L1], inputs: [h/1]}\n"));
    // Current lagging by 30 degrees: phase -30; P = V I cos 30, Q = +V I sin 30.
    const auto r = run(e, {sine(230, 50, 0)}, {sine(10, 50, -angle)}, 1.0);
    expect_rel(r.loads[0].p_w, 2300.0 * std::cos(angle * kDeg), 0.002, "P");
    expect_rel(r.loads[0].q_var, 2300.0 * std::sin(angle * kDeg), 0.002, "Q: + when lagging");
    EXPECT_NEAR(r.loads[0].pf, std::cos(angle * kDeg), 0.002);
  }
}

TEST(Metering, HarmonicsInVoltageAndCurrent) {
  // V: 230 V + 5 % third; I: 10 A at 20 deg lag + 30 % third at 60 deg + 10 % 25th.
  // P = 230*10*cos20 + (11.5*3)*cos(60) (the 25th has no voltage partner);
  // Q1 = 230*10*sin20 (fundamental only); Irms = 10*sqrt(1 + 0.09 + 0.01);
  // Vrms = 230*sqrt(1 + 0.0025).
  MeterEngine e(site("1P-230", "  - {name: N, kind: consumer, phases: [L1], inputs: [h/1]}\n"));
  const Wave v = sum(sine(230, 50, 0), sine(11.5, 150, 0));
  const Wave i = sum(sum(sine(10, 50, -20), sine(3, 150, -60)), sine(1, 1250, 0));
  const auto r = run(e, {v}, {i}, 1.0, 8000.0);
  const double p = 2300 * std::cos(20 * kDeg) + 11.5 * 3 * std::cos(60 * kDeg);
  expect_rel(r.loads[0].p_w, p, 0.002, "P with harmonics");
  expect_rel(r.loads[0].q_var, 2300 * std::sin(20 * kDeg), 0.002, "Q1");
  expect_rel(r.loads[0].phases[0].i_a, 10 * std::sqrt(1.1), 0.002, "Irms");
  expect_rel(r.voltages[0].v_ln, 230 * std::sqrt(1.0025), 0.002, "Vrms");
  expect_rel(r.loads[0].s_va, 230 * std::sqrt(1.0025) * 10 * std::sqrt(1.1), 0.002, "S");
  // THD of the current: sqrt(0.09 + 0.01) = 0.316.
  EXPECT_NEAR(r.loads[0].phases[0].thd_i, std::sqrt(0.1), 0.002);
}

TEST(Metering, UnbalancedThreePhaseStar) {
  MeterEngine e(site(
      "3P+N-400", "  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [h/1, h/2, h/3]}\n"));
  // Per phase: I = 10, 20, 5 A at lags of 0, 30 and -45 (leading) degrees.
  const double amps[3] = {10, 20, 5};
  const double lag[3] = {0, 30, -45};
  std::vector<Wave> v, i;
  for (int p = 0; p < 3; ++p) {
    v.push_back(sine(230, 50, -120.0 * p));
    i.push_back(sine(amps[p], 50, -120.0 * p - lag[p]));
  }
  const auto r = run(e, v, i, 1.0);
  double p_total = 0, q_total = 0;
  for (int p = 0; p < 3; ++p) {
    const double pp = 230 * amps[p] * std::cos(lag[p] * kDeg);
    const double qp = 230 * amps[p] * std::sin(lag[p] * kDeg);
    expect_rel(r.loads[0].phases[p].p_w, pp, 0.002, "P per phase");
    // Q within 0.1 % of the phase's S (Q may be 0).
    EXPECT_NEAR(r.loads[0].phases[p].q_var, qp, 0.001 * 230 * amps[p]) << "Q per phase";
    expect_rel(r.loads[0].phases[p].i_a, amps[p], 0.002, "I per phase");
    p_total += pp;
    q_total += qp;
  }
  expect_rel(r.loads[0].p_w, p_total, 0.002, "sum of phases");
  expect_rel(r.loads[0].q_var, q_total, 0.002, "sum of Q");
  // V_LL = sqrt(3) * 230 = 398.4 V for a balanced star.
  expect_rel(r.voltages[1].v_ll, 230 * std::sqrt(3.0), 0.002, "V_LL");
}

TEST(Metering, AronOnDeltaWithTwoCts) {
  // A balanced star-equivalent load on 3x230 V delta: line current 10 A lagging
  // its phase voltage by 25 deg. Total P = sqrt(3) V_LL I cos 25 and
  // Q = sqrt(3) V_LL I sin 25, measured with CTs on L1 and L2 against v13, v23.
  MeterEngine e(
      site("3P-230", "  - {name: Grid, kind: grid, phases: [L1, L2], inputs: [h/1, h/2]}\n"));
  const double vll = 230.0;
  const double vln = vll / std::sqrt(3.0);
  // Star voltages V1 at 0, V2 at -120, V3 at +120 deg; v13 = V1 - V3, v23 = V2 - V3.
  const Wave v1 = sine(vln, 50, 0), v2 = sine(vln, 50, -120), v3 = sine(vln, 50, 120);
  const Wave v13 = [=](double t) { return v1(t) - v3(t); };
  const Wave v23 = [=](double t) { return v2(t) - v3(t); };
  const Wave i1 = sine(10, 50, -25), i2 = sine(10, 50, -120 - 25);
  const auto r = run(e, {v13, v23}, {i1, i2}, 1.0);
  expect_rel(r.loads[0].p_w, std::sqrt(3.0) * vll * 10 * std::cos(25 * kDeg), 0.002, "Aron P");
  expect_rel(r.loads[0].q_var, std::sqrt(3.0) * vll * 10 * std::sin(25 * kDeg), 0.002, "Aron Q");
  expect_rel(r.voltages[0].v_ll, vll, 0.002, "V13");
  expect_rel(r.voltages[2].v_ll, vll, 0.002, "V12 = v13 - v23");
  expect_rel(r.voltages[0].v_ln, vln, 0.002, "virtual star V1N");
}

TEST(Metering, DeltaSinglePhaseLoadOnL3MeansL1ToL2) {
  // The manual's table: a load fed by L1 and L2, clamped on L1, configured L3.
  MeterEngine e(site("3P-230", "  - {name: Oven, kind: consumer, phases: [L3], inputs: [h/1]}\n"));
  const double vln = 230.0 / std::sqrt(3.0);
  const Wave v1 = sine(vln, 50, 0), v2 = sine(vln, 50, -120), v3 = sine(vln, 50, 120);
  const Wave v13 = [=](double t) { return v1(t) - v3(t); };
  const Wave v23 = [=](double t) { return v2(t) - v3(t); };
  // V12 leads V1 by 30 deg: a resistive load's current is in phase with it.
  const auto r = run(e, {v13, v23}, {sine(8, 50, 30)}, 1.0);
  expect_rel(r.loads[0].p_w, 230.0 * 8, 0.002, "P = V12 I");
  EXPECT_NEAR(r.loads[0].pf, 1.0, 0.002);
}

TEST(Metering, SplitPhase240AcrossBothLegs) {
  // 120/240 V: v2 = -v1. A 240 V load of 20 A (CTs on L1 and L2, current
  // flowing out on L1 and back on L2): P = 120*20 + 120*20 = 4800 W.
  MeterEngine e(
      site("2P+N-240", "  - {name: AC, kind: consumer, phases: [L1, L2], inputs: [h/1, h/2]}\n"));
  const auto r =
      run(e, {sine(120, 60, 0), sine(120, 60, 180)}, {sine(20, 60, 0), sine(20, 60, 180)}, 1.0);
  expect_rel(r.loads[0].p_w, 4800.0, 0.002, "P");
  expect_rel(r.voltages[0].v_ll, 240.0, 0.002, "V_LL = 2 V_LN");
  EXPECT_NEAR(r.frequency_hz, 60.0, 0.01);
}

TEST(Metering, OffNominalFrequencyAndPartialCycles) {
  // 49.8 Hz, 1.2345 s recorded starting at an arbitrary phase: only whole
  // cycles count, so P and f are exact whatever the ends.
  MeterEngine e(site("1P-230", "  - {name: X, kind: consumer, phases: [L1], inputs: [h/1]}\n"));
  const auto r = run(e, {sine(230, 49.8, 77)}, {sine(7, 49.8, 77 - 40)}, 1.2345, 4000.0, 0.0037);
  EXPECT_NEAR(r.frequency_hz, 49.8, 0.01);
  expect_rel(r.loads[0].p_w, 230 * 7 * std::cos(40 * kDeg), 0.002, "P at 49.8 Hz");
  expect_rel(r.loads[0].q_var, 230 * 7 * std::sin(40 * kDeg), 0.002, "Q at 49.8 Hz");
  // 1.2345 s at 49.8 Hz hold 61.5 cycles; at least 60 whole ones are measured.
  EXPECT_GE(r.cycles, 60);
  EXPECT_LE(r.cycles, 61);
}

TEST(Metering, ResultsDoNotDependOnWhereTheRecordingStarts) {
  std::vector<double> powers;
  for (double start : {0.0, 0.0031, 0.0117}) {
    MeterEngine e(site("1P-230", "  - {name: X, kind: consumer, phases: [L1], inputs: [h/1]}\n"));
    powers.push_back(
        run(e, {sine(230, 50, 0)}, {sine(5, 50, -10)}, 0.5, 8000.0, start).loads[0].p_w);
  }
  EXPECT_NEAR(powers[0], powers[1], powers[0] * 1e-4);
  EXPECT_NEAR(powers[0], powers[2], powers[0] * 1e-4);
}

TEST(Metering, DcOffsetIsRemoved) {
  MeterEngine e(site("1P-230", "  - {name: X, kind: consumer, phases: [L1], inputs: [h/1]}\n"));
  const auto r = run(e, {offset(sine(230, 50, 0), 5.0)}, {offset(sine(10, 50, 0), 0.3)}, 1.0);
  expect_rel(r.loads[0].p_w, 2300.0, 0.002, "P without the DC");
  expect_rel(r.voltages[0].v_ln, 230.0, 0.002, "Vrms without the DC");
}

TEST(Metering, ReversedCtAndExportThenImport) {
  // A CT clamped backwards reads -i; `reversed` restores the sign.
  MeterEngine e(site(
      "1P-230", "  - {name: PV, kind: solar, phases: [L1], inputs: [h/1], reversed: [true]}\n"));
  // 1 s exporting 1150 W (current opposite the voltage), then 1 s importing.
  const Wave v = sine(230, 50, 0);
  const Wave i = [](double t) {
    const double s = std::sqrt(2.0) * 5 * std::sin(2 * kPi * 50 * t);
    return t < 1.0 ? s : -s;  // the backwards clamp reads minus the current
  };
  const auto r = run(e, {v}, {i}, 2.0);
  // Energy: 1150 W for ~1 s each way = 1150/3600 Wh = 0.3194 Wh (whole cycles: 99 of 100).
  const double wh_per_cycle = 1150.0 * 0.02 / 3600.0;
  EXPECT_NEAR(r.loads[0].energy_export_wh, wh_per_cycle * 50, wh_per_cycle * 1.01);
  EXPECT_NEAR(r.loads[0].energy_import_wh, wh_per_cycle * 50, wh_per_cycle * 1.01);
  EXPECT_NEAR(r.loads[0].energy_import_wh + r.loads[0].energy_export_wh,
              wh_per_cycle * static_cast<double>(r.cycles), wh_per_cycle * 0.01);
}

TEST(Metering, CalibrationGainAndPhase) {
  // gain 1.05 scales P; phase_deg 5 advances the current by 5 degrees: a
  // current measured 5 deg late (35 instead of 30 lag) reads as 30.
  MeterEngine e(site("1P-230", "  - {name: X, kind: consumer, phases: [L1], inputs: [h/1]}\n",
                     "1: {ct: split-50A, gain: 1.05, phase_deg: 5}"));
  const auto r = run(e, {sine(230, 50, 0)}, {sine(10, 50, -35)}, 1.0);
  expect_rel(r.loads[0].p_w, 1.05 * 2300 * std::cos(30 * kDeg), 0.002, "calibrated P");
  expect_rel(r.loads[0].q_var, 1.05 * 2300 * std::sin(30 * kDeg), 0.002, "calibrated Q");
  expect_rel(r.loads[0].phases[0].i_a, 10.5, 0.002, "calibrated I");
}

TEST(Metering, RogowskiRawOutputIsIntegrated) {
  // A coil gives di/dt: for i = sqrt2*20 sin(wt - 30deg), di/dt = sqrt2*20*w cos(wt - 30deg).
  MeterEngine e(site("1P-230", "  - {name: Big, kind: consumer, phases: [L1], inputs: [h/1]}\n",
                     "1: {ct: rogowski-400A}"),
                EngineOptions{true});
  const double w = 2 * kPi * 50;
  const Wave didt = [=](double t) { return std::sqrt(2.0) * 20 * w * std::cos(w * t - 30 * kDeg); };
  const auto r = run(e, {sine(230, 50, 0)}, {didt}, 2.0, 8000.0);
  expect_rel(r.loads[0].phases[0].i_a, 20.0, 0.002, "integrated I");
  expect_rel(r.loads[0].p_w, 4600 * std::cos(30 * kDeg), 0.002, "P from a coil");
}

TEST(MeteringProperty, BoundsAndMonotonicRegisters) {
  // Random loads per second on a 3-phase grid: |P| <= S, |PF| <= 1, the
  // registers never go back, and the phases add up to the load.
  MeterEngine e(site(
      "3P+N-400", "  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [h/1, h/2, h/3]}\n"));
  std::uint64_t seed = 12345;
  auto next = [&seed] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(seed >> 11) * 0x1.0p-53;
  };
  double last_import = 0.0, last_export = 0.0;
  for (int second = 0; second < 20; ++second) {
    std::vector<Wave> v, i;
    for (int p = 0; p < 3; ++p) {
      v.push_back(sine(225 + 10 * next(), 50, -120.0 * p));
      i.push_back(sum(sine(30 * next(), 50, -120.0 * p - 180 * (next() - 0.5)),
                      sine(3 * next(), 250, 360 * next())));
    }
    const auto r = run(e, v, i, 1.0, 4000.0, second);
    const auto& l = r.loads[0];
    EXPECT_LE(std::abs(l.p_w), l.s_va * 1.000001);
    EXPECT_LE(std::abs(l.pf), 1.000001);
    double phases = 0.0;
    for (const auto& ph : l.phases) {
      EXPECT_LE(std::abs(ph.p_w), ph.s_va * 1.000001);
      phases += ph.p_w;
    }
    EXPECT_NEAR(phases, l.p_w, 1e-6 * std::max(1.0, std::abs(l.p_w)));
    EXPECT_GE(l.energy_import_wh, last_import);
    EXPECT_GE(l.energy_export_wh, last_export);
    last_import = l.energy_import_wh;
    last_export = l.energy_export_wh;
  }
}

}  // namespace
}  // namespace kirchhoff::metering
