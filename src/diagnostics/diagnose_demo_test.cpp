// The diagnosis on the simulated demo house, end to end: the simulator's
// physics becomes 4 kHz samples (sim::WaveformGenerator, with CTs mis-wired
// on purpose or not), the metering engine measures them with the
// installation file as written, and the diagnosis must find exactly the
// mis-wired CTs: never a "fix" for a CT wired right, at any hour of the year.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/time.hpp"
#include "diagnostics/diagnose.hpp"
#include "model/loader.hpp"
#include "sim/miswire.hpp"
#include "sim/site.hpp"
#include "sim/waveform.hpp"

namespace kirchhoff::diagnostics {
namespace {

model::Installation demo() {
  auto loaded =
      model::load_installation_file(std::string(KIRCHHOFF_SOURCE_DIR) + "/examples/demo.yaml");
  EXPECT_TRUE(static_cast<bool>(loaded));
  return *loaded;
}

// One second of the demo from `start_unix_s`, as the file describes it,
// wired as `miswire` says.
Diagnosis diagnose_second(const model::Installation& installation, std::int64_t start_unix_s,
                          const std::string& miswire) {
  sim::SiteOptions options;
  options.start_unix_s = start_unix_s;
  sim::SiteSimulator site(installation, options);
  auto wiring = sim::parse_miswire(miswire, installation);
  EXPECT_TRUE(miswire.empty() || static_cast<bool>(wiring));
  sim::WaveformGenerator generator(site.installation(), 4000.0,
                                   miswire.empty() ? sim::Miswiring{} : *wiring);
  metering::MeterEngine engine(installation);
  std::vector<float> v(engine.layout().voltages.size());
  std::vector<float> i(engine.layout().currents.size());
  const sim::SampleBlock& block = generator.generate(site.step());
  for (std::size_t s = 0; s < block.samples; ++s) {
    for (std::size_t c = 0; c < v.size(); ++c) {
      v[c] = block.voltages[c][s];
    }
    for (std::size_t c = 0; c < i.size(); ++c) {
      i[c] = block.currents[c][s];
    }
    engine.feed(block.t0_s + static_cast<double>(s) / block.rate_hz, v.data(), i.data());
  }
  return diagnose(installation, engine.results().phasors);
}

std::int64_t at(const char* utc) { return *common::parse_utc_time(utc); }

TEST(DiagnoseDemo, NothingWiredRightIsEverFixed) {
  const model::Installation installation = demo();
  for (const char* month : {"01", "04", "07", "10"}) {
    for (const char* hour : {"06", "12", "18"}) {
      const std::string when = std::string("2026-") + month + "-15T" + hour + ":10:00Z";
      const Diagnosis d = diagnose_second(installation, at(when.c_str()), "");
      EXPECT_EQ(d.fixes(), 0) << when << ": " << to_json(d).dump();
      int ok = 0;
      for (const InputDiagnosis& input : d.inputs) {
        ok += input.verdict == Verdict::kOk ? 1 : 0;
      }
      EXPECT_GE(ok, 2) << when;  // some CTs always carry current: the test says something
    }
  }
}

struct Expected {
  const char* input;
  Verdict verdict;
  model::Phase detected;
};

struct Case {
  const char* when;
  const char* miswire;
  std::vector<Expected> expected;  // every input the spec names
};

TEST(DiagnoseDemo, FindsEachMisWiredCtAndNothingElse) {
  using model::Phase;
  const model::Installation installation = demo();
  // Instants at which the loads behind the CTs run (lights, sockets and the
  // battery on a January evening; solar at a July noon).
  const std::vector<Case> cases = {
      {"2026-01-15T17:30:00Z", "sc1/1=L2", {{"sc1/1", Verdict::kWrongPhase, Phase::kL2}}},
      {"2026-01-15T17:30:00Z", "sc1/2=reversed", {{"sc1/2", Verdict::kReversed, Phase::kL2}}},
      {"2026-07-15T12:10:00Z",
       "hub2/1=L3:reversed,hub2/3=L1",
       {{"hub2/1", Verdict::kWrongPhaseReversed, Phase::kL3},
        {"hub2/3", Verdict::kWrongPhase, Phase::kL1}}},
      {"2026-07-15T12:10:00Z", "hub2/2=reversed", {{"hub2/2", Verdict::kReversed, Phase::kL2}}},
      {"2026-01-15T17:30:00Z", "hub1/1=reversed", {{"hub1/1", Verdict::kReversed, Phase::kL1}}},
      {"2026-01-15T17:30:00Z",
       "hub1/2=L3,hub1/3=L2",
       {{"hub1/2", Verdict::kWrongPhase, Phase::kL3},
        {"hub1/3", Verdict::kWrongPhase, Phase::kL2}}},
  };
  for (const Case& c : cases) {
    const Diagnosis d = diagnose_second(installation, at(c.when), c.miswire);
    int fixes = 0;
    for (const InputDiagnosis& input : d.inputs) {
      fixes += is_wiring_fix(input.verdict) ? 1 : 0;
      for (const Expected& e : c.expected) {
        if (input.input.to_string() == e.input) {
          EXPECT_EQ(verdict_name(input.verdict), verdict_name(e.verdict))
              << c.miswire << ": " << to_json(d).dump();
          EXPECT_EQ(input.detected_phase, e.detected) << c.miswire;
        }
      }
    }
    EXPECT_EQ(fixes, static_cast<int>(c.expected.size())) << c.miswire << ": " << to_json(d).dump();
  }
}

}  // namespace
}  // namespace kirchhoff::diagnostics
