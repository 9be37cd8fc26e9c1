// Installation diagnostics on synthetic sites whose wiring is known by
// construction: the currents of each load are computed from its power and
// power factor on the conductors it truly sits on, the CTs deliver them as
// truly mounted, and the installation file says something else. Each case is
// checked twice: on the exact phasors, and on 0.5 s of 4 kHz samples run
// through the metering engine.
#include "diagnostics/diagnose.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <complex>
#include <map>
#include <numbers>
#include <string>

#include "model/loader.hpp"

namespace kirchhoff::diagnostics {
namespace {

using Complex = std::complex<double>;
using Currents = std::array<Complex, 3>;  // per conductor, toward the load
constexpr double kPi = std::numbers::pi;

Complex polar_deg(double magnitude, double angle_deg) {
  return std::polar(magnitude, angle_deg * kPi / 180.0);
}

class SyntheticSite {
 public:
  // `yaml`: the installation file as configured (possibly wrong).
  explicit SyntheticSite(const std::string& yaml) : yaml_(yaml) {
    auto loaded = model::load_installation_text(yaml, "test.yaml");
    EXPECT_TRUE(static_cast<bool>(loaded)) << (loaded ? "" : loaded.error().message);
    installation_ = *loaded;
    const auto& topo = model::topology_info(installation_.site.topology);
    delta_ = !topo.has_neutral;
    phases_ = topo.phase_count;
    // Star voltages with an arbitrary rotation: nothing may depend on it.
    const double v = topo.v_ln_nominal;
    const double step = phases_ == 2 ? 180.0 : 120.0;
    for (int k = 0; k < (delta_ ? 3 : phases_); ++k) {
      star_[static_cast<std::size_t>(k)] = polar_deg(v, 37.0 - step * k);
    }
  }

  // The line voltage v_ab.
  Complex line(int a, int b) const { return star_[a] - star_[b]; }

  // A load between conductor k and neutral drawing `power_w` at `pf`
  // (lagging unless `leading`); negative power feeds in.
  Currents single(int k, double power_w, double pf, bool leading = false) const {
    return between(star_[k], k, -1, power_w, pf, leading);
  }
  // A load between conductors a and b (3P-230): in on a, out on b.
  Currents between_lines(int a, int b, double power_w, double pf, bool leading = false) const {
    return between(line(a, b), a, b, power_w, pf, leading);
  }
  // A balanced three-phase load of total `power_w`.
  Currents three_phase(double power_w, double pf, bool leading = false) const {
    Currents out{};
    for (int k = 0; k < 3; ++k) {
      out[k] = current(star_[k], power_w / 3.0, pf, leading);
    }
    return out;
  }

  // A CT on conductor k of a load's currents, possibly mounted backwards.
  // `grid_sign`: +1 for a consumer, -1 for a producer (its currents are
  // given in its own positive direction, production).
  void ct(const std::string& input, const Currents& load, int k, bool backwards = false) {
    delivered_[input] = backwards ? -load[k] : load[k];
  }
  // What the grid carries: the sum of every load (producers negative).
  void flows(const Currents& load, double grid_sign) {
    for (int k = 0; k < 3; ++k) {
      grid_[k] += grid_sign * load[k];
    }
  }
  const Currents& grid() const { return grid_; }

  const model::Installation& installation() const { return installation_; }
  const std::string& yaml() const { return yaml_; }

  // The exact phasors the engine should report.
  metering::WindowPhasors exact() const {
    metering::WindowPhasors p;
    p.seconds = 0.5;
    for (int k = 0; k < 3; ++k) {
      p.v_star[k] = k < phases_ || delta_ ? star_[k] : Complex{};
    }
    if (delta_) {
      p.v_ref = {line(0, 2), line(1, 2), line(0, 1)};
    } else {
      p.v_ref = p.v_star;
    }
    for (const auto& load : installation_.loads) {
      for (const auto& channel : load.channels) {
        const std::string name = channel.input.to_string();
        const auto it = delivered_.find(name);
        const Complex i = it == delivered_.end() ? Complex{} : it->second;
        p.currents.push_back({channel.input, i, std::abs(i)});
      }
    }
    return p;
  }

