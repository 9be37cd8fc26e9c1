// Installation diagnostics: from the fundamentals of every CT and voltage,
// which phase each CT's current belongs to and which way round it is mounted,
// and the installation file corrected accordingly (docs/diagnostics.md).
// Pure functions on plain values; safe to call from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "metering/engine.hpp"
#include "model/installation.hpp"

namespace kirchhoff::diagnostics {

enum class Verdict {
  kOk,
  kWrongPhase,
  kReversed,
  kWrongPhaseReversed,
  kNoCurrent,
  kOverrange,
  kUndecided,
};
std::string_view verdict_name(Verdict verdict);  // "ok", "wrong_phase", ...

// True for the verdicts that change the installation file.
bool is_wiring_fix(Verdict verdict);

struct Evidence {
  double angle_deg = 0.0;  // current against the detected (else configured) voltage; < 0 lags
  double p_w = 0.0;        // fundamental active power under that hypothesis
  double pf = 0.0;         // displacement power factor, cos(angle)
  double i_a = 0.0;        // RMS current
  // The current against each phase's reference voltage, as delivered (no
  // `reversed`); only the topology's phases.
  std::vector<std::pair<model::Phase, double>> angles_deg;
  std::vector<std::string> basis;         // "angle", "kind", "kcl", "configured"
  std::optional<double> kcl_residual_a;   // where the current law decided
  std::optional<model::Phase> conductor;  // 3P-230: the conductor the CT is on
};

struct InputDiagnosis {
  model::InputRef input;
  std::string load;
  model::Phase configured_phase = model::Phase::kL1;
  bool configured_reversed = false;
  std::optional<model::Phase> detected_phase;  // empty: no current or undecided
  bool reversed = false;                       // the value `reversed` must have
  Verdict verdict = Verdict::kUndecided;
  // False when the fix is to move the CT (3P-230: a two-CT load's CT on the
  // reference conductor L3): the file cannot express that wiring.
  bool fixable = true;
  std::string why;  // for undecided, overrange and unfixable wiring: in words
  Evidence evidence;
};

struct Diagnosis {
  double seconds = 0.0;                // how much measurement it rests on
  std::vector<InputDiagnosis> inputs;  // in the installation's load and channel order
  int fixes() const;                   // inputs whose fix changes the file
};

// Diagnoses every CT input of the installation's loads from the phasors the
// metering engine measured with that installation.
Diagnosis diagnose(const model::Installation& installation, const metering::WindowPhasors& phasors);

// The installation file's text with only the `phases` and `reversed` entries
// of the inputs to fix changed, everything else (comments, layout) kept. The
// result is loaded again and must give exactly the intended channels; an
// error says why it could not be written.
common::Result<std::string> corrected_installation(const std::string& yaml,
                                                   const model::Installation& installation,
                                                   const Diagnosis& diagnosis);

// {"inputs": [{input, load, configured_phase, configured_reversed,
// detected_phase, reversed, verdict, fixable, why?, evidence}], "fixes", "seconds"}.
nlohmann::json to_json(const Diagnosis& diagnosis);

}  // namespace kirchhoff::diagnostics
