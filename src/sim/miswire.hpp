// Mis-wired CTs for the simulator's waveform mode (docs/simulator.md): the
// physical truth of some CT inputs where it differs from the installation
// file, so the installation diagnostics (docs/diagnostics.md) have something
// to find.
//
// The spec is a comma-separated list of `INPUT=PHASE`, `INPUT=PHASE:reversed`
// or `INPUT=reversed` (e.g. `hub1/2=L3,hub1/5=L1:reversed,hub2/1=reversed`).
// Each entry states where that CT truly is: on PHASE (the installation file's
// naming: a conductor on star topologies, a voltage on 3P-230) or, without a
// phase, on its configured one; mounted backwards with `reversed`, the right
// way (K->L toward the load) without. The truth is absolute: after the file
// is corrected to match it, metering is right. Inputs the spec does not name
// are wired as the file says.
//
// Plain values; parsing never throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "model/installation.hpp"

namespace kirchhoff::sim {

// The physical truth of one CT input.
struct CtTruth {
  model::InputRef input;
  std::optional<model::Phase> phase;  // empty: the configured phase
  bool reversed = false;              // mounted backwards: delivers the negated current
  friend bool operator==(const CtTruth&, const CtTruth&) = default;
};

struct Miswiring {
  std::vector<CtTruth> entries;  // in spec order, each input at most once

  bool empty() const { return entries.empty(); }
  // The entry of `input`, or null when it is wired as the file says.
  const CtTruth* find(const model::InputRef& input) const;
  // The spec text that parses back to these entries ("" when empty).
  std::string to_string() const;
  friend bool operator==(const Miswiring&, const Miswiring&) = default;
};

// Parses a spec against the installation it mis-wires. The first problem is
// the error; its message names the entry and the reason: bad syntax, an
// input not on the bus (with a suggestion), an input no load uses, a phase
// the topology lacks, an input named twice, an empty spec.
common::Result<Miswiring> parse_miswire(std::string_view spec,
                                        const model::Installation& installation);

// The same, keeping what `installation` can take: for a spec checked against
// an earlier installation when a new one replaces it. Each entry left out
// adds its error message to `dropped`.
Miswiring parse_miswire_lenient(std::string_view spec, const model::Installation& installation,
                                std::vector<std::string>& dropped);

}  // namespace kirchhoff::sim