  // The same through 0.5 s of samples and the metering engine.
  metering::WindowPhasors measured() const {
    metering::MeterEngine engine(installation_);
    const auto& layout = engine.layout();
    const double rate = 4000.0;
    const double f = installation_.site.frequency_hz;
    std::vector<float> v(layout.voltages.size());
    std::vector<float> i(layout.currents.size());
    const auto exact_phasors = exact();
    for (int s = 0; s < 2000; ++s) {
      const double t = s / rate;
      auto at = [&](Complex phasor) {
        return static_cast<float>(std::sqrt(2.0) * std::abs(phasor) *
                                  std::cos(2 * kPi * f * t + std::arg(phasor)));
      };
      for (std::size_t c = 0; c < v.size(); ++c) {
        v[c] = delta_ ? at(c == 0 ? line(0, 2) : line(1, 2)) : at(star_[c]);
      }
      for (std::size_t c = 0; c < i.size(); ++c) {
        i[c] = at(exact_phasors.currents[c].i1);
      }
      engine.feed(t, v.data(), i.data());
    }
    return engine.results().phasors;
  }

 private:
  Complex current(Complex voltage, double power_w, double pf, bool leading) const {
    const double magnitude = std::abs(power_w) / (std::abs(voltage) * pf);
    const double phi = std::acos(pf) * (leading ? 1.0 : -1.0);
    return std::polar(magnitude, std::arg(voltage) + phi) * (power_w < 0 ? -1.0 : 1.0);
  }
  Currents between(Complex voltage, int a, int b, double power_w, double pf, bool leading) const {
    Currents out{};
    out[a] = current(voltage, power_w, pf, leading);
    if (b >= 0) {
      out[b] = -out[a];
    }
    return out;
  }

  std::string yaml_;
  model::Installation installation_;
  bool delta_ = false;
  int phases_ = 3;
  Currents star_{};
  Currents grid_{};
  std::map<std::string, Complex> delivered_;
};

struct Expected {
  std::string input;
  std::string verdict;
  std::string detected;  // "" for null
  bool reversed = false;
};

std::string detected_text(const InputDiagnosis& d) {
  return d.detected_phase ? std::string(model::phase_name(*d.detected_phase)) : "";
}

void expect_verdicts(const SyntheticSite& site, const std::vector<Expected>& expected) {
  for (const char* source : {"exact", "measured"}) {
    const auto phasors = std::string(source) == "exact" ? site.exact() : site.measured();
    const Diagnosis diagnosis = diagnose(site.installation(), phasors);
    for (const Expected& e : expected) {
      const auto it = std::find_if(diagnosis.inputs.begin(), diagnosis.inputs.end(),
                                   [&](const auto& d) { return d.input.to_string() == e.input; });
      ASSERT_NE(it, diagnosis.inputs.end()) << e.input;
      EXPECT_EQ(verdict_name(it->verdict), e.verdict)
          << source << " " << e.input << ": " << it->why << " " << to_json(diagnosis).dump();
      EXPECT_EQ(detected_text(*it), e.detected) << source << " " << e.input;
      EXPECT_EQ(it->reversed, e.reversed) << source << " " << e.input;
    }
  }
}

// The corrected file must load, and diagnosing the same currents against it
// must say ok for every input that had a fix.
void expect_fix_heals(const SyntheticSite& site, const SyntheticSite& healed_site_with_same_ct) {
  const Diagnosis diagnosis = diagnose(site.installation(), site.exact());
  auto corrected = corrected_installation(site.yaml(), site.installation(), diagnosis);
  ASSERT_TRUE(static_cast<bool>(corrected)) << corrected.error().message;
  EXPECT_EQ(*corrected, healed_site_with_same_ct.yaml());
}

const char* kStarHeader =
    R"(site: {name: Test, topology: 3P+N-400, frequency: 50, main_breaker_a: 40}
gateway: genius
bus:
  - ct_hub: hub1
    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}, 3: {ct: split-100A}, 4: {ct: split-50A}}
  - ct_hub: hub2
    inputs: {1: {ct: split-50A}, 2: {ct: split-50A}, 3: {ct: split-50A}, 4: {ct: split-50A}}
  - ct_hub: hub3
    inputs: {1: {ct: split-50A}, 2: {ct: split-50A}, 3: {ct: split-50A}, 4: {ct: split-50A}}
)";

