// Waveform mode: turns the site physics of each second into synchronised
// voltage and current samples, the raw input of the metering engine, as a
// Power Box would sample them.
//
// Voltages: per phase a sine at the site's drifting frequency (phase angle
// integrated sample by sample, so a frequency change never jumps), with 1.5 %
// third and 3 % fifth harmonic, typical of a low-voltage grid. L2 lags L1 by
// 120 degrees and L3 by 240 (split phase: L2 at 180). On 3P-230 the channels
// are the line voltages v13 and v23.
//
// Currents: each load channel carries the current of its power against its
// reference voltage (phase-to-neutral; on 3P-230: L1 -> v13, L2 -> v23,
// L3 -> v12), at the power factor of its kind (heat pump 0.95 lagging, EV
// 0.99, consumers 0.97 lagging with a 15 % third harmonic, PV and battery
// 1.0). The grid channels carry the sum of every other load's current on
// their conductor (a load between L1 and L2 on 3P-230 flows in on L1 and out
// on L2), so P and Q add up as in a real panel. A CT wired backwards
// (`reversed: true`) delivers the negated current: the metering engine's
// configuration flips it back.
//
// Mis-wiring (sim/miswire.hpp): the currents follow where each CT physically
// is; the installation only names the columns. A single-CT load's circuit is
// on its CT's true phase: its power flows against that phase's voltage and
// adds to that grid conductor. A load with several CTs keeps its conductors
// where the physics puts them (its configured phases), and a CT truly on
// phase q picks up the load's current on conductor q (nothing when the load
// has none there); the grid's CTs carry their true conductor's sum. On
// 3P-230 a single-CT load's phase names its voltage (L3 = v12) while the CTs
// of multi-CT loads and of the grid sit on conductors, L3 being the
// reference conductor that returns the current of L1 and L2. A CT truly
// mounted backwards delivers the negated current.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/installation.hpp"
#include "sim/miswire.hpp"
#include "sim/site.hpp"

namespace kirchhoff::sim {

struct SampleBlock {
  double t0_s = 0.0;  // time of the first sample
  double rate_hz = 0.0;
  std::size_t samples = 0;
  // Structure of arrays: voltages[channel][i], currents[input][i].
  std::vector<std::vector<float>> voltages;
  std::vector<std::vector<float>> currents;
};

class WaveformGenerator {
 public:
  // `installation` must outlive the generator. `miswiring` (for this
  // installation, see parse_miswire) says where CTs truly are; by default
  // every CT is wired as the installation says.
  WaveformGenerator(const model::Installation& installation, double rate_hz,
                    const Miswiring& miswiring = {});

  // Column names in CSV order: "v1".."v3" (or "v13","v23"), then one per CT
  // input used by a load, named by its reference ("hub1/3").
  const std::vector<std::string>& voltage_names() const { return voltage_names_; }
  const std::vector<model::InputRef>& inputs() const { return inputs_; }

  // One second of samples for the state of that second.
  const SampleBlock& generate(const SiteState& state);

 private:
  struct Channel {
    std::size_t load;
    int phase;       // configured: the index of the physics' power
    int true_phase;  // where the CT physically is
    bool true_reversed;
  };
  const model::Installation& installation_;
  double rate_hz_;
  std::vector<std::string> voltage_names_;
  std::vector<model::InputRef> inputs_;
  std::vector<Channel> channels_;  // parallel to inputs_
  double angle_rad_ = 0.0;         // phase of L1's fundamental
  double t_s_ = 0.0;
  SampleBlock block_;
};

// Power factor the waveform generator gives a load kind (for tests and docs).
double waveform_power_factor(model::LoadKind kind);
// tan(acos(power factor)): the reactive power per watt of that kind of load.
double reactive_per_active(model::LoadKind kind);

}  // namespace kirchhoff::sim
