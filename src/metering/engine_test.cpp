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

// Feeds samples k = first .. first + n - 1 at t = t0 + k / rate.
void feed_samples(MeterEngine& engine, const std::vector<Wave>& v, const std::vector<Wave>& i,
                  std::int64_t first, std::int64_t n, double rate, double t0 = 0.0) {
  std::vector<float> vs(v.size());
  std::vector<float> is(i.size());
  for (std::int64_t k = first; k < first + n; ++k) {
    const double t = t0 + static_cast<double>(k) / rate;
    for (std::size_t c = 0; c < v.size(); ++c) vs[c] = static_cast<float>(v[c](t));
    for (std::size_t c = 0; c < i.size(); ++c) is[c] = static_cast<float>(i[c](t));
    engine.feed(t, vs.data(), is.data());
  }
}

MeterResults run(MeterEngine& engine, const std::vector<Wave>& v, const std::vector<Wave>& i,
                 double seconds, double rate = 8000.0, double t0 = 0.0) {
  feed_samples(engine, v, i, 0, static_cast<std::int64_t>(seconds * rate), rate, t0);
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
  run(e, {v}, {i}, 2.0);
  e.finish();
  const auto r = e.results();
  // Energy: 1150 W for exactly 1 s each way (50 whole periods of v*i in each,
  // so the integral is P*T) = 1150/3600 Wh = 0.31944 Wh; every sample counts.
  expect_rel(r.loads[0].energy_export_wh, 1150.0 / 3600.0, 5e-4, "exported in the first second");
  expect_rel(r.loads[0].energy_import_wh, 1150.0 / 3600.0, 5e-4, "imported in the second");
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

// ---- Window phasors --------------------------------------------------------

double angle_deg(std::complex<double> z) { return std::arg(z) / kDeg; }

TEST(MeteringPhasors, SinglePhaseLaggingCurrent) {
  // v1 = 230 V RMS, i = 10 A RMS lagging 30 deg: RMS phasors |V| = 230,
  // |I| = 10, I/V at -30 deg. Relative to v1's rising crossing, v1 =
  // A sin(wt) = A cos(wt - 90 deg): its phasor's angle is -90 deg.
  MeterEngine e(site("1P-230", "  - {name: M, kind: consumer, phases: [L1], inputs: [h/1]}\n"));
  const auto r = run(e, {sine(230, 50, 0)}, {sine(10, 50, -30)}, 1.0);
  const WindowPhasors& ph = r.phasors;
  EXPECT_DOUBLE_EQ(ph.seconds, r.seconds);
  EXPECT_GT(ph.seconds, 0.9);
  expect_rel(std::abs(ph.v_ref[0]), 230.0, 1e-3, "|v1|");
  EXPECT_NEAR(angle_deg(ph.v_ref[0]), -90.0, 0.05);
  // 1P-230 has no L2, L3; its star voltage is v1.
  EXPECT_EQ(ph.v_ref[1], std::complex<double>());
  EXPECT_EQ(ph.v_ref[2], std::complex<double>());
  EXPECT_EQ(ph.v_star[0], ph.v_ref[0]);
  EXPECT_EQ(ph.v_star[1], std::complex<double>());
  ASSERT_EQ(ph.currents.size(), 1u);
  EXPECT_EQ(ph.currents[0].input.to_string(), "h/1");
  expect_rel(std::abs(ph.currents[0].i1), 10.0, 1e-3, "|i1|");
  EXPECT_NEAR(angle_deg(ph.currents[0].i1 / ph.v_ref[0]), -30.0, 0.05);
  expect_rel(ph.currents[0].i_rms, 10.0, 1e-3, "i_rms");
}

TEST(MeteringPhasors, ReversedInputReportsWhatTheCtDelivers) {
  // The same raw current into a plain and a `reversed` input: P flips, the
  // phasor does not (still 10 A at -30 deg to v1, not at 150 deg).
  std::vector<MeterResults> r;
  for (const char* reversed : {"false", "true"}) {
    MeterEngine e(site("1P-230", std::string("  - {name: M, kind: consumer, phases: [L1], "
                                             "inputs: [h/1], reversed: [") +
                                     reversed + "]}\n"));
    r.push_back(run(e, {sine(230, 50, 0)}, {sine(10, 50, -30)}, 1.0));
  }
  EXPECT_LT(r[1].loads[0].p_w, 0.0);
  expect_rel(r[1].loads[0].p_w, -r[0].loads[0].p_w, 1e-9, "P flips");
  const auto i_plain = r[0].phasors.currents[0].i1;
  const auto i_reversed = r[1].phasors.currents[0].i1;
  EXPECT_NEAR(std::abs(i_reversed - i_plain), 0.0, 1e-9);
  EXPECT_NEAR(angle_deg(i_reversed / r[1].phasors.v_ref[0]), -30.0, 0.05);
}

TEST(MeteringPhasors, CalibrationRotatesAndScales) {
  // gain 1.05, phase_deg 5: a current measured 35 deg late reads 30 deg late,
  // and 10 A reads 10.5 A.
  MeterEngine e(site("1P-230", "  - {name: X, kind: consumer, phases: [L1], inputs: [h/1]}\n",
                     "1: {ct: split-50A, gain: 1.05, phase_deg: 5}"));
  const auto r = run(e, {sine(230, 50, 0)}, {sine(10, 50, -35)}, 1.0);
  const auto& i = r.phasors.currents[0];
  expect_rel(std::abs(i.i1), 10.5, 1e-3, "|i1| with gain");
  EXPECT_NEAR(angle_deg(i.i1 / r.phasors.v_ref[0]), -30.0, 0.05);
  expect_rel(i.i_rms, 10.5, 1e-3, "i_rms with gain");
}

TEST(MeteringPhasors, DeltaVirtualStarPoint) {
  // 3x230 V delta from star voltages V1 = Vp at 0, V2 at -120, V3 at +120 deg
  // (Vp = 230/sqrt3 = 132.79 V). v13 = V1 - V3 = Vp (1 - e^j120) = sqrt3 Vp
  // at -30 deg, so v1n = V1 is |v13|/sqrt3 at +30 deg from v13; v12 = V1 - V2
  // = sqrt3 Vp at +30 deg, +60 deg from v13. v2n, v3n lag and lead v1n by
  // 120 deg. Line currents of 10 A lagging their star voltages by 25 deg.
  MeterEngine e(
      site("3P-230", "  - {name: Grid, kind: grid, phases: [L1, L2], inputs: [h/1, h/2]}\n"));
  const double vp = 230.0 / std::sqrt(3.0);
  const Wave v1 = sine(vp, 50, 0), v2 = sine(vp, 50, -120), v3 = sine(vp, 50, 120);
  const Wave v13 = [=](double t) { return v1(t) - v3(t); };
  const Wave v23 = [=](double t) { return v2(t) - v3(t); };
  const auto r = run(e, {v13, v23}, {sine(10, 50, -25), sine(10, 50, -145)}, 1.0);
  const WindowPhasors& ph = r.phasors;
  expect_rel(std::abs(ph.v_ref[0]), 230.0, 1e-3, "|v13|");
  expect_rel(std::abs(ph.v_ref[1]), 230.0, 1e-3, "|v23|");
  expect_rel(std::abs(ph.v_ref[2]), 230.0, 1e-3, "|v12|");
  EXPECT_NEAR(angle_deg(ph.v_ref[2] / ph.v_ref[0]), 60.0, 0.05);
  expect_rel(std::abs(ph.v_star[0]), std::abs(ph.v_ref[0]) / std::sqrt(3.0), 1e-3, "|v1n|");
  EXPECT_NEAR(angle_deg(ph.v_star[0] / ph.v_ref[0]), 30.0, 0.05);
  expect_rel(std::abs(ph.v_star[1]), vp, 1e-3, "|v2n|");
  expect_rel(std::abs(ph.v_star[2]), vp, 1e-3, "|v3n|");
  EXPECT_NEAR(angle_deg(ph.v_star[1] / ph.v_star[0]), -120.0, 0.05);
  EXPECT_NEAR(angle_deg(ph.v_star[2] / ph.v_star[0]), 120.0, 0.05);
  EXPECT_NEAR(angle_deg(ph.currents[0].i1 / ph.v_star[0]), -25.0, 0.05);
  EXPECT_NEAR(angle_deg(ph.currents[1].i1 / ph.v_star[1]), -25.0, 0.05);
}

TEST(MeteringPhasors, WindowMeanOfAConstantSignalIsThePerCycleValue) {
  // 0.05 s from phase 0 holds one measured cycle (crossings at 0.02 and
  // 0.04 s); 1 s holds 48. A steady signal's phasors are the same in both.
  const std::vector<Wave> v = {sine(230, 50, 0)}, i = {sine(10, 50, -30)};
  const auto load = "  - {name: M, kind: consumer, phases: [L1], inputs: [h/1]}\n";
  MeterEngine one(site("1P-230", load)), many(site("1P-230", load));
  const auto r1 = run(one, v, i, 0.05);
  const auto rn = run(many, v, i, 1.0);
  ASSERT_EQ(r1.cycles, 1);
  EXPECT_EQ(rn.cycles, 48);
  EXPECT_NEAR(r1.phasors.seconds, 0.02, 1e-6);
  EXPECT_NEAR(rn.phasors.seconds, 0.96, 1e-6);
  EXPECT_LT(std::abs(rn.phasors.v_ref[0] - r1.phasors.v_ref[0]), 230.0 * 1e-4);
  EXPECT_LT(std::abs(rn.phasors.currents[0].i1 - r1.phasors.currents[0].i1), 10.0 * 1e-4);
}

TEST(MeteringPhasors, ResetWindowStartsAgain) {
  // 1 s at 30 deg lag, results(true), then 1 s at 60 deg lag: the second
  // window sees only 60 deg and its own 50 cycles. A window holds the cycles
  // completed since the reset, so each block runs one sample past the
  // crossing at 1.0 (2.0) s that closes its last cycle, and the current
  // changes between that crossing and the sample after it.
  MeterEngine e(site("1P-230", "  - {name: M, kind: consumer, phases: [L1], inputs: [h/1]}\n"));
  const Wave v = sine(230, 50, 0);
  const Wave i30 = sine(10, 50, -30), i60 = sine(10, 50, -60);
  const Wave i = [=](double t) { return t < 1.0 + 0.5 / 8000 ? i30(t) : i60(t); };
  feed_samples(e, {v}, {i}, 0, 8002, 8000.0);
  const auto first = e.results(true);
  EXPECT_NEAR(angle_deg(first.phasors.currents[0].i1 / first.phasors.v_ref[0]), -30.0, 0.05);
  feed_samples(e, {v}, {i}, 8002, 8000, 8000.0);
  const auto second = e.results(true);
  EXPECT_EQ(second.cycles, 50);
  EXPECT_NEAR(second.phasors.seconds, 1.0, 1e-6);
  EXPECT_NEAR(angle_deg(second.phasors.currents[0].i1 / second.phasors.v_ref[0]), -60.0, 0.05);
  expect_rel(std::abs(second.phasors.currents[0].i1), 10.0, 1e-3, "|i1| of the second window");
}

// ---- Energy of every sample -------------------------------------------------

// Exact energy (Wh) of v = sqrt2 V sin(wt + a), i = sqrt2 I sin(wt + b) over
// [t0, t0 + T): v i = V I [cos(a - b) - cos(2wt + a + b)], so
// E = V I [T cos(a - b) - (sin(2w(t0+T) + a + b) - sin(2w t0 + a + b)) / (2w)].
// Over a partial cycle the second term is real energy, not an error; it is at
// most V I / w (3.2 ms of V I at 50 Hz).
// Net energy: import minus export.
double net_wh(const LoadResult& l) { return l.energy_import_wh - l.energy_export_wh; }

double sine_energy_wh(double v, double i, double f, double a_deg, double b_deg, double t0,
                      double seconds) {
  const double w = 2 * kPi * f;
  const double ab = (a_deg + b_deg) * kDeg;
  return v * i *
         (seconds * std::cos((a_deg - b_deg) * kDeg) -
          (std::sin(2 * w * (t0 + seconds) + ab) - std::sin(2 * w * t0 + ab)) / (2 * w)) /
         3600.0;
}

TEST(MeteringEnergy, PartialCyclesAtBothEndsCount) {
  // 0.537 s (4296 samples at 8 kHz: 26.85 cycles) of 50 Hz starting at phase
  // 73 deg; 230 V, 10 A lagging 30 deg: P = 2300 cos 30 = 1991.86 W. Rising
  // crossings at phase 360k deg, t_k = (360k - 73) / 18000 s: k = 1..27, so
  // 26 whole cycles, a head of 0.797 cycle and a tail of 0.053 cycle.
  MeterEngine e(site("1P-230", "  - {name: M, kind: consumer, phases: [L1], inputs: [h/1]}\n"));
  const double rate = 8000.0, seconds = 4296 / 8000.0;
  const double last_crossing_s = (27 * 360.0 - 73) / 18000;
  feed_samples(e, {sine(230, 50, 73)}, {sine(10, 50, 43)}, 0, 4296, rate);
  const auto before = e.results();
  e.finish();
  const auto r = e.results();
  const double p = 2300 * std::cos(30 * kDeg);
  const double exact_wh = sine_energy_wh(230, 10, 50, 73, 43, 0.0, seconds);
  expect_rel(net_wh(r.loads[0]), exact_wh, 5e-4, "integral of v i over N/fs");
  // P N/fs is 0.26 % away here: the partial cycles' oscillating term, which
  // stays within V I / w.
  EXPECT_NEAR(net_wh(r.loads[0]), p * seconds / 3600.0, 2300.0 / (2 * kPi * 50) / 3600.0);
  EXPECT_NEAR(r.energy_seconds, seconds, 1e-9);
  // Before finish(): everything up to the last crossing.
  EXPECT_NEAR(before.energy_seconds, last_crossing_s, 1e-6);
  expect_rel(net_wh(before.loads[0]), sine_energy_wh(230, 10, 50, 73, 43, 0.0, last_crossing_s),
             5e-4, "up to the last crossing");
  // The tail starts at v's zero with the current still negative (it lags):
  // its 1.06 ms deliver net negative energy, which is export. Its 9 samples
  // give a coarse mean of v i: 10 %.
  const double tail_wh =
      sine_energy_wh(230, 10, 50, 73, 43, last_crossing_s, seconds - last_crossing_s);
  ASSERT_LT(tail_wh, 0.0);
  EXPECT_EQ(r.loads[0].energy_import_wh, before.loads[0].energy_import_wh);
  EXPECT_NEAR(r.loads[0].energy_export_wh - before.loads[0].energy_export_wh, -tail_wh,
              0.1 * -tail_wh);
  // Whole cycles only: finish() changes none of the averaged values.
  EXPECT_EQ(r.cycles, 26);
  EXPECT_EQ(r.cycles, before.cycles);
  EXPECT_EQ(r.loads[0].p_w, before.loads[0].p_w);
  EXPECT_EQ(r.loads[0].q_var, before.loads[0].q_var);
  EXPECT_EQ(r.frequency_hz, before.frequency_hz);
  EXPECT_EQ(r.seconds, before.seconds);
  expect_rel(r.loads[0].p_w, p, 0.002, "P of the whole cycles");
}

TEST(MeteringEnergy, OffNominalFrequency) {
  // 1 s at 49.7 Hz (49.7 cycles) from phase 0, 230 V, 12 A lagging 20 deg.
  // P N/fs would be 0.2 % off (the last 0.7 cycle's oscillating term): the
  // integral is the reference.
  MeterEngine e(site("1P-230", "  - {name: M, kind: consumer, phases: [L1], inputs: [h/1]}\n"));
  feed_samples(e, {sine(230, 49.7, 0)}, {sine(12, 49.7, -20)}, 0, 8000, 8000.0);
  e.finish();
  const auto r = e.results();
  expect_rel(net_wh(r.loads[0]), sine_energy_wh(230, 12, 49.7, 0, -20, 0.0, 1.0), 5e-4,
             "integral of v i over 1 s");
  EXPECT_NEAR(r.energy_seconds, 1.0, 1e-9);
  expect_rel(r.loads[0].p_w, 2760 * std::cos(20 * kDeg), 0.002, "P of the whole cycles");
}

TEST(MeteringEnergy, ReversedCtChargingBatteryExports) {
  // A battery charging at 230 V, 8 A, 15 deg: in its convention (+ discharge)
  // the current is -8 A at -15 deg, i.e. 8 A at 165 deg. The CT is clamped
  // backwards (reads 8 A at -15 deg) and marked `reversed`. 0.81225 s at
  // 4 kHz (3249 samples) from phase 10 deg. |E| is the integral with the
  // current's sign restored, all of it export.
  MeterEngine e(site(
      "1P-230", "  - {name: B, kind: battery, phases: [L1], inputs: [h/1], reversed: [true]}\n"));
  const double rate = 4000.0, seconds = 3249 / 4000.0;
  feed_samples(e, {sine(230, 50, 10)}, {sine(8, 50, 10 - 15)}, 0, 3249, rate);
  e.finish();
  const auto r = e.results();
  expect_rel(r.loads[0].energy_export_wh, sine_energy_wh(230, 8, 50, 10, -5, 0.0, seconds), 5e-4,
             "exported");
  EXPECT_EQ(r.loads[0].energy_import_wh, 0.0);
  expect_rel(r.loads[0].p_w, -1840 * std::cos(15 * kDeg), 0.002, "P < 0: charging");
}

TEST(MeteringEnergy, DeltaAronLoad) {
  // A balanced load on 3x230 V delta (as AronOnDeltaWithTwoCts), 10 A lagging
  // 25 deg. A balanced three-phase load draws constant instantaneous power,
  // v13 i1 + v23 i2 = sqrt3 230 10 cos 25 = 3610.2 W, so any span, whole
  // cycles or not, holds exactly P T. 0.6666 s at 8 kHz (5333 samples) from
  // phase 200 deg.
  MeterEngine e(
      site("3P-230", "  - {name: Grid, kind: grid, phases: [L1, L2], inputs: [h/1, h/2]}\n"));
  const double vp = 230.0 / std::sqrt(3.0), a = 200;
  const Wave v1 = sine(vp, 50, a), v2 = sine(vp, 50, a - 120), v3 = sine(vp, 50, a + 120);
  const Wave v13 = [=](double t) { return v1(t) - v3(t); };
  const Wave v23 = [=](double t) { return v2(t) - v3(t); };
  const double seconds = 5333 / 8000.0;
  feed_samples(e, {v13, v23}, {sine(10, 50, a - 25), sine(10, 50, a - 145)}, 0, 5333, 8000.0);
  e.finish();
  const auto r = e.results();
  const double p = std::sqrt(3.0) * 230 * 10 * std::cos(25 * kDeg);
  expect_rel(r.loads[0].energy_import_wh, p * seconds / 3600.0, 5e-4, "P N/fs");
  EXPECT_EQ(r.loads[0].energy_export_wh, 0.0);
  EXPECT_NEAR(r.energy_seconds, seconds, 1e-9);
}

TEST(MeteringEnergy, LiveStreamCountsEachSampleOnce) {
  // 3.3 s (26400 samples) of 230 V, 9 A at 40 deg lag from phase 33 deg.
  // (a) all at once, then finish(); (b) in 1 s blocks with results(true)
  // after each, as the daemon does, then finish(): the same registers;
  // (c) finish() after 1.25 s (mid-cycle) and feeding on: no instant counted
  // twice or skipped, so the exact integral still holds.
  const auto load = "  - {name: M, kind: consumer, phases: [L1], inputs: [h/1]}\n";
  const std::vector<Wave> v = {sine(230, 50, 33)}, i = {sine(9, 50, -7)};
  const double exact_wh = sine_energy_wh(230, 9, 50, 33, -7, 0.0, 3.3);
  MeterEngine a(site("1P-230", load)), b(site("1P-230", load)), c(site("1P-230", load));
  feed_samples(a, v, i, 0, 26400, 8000.0);
  a.finish();
  const auto ra = a.results();
  expect_rel(net_wh(ra.loads[0]), exact_wh, 5e-4, "all at once");
  EXPECT_NEAR(ra.energy_seconds, 3.3, 1e-9);
  for (std::int64_t first = 0; first < 26400; first += 8000) {
    const std::int64_t n = std::min<std::int64_t>(8000, 26400 - first);
    feed_samples(b, v, i, first, n, 8000.0);
    // Each second's registers cover the time up to the last crossing: within
    // one cycle (20 ms) of the samples fed, never beyond them.
    const auto live = b.results(true);
    const double fed_s = static_cast<double>(first + n) / 8000.0;
    EXPECT_LE(live.energy_seconds, fed_s);
    EXPECT_GT(live.energy_seconds, fed_s - 0.02);
  }
  const auto live = b.results();
  b.finish();
  const auto finished = b.results();
  EXPECT_EQ(finished.loads[0].energy_import_wh, ra.loads[0].energy_import_wh);
  EXPECT_EQ(finished.loads[0].energy_export_wh, ra.loads[0].energy_export_wh);
  // finish() added the tail: 3.3 s - (last crossing at (165 * 360 - 33) / 18000 s).
  EXPECT_NEAR(finished.energy_seconds - live.energy_seconds, 33.0 / 18000, 1e-6);
  b.finish();  // nothing new: adds nothing
  EXPECT_EQ(b.results().energy_seconds, finished.energy_seconds);
  EXPECT_EQ(net_wh(b.results().loads[0]), net_wh(finished.loads[0]));
  feed_samples(c, v, i, 0, 10000, 8000.0);
  c.finish();
  feed_samples(c, v, i, 10000, 16400, 8000.0);
  c.finish();
  const auto rc = c.results();
  expect_rel(net_wh(rc.loads[0]), exact_wh, 5e-4, "finished and fed on");
  EXPECT_NEAR(rc.energy_seconds, 3.3, 1e-9);
}

TEST(MeteringEnergy, SpansThatAreNotMeasuredCyclesStillCount) {
  // 30 Hz is outside 45-65 Hz: no cycle is measured (each is longer than
  // 1/40 s), yet the energy of 0.5 s of 230 V, 5 A in phase is counted:
  // 15 whole cycles, so E = P T = 1150 W * 0.5 s.
  MeterEngine e(site("1P-230", "  - {name: M, kind: consumer, phases: [L1], inputs: [h/1]}\n"));
  feed_samples(e, {sine(230, 30, 0)}, {sine(5, 30, 0)}, 0, 4000, 8000.0);
  e.finish();
  const auto r = e.results();
  EXPECT_EQ(r.cycles, 0);
  expect_rel(r.loads[0].energy_import_wh, 1150.0 * 0.5 / 3600.0, 5e-4, "E = P T");
}

}  // namespace
}  // namespace kirchhoff::metering