TEST(Diagnose, SinglePhaseConsumerOnAnotherPhase) {
  // Configured on L1, fed by L3: 2300 W at PF 0.97 lagging is 10.3 A at
  // -14 degrees from V3 and 106 degrees from V1.
  SyntheticSite site(std::string(kStarHeader) + R"(loads:
  - {name: Oven, kind: consumer, phases: [L1], inputs: [hub2/1]}
)");
  site.ct("hub2/1", site.single(2, 2300, 0.97), 2);
  expect_verdicts(site, {{"hub2/1", "wrong_phase", "L3", false}});
}

TEST(Diagnose, ThreePhaseLoadWithSwappedPhases) {
  SyntheticSite site(std::string(kStarHeader) + R"(loads:
  - {name: EV, kind: ev, phases: [L1, L2, L3], inputs: [hub3/1, hub3/2, hub3/3]}
)");
  const Currents ev = site.three_phase(11000, 0.99);
  site.ct("hub3/1", ev, 1);  // the CTs of L1 and L2 swapped
  site.ct("hub3/2", ev, 0);
  site.ct("hub3/3", ev, 2);
  expect_verdicts(site, {{"hub3/1", "wrong_phase", "L2", false},
                         {"hub3/2", "wrong_phase", "L1", false},
                         {"hub3/3", "ok", "L3", false}});
}

TEST(Diagnose, ReversedConsumerSolarAndBothWrong) {
  SyntheticSite site(std::string(kStarHeader) + R"(loads:
  - {name: Heat pump, kind: heatpump, phases: [L2], inputs: [hub2/4]}
  - {name: Solar, kind: solar, phases: [L1, L2, L3], inputs: [hub2/1, hub2/2, hub2/3]}
  - {name: Sockets, kind: consumer, phases: [L3], inputs: [hub3/1]}
)");
  site.ct("hub2/4", site.single(1, 1800, 0.95), 1, /*backwards=*/true);
  const Currents solar = site.three_phase(6000, 1.0);
  site.ct("hub2/1", solar, 0, true);
  site.ct("hub2/2", solar, 1);
  site.ct("hub2/3", solar, 2);
  // On L2 and backwards: -V2 is 60 degrees from V1 and 180 from V3... the
  // configured L3 would be PF cos(81.6) = 0.15: it does not fit.
  site.ct("hub3/1", site.single(1, 900, 0.93), 1, true);
  expect_verdicts(site, {{"hub2/4", "reversed", "L2", true},
                         {"hub2/1", "reversed", "L1", true},
                         {"hub2/2", "ok", "L2", false},
                         {"hub3/1", "wrong_phase_reversed", "L2", true}});
}

TEST(Diagnose, LeadingAndLaggingLoadsWithinOrdinaryPowerFactors) {
  SyntheticSite site(std::string(kStarHeader) + R"(loads:
  - {name: A, kind: consumer, phases: [L1], inputs: [hub2/1]}
  - {name: B, kind: consumer, phases: [L2], inputs: [hub2/2]}
  - {name: C, kind: consumer, phases: [L3], inputs: [hub2/3]}
  - {name: D, kind: consumer, phases: [L1], inputs: [hub2/4]}
)");
  site.ct("hub2/1", site.single(0, 1000, 0.9, /*leading=*/true), 0);  // 25.8 deg leading, right
  site.ct("hub2/2", site.single(1, 1000, 0.9), 1);                    // 25.8 deg lagging, right
  site.ct("hub2/3", site.single(0, 1000, 0.92, true), 0);  // on L1 leading, configured L3
  site.ct("hub2/4", site.single(1, 1000, 0.92), 1);        // on L2 lagging, configured L1
  expect_verdicts(site, {{"hub2/1", "ok", "L1", false},
                         {"hub2/2", "ok", "L2", false},
                         {"hub2/3", "wrong_phase", "L1", false},
                         {"hub2/4", "wrong_phase", "L2", false}});
}

TEST(Diagnose, LowPowerFactorNeverGivesAWrongVerdict) {
  // PF 0.6 lagging on L1 is 53 degrees behind V1 and 7 degrees from -V3:
  // it also fits "L3 reversed" at PF 0.99. Configured right, it must not
  // be "fixed".
  SyntheticSite site(std::string(kStarHeader) + R"(loads:
  - {name: Motor, kind: consumer, phases: [L1], inputs: [hub2/1]}
)");
  site.ct("hub2/1", site.single(0, 800, 0.6), 0);
  expect_verdicts(site, {{"hub2/1", "undecided", "", false}});
}

TEST(Diagnose, NoCurrentAndOverrange) {
  SyntheticSite site(std::string(kStarHeader) + R"(loads:
  - {name: Idle, kind: consumer, phases: [L1], inputs: [hub2/1]}
  - {name: Big, kind: consumer, phases: [L2], inputs: [hub2/2]}
)");
  site.ct("hub2/1", site.single(0, 10, 1.0), 0);     // 0.04 A: below 0.1 A
  site.ct("hub2/2", site.single(1, 13800, 1.0), 1);  // 60 A on a 50 A CT
  expect_verdicts(site,
                  {{"hub2/1", "no_current", "", false}, {"hub2/2", "overrange", "L2", false}});
}

TEST(Diagnose, ReversedGridFoundByTheCurrentLawWithSolar) {
  // Solar 6 kW on three phases, a 2 kW heat pump on L2, 1 kW of sockets on
  // L1: the grid exports, so its direction says nothing by itself. Every
  // circuit is metered, so grid = circuits exactly on the right assignment.
  SyntheticSite site(std::string(kStarHeader) + R"(loads:
  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [hub1/1, hub1/2, hub1/3]}
  - {name: Solar, kind: solar, phases: [L1, L2, L3], inputs: [hub2/1, hub2/2, hub2/3]}
  - {name: Heat pump, kind: heatpump, phases: [L2], inputs: [hub2/4]}
  - {name: Sockets, kind: consumer, phases: [L1], inputs: [hub3/1]}
)");
  const Currents solar = site.three_phase(6000, 1.0);
  const Currents hp = site.single(1, 2000, 0.95);
  const Currents sockets = site.single(0, 1000, 0.97);
  site.flows(solar, -1.0);
  site.flows(hp, 1.0);
  site.flows(sockets, 1.0);
  for (int k = 0; k < 3; ++k) {
    site.ct("hub2/" + std::to_string(k + 1), solar, k);
  }
  site.ct("hub2/4", hp, 1);
  site.ct("hub3/1", sockets, 0);
  site.ct("hub1/1", site.grid(), 0);
  site.ct("hub1/2", site.grid(), 2, /*backwards=*/true);  // on L3, backwards
  site.ct("hub1/3", site.grid(), 1);                      // on L2
  expect_verdicts(site, {{"hub1/1", "ok", "L1", false},
                         {"hub1/2", "wrong_phase_reversed", "L3", true},
                         {"hub1/3", "wrong_phase", "L2", false}});
}

TEST(Diagnose, GridWithoutGenerationImports) {
  SyntheticSite site(std::string(kStarHeader) + R"(loads:
  - {name: Grid, kind: grid, phases: [L1, L2, L3], inputs: [hub1/1, hub1/2, hub1/3]}
)");
  site.flows(site.single(0, 3000, 0.95), 1.0);
  site.flows(site.single(1, 1200, 0.9), 1.0);
  site.flows(site.single(2, 2000, 0.98), 1.0);
  site.ct("hub1/1", site.grid(), 0, true);
  site.ct("hub1/2", site.grid(), 2);
  site.ct("hub1/3", site.grid(), 1);
  expect_verdicts(site, {{"hub1/1", "reversed", "L1", true},
                         {"hub1/2", "wrong_phase", "L3", false},
                         {"hub1/3", "wrong_phase", "L2", false}});
}

TEST(Diagnose, BatteryOnAnotherPhaseKeepsItsConfiguredDirection) {
  SyntheticSite site(std::string(kStarHeader) + R"(loads:
  - {name: Battery, kind: battery, phases: [L1], inputs: [hub1/4], reversed: [true]}
)");
  // Charging (negative P in its convention) on L2, with the CT backwards as
  // configured: the current seen is +V2 direction.
  site.ct("hub1/4", site.single(1, -2500, 1.0), 1, true);
  expect_verdicts(site, {{"hub1/4", "wrong_phase", "L2", true}});
}

const char* kDeltaHeader =
    R"(site: {name: Delta, topology: 3P-230, frequency: 50, main_breaker_a: 40}
gateway: genius
bus:
  - ct_hub: hub1
    inputs: {1: {ct: split-100A}, 2: {ct: split-100A}, 3: {ct: split-50A}, 4: {ct: split-50A}}
  - ct_hub: hub2
    inputs: {1: {ct: split-50A}, 2: {ct: split-50A}}
)";

TEST(Diagnose, DeltaAronLoadRightSwappedAndReversed) {
  // A balanced 3-phase heat pump measured with two CTs (Aron, reference L3).
  SyntheticSite right(std::string(kDeltaHeader) + R"(loads:
  - {name: Heat pump, kind: heatpump, phases: [L1, L2], inputs: [hub1/3, hub1/4]}
)");
  const Currents hp = right.three_phase(6000, 0.95);
  right.ct("hub1/3", hp, 0);
  right.ct("hub1/4", hp, 1);
  expect_verdicts(right, {{"hub1/3", "ok", "L1", false}, {"hub1/4", "ok", "L2", false}});

  SyntheticSite swapped(std::string(kDeltaHeader) + R"(loads:
  - {name: Heat pump, kind: heatpump, phases: [L1, L2], inputs: [hub1/3, hub1/4]}
)");
  swapped.ct("hub1/3", hp, 1);
  swapped.ct("hub1/4", hp, 0, true);
  expect_verdicts(swapped, {{"hub1/3", "wrong_phase", "L2", false},
                            {"hub1/4", "wrong_phase_reversed", "L1", true}});

  // CTs on conductors L1 and L3: the file measures against L3, so the CT on
  // L3 has to move to L2; the file cannot be fixed for it.
  SyntheticSite other_pair(std::string(kDeltaHeader) + R"(loads:
  - {name: Heat pump, kind: heatpump, phases: [L1, L2], inputs: [hub1/3, hub1/4]}
)");
  other_pair.ct("hub1/3", hp, 0);
  other_pair.ct("hub1/4", hp, 2);
  expect_verdicts(other_pair,
                  {{"hub1/3", "ok", "L1", false}, {"hub1/4", "wrong_phase", "L3", false}});
  const Diagnosis d = diagnose(other_pair.installation(), other_pair.exact());
  EXPECT_FALSE(d.inputs[1].fixable);
  EXPECT_EQ(d.fixes(), 0);
  auto corrected = corrected_installation(other_pair.yaml(), other_pair.installation(), d);
  ASSERT_TRUE(static_cast<bool>(corrected));
  EXPECT_EQ(*corrected, other_pair.yaml());
}

TEST(Diagnose, DeltaSinglePhaseLoads) {
  // An oven between L1 and L2 clamped on L1 is configured L3 (v12); one
  // between L2 and L3 clamped on L2 is L2 (v23).
  SyntheticSite site(std::string(kDeltaHeader) + R"(loads:
  - {name: Oven, kind: consumer, phases: [L3], inputs: [hub2/1]}
  - {name: Dryer, kind: consumer, phases: [L1], inputs: [hub2/2]}
)");
  site.ct("hub2/1", site.between_lines(0, 1, 3000, 0.99), 0);
  site.ct("hub2/2", site.between_lines(1, 2, 2000, 0.97), 1);  // configured L1, truly v23
  expect_verdicts(site, {{"hub2/1", "ok", "L3", false}, {"hub2/2", "wrong_phase", "L2", false}});
}

TEST(Diagnose, SinglePhaseAndSplitPhase) {
  SyntheticSite single(R"(site: {name: Flat, topology: 1P-230, frequency: 50, main_breaker_a: 40}
gateway: genius
bus:
  - ct_hub: hub1
    inputs: {1: {ct: split-100A}, 2: {ct: split-50A}}
loads:
  - {name: Grid, kind: grid, phases: [L1], inputs: [hub1/1]}
  - {name: Boiler, kind: consumer, phases: [L1], inputs: [hub1/2]}
)");
  const Currents boiler = single.single(0, 2400, 1.0);
  single.flows(boiler, 1.0);
  single.ct("hub1/1", single.grid(), 0, true);
  single.ct("hub1/2", boiler, 0);
  expect_verdicts(single, {{"hub1/1", "reversed", "L1", true}, {"hub1/2", "ok", "L1", false}});

  // 120/240 V: the 240 V air conditioner's CT on L2 follows V2 = -V1.
  SyntheticSite split(R"(site: {name: Home, topology: 2P+N-240, frequency: 60, main_breaker_a: 200}
gateway: genius
bus:
  - ct_hub: hub1
    inputs: {1: {ct: split-50A}, 2: {ct: split-50A}, 3: {ct: split-50A}}
loads:
  - {name: Air conditioning, kind: consumer, phases: [L1, L2], inputs: [hub1/1, hub1/2]}
  - {name: Kitchen, kind: consumer, phases: [L1], inputs: [hub1/3]}
)");
  const Currents ac = split.single(0, 3600, 0.95);  // 240 V between L1 and L2: with V1 (and -V2)
  split.ct("hub1/1", ac, 0);
  split.ct("hub1/2", Currents{-ac[0], -ac[0], {}}, 1);
  split.ct("hub1/3", split.single(1, 1200, 0.97), 1);  // on L2
  expect_verdicts(split, {{"hub1/1", "ok", "L1", false},
                          {"hub1/2", "ok", "L2", false},
                          {"hub1/3", "wrong_phase", "L2", false}});
}

TEST(Diagnose, EveryStarTopologyFindsAMovedCt) {
  for (const char* topology : {"3P+N-400", "3P+N-208", "3P+N-480", "3P+N-600"}) {
    SyntheticSite site(std::string("site: {name: T, topology: ") + topology +
                       R"(, frequency: 60, main_breaker_a: 100}
gateway: genius
bus:
  - ct_hub: hub1
    inputs: {1: {ct: split-50A}}
loads:
  - {name: Pump, kind: consumer, phases: [L2], inputs: [hub1/1]}
)");
    site.ct("hub1/1", site.single(0, 2000, 0.95), 0);
    expect_verdicts(site, {{"hub1/1", "wrong_phase", "L1", false}});
  }
}

TEST(CorrectedInstallation, KeepsCommentsAndLayoutAndAddsReversed) {
  const std::string header = kStarHeader;
  SyntheticSite site(header + R"(loads:   # what is measured
  - {name: Sockets, kind: consumer, phases: [L1], inputs: [hub2/1]}  # kitchen wall
  - name: Heat pump   # garden
    kind: heatpump
    phases: [L1, L2, L3]
    inputs:
      - hub3/1
      - hub3/2
      - hub3/3
    breaker_a: 16
  - {name: Solar, kind: solar, phases: [L1], inputs: [hub2/2], reversed: [false]}
)");
  site.ct("hub2/1", site.single(2, 1500, 0.97), 2, true);
  const Currents hp = site.three_phase(5000, 0.95);
  site.ct("hub3/1", hp, 0);
  site.ct("hub3/2", hp, 1, true);
  site.ct("hub3/3", hp, 2);
  site.ct("hub2/2", site.single(0, 3000, 1.0), 0, true);
  // By hand: only the phase and reversed entries change; comments stay.
  SyntheticSite healed(header + R"(loads:   # what is measured
  - {name: Sockets, kind: consumer, phases: [L3], inputs: [hub2/1], reversed: [true]}  # kitchen wall
  - name: Heat pump   # garden
    kind: heatpump
    phases: [L1, L2, L3]
    inputs:
      - hub3/1
      - hub3/2
      - hub3/3
    reversed: [false, true, false]
    breaker_a: 16
  - {name: Solar, kind: solar, phases: [L1], inputs: [hub2/2], reversed: [true]}
)");
  expect_fix_heals(site, healed);
  // And against the corrected file every input is ok.
  healed.ct("hub2/1", site.single(2, 1500, 0.97), 2, true);
  healed.ct("hub3/1", hp, 0);
  healed.ct("hub3/2", hp, 1, true);
  healed.ct("hub3/3", hp, 2);
  healed.ct("hub2/2", site.single(0, 3000, 1.0), 0, true);
  const Diagnosis after = diagnose(healed.installation(), healed.exact());
  EXPECT_EQ(after.fixes(), 0) << to_json(after).dump();
}

TEST(CorrectedInstallation, NothingToFixGivesTheSameText) {
  SyntheticSite site(std::string(kStarHeader) + R"(loads:
  - {name: Oven, kind: consumer, phases: [L1], inputs: [hub2/1]}
)");
  site.ct("hub2/1", site.single(0, 2300, 0.97), 0);
  const Diagnosis d = diagnose(site.installation(), site.exact());
  auto corrected = corrected_installation(site.yaml(), site.installation(), d);
  ASSERT_TRUE(static_cast<bool>(corrected));
  EXPECT_EQ(*corrected, site.yaml());
}

TEST(DiagnosisJson, HasTheContractKeys) {
  SyntheticSite site(std::string(kStarHeader) + R"(loads:
  - {name: Oven, kind: consumer, phases: [L1], inputs: [hub2/1]}
  - {name: Idle, kind: consumer, phases: [L2], inputs: [hub2/2]}
)");
  // 2300 W at PF 0.93 lagging on L3: angle -21.6 degrees (acos 0.93).
  site.ct("hub2/1", site.single(2, 2300, 0.93), 2);
  const nlohmann::json j = to_json(diagnose(site.installation(), site.exact()));
  const auto& oven = j["inputs"][0];
  EXPECT_EQ(oven["input"], "hub2/1");
  EXPECT_EQ(oven["load"], "Oven");
  EXPECT_EQ(oven["configured_phase"], "L1");
  EXPECT_EQ(oven["detected_phase"], "L3");
  EXPECT_EQ(oven["reversed"], false);
  EXPECT_EQ(oven["verdict"], "wrong_phase");
  EXPECT_NEAR(oven["evidence"]["angle_deg"].get<double>(), -21.6, 0.05);
  EXPECT_NEAR(oven["evidence"]["p_w"].get<double>(), 2300.0, 0.1);
  EXPECT_NEAR(oven["evidence"]["pf"].get<double>(), 0.93, 0.0005);
  EXPECT_TRUE(j["inputs"][1]["detected_phase"].is_null());
  EXPECT_EQ(j["inputs"][1]["verdict"], "no_current");
  EXPECT_EQ(j["fixes"], 1);
}

}  // namespace
}  // namespace kirchhoff::diagnostics
