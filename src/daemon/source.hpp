// Where a daemon's measurements come from. A source produces one site
// snapshot per cycle; sources that deliver waveforms run them through the
// metering engine, sources that deliver powers (P1 meters, Modbus meters, the
// simulator's power mode) fill the snapshot directly.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "common/log.hpp"
#include "common/result.hpp"
#include "control/input.hpp"
#include "devices/capabilities.hpp"
#include "metering/engine.hpp"
#include "model/installation.hpp"
#include "sim/miswire.hpp"
#include "snapshot/snapshot.hpp"

namespace kirchhoff::sim {
class SiteSimulator;
struct SiteState;
}  // namespace kirchhoff::sim

namespace kirchhoff::daemon {

class SnapshotSource {
 public:
  virtual ~SnapshotSource() = default;
  // The snapshot of the cycle ending at `unix_ms`. Sources that meter energy
  // themselves set `has_energy`; for the others the daemon integrates P. An
  // error means no fresh measurement this cycle.
  virtual common::Result<snapshot::SiteSnapshot> next(std::int64_t unix_ms) = 0;
  // The controllable devices behind the source, when it has any (for
  // control and people's relay switches); owned by the source.
  virtual const devices::SiteDevices* devices() { return nullptr; }
  // The real devices behind the source as their poller sees them now, also
  // when no snapshot can be built (a grid meter that never answered).
  virtual std::vector<snapshot::DeviceValues> device_values() { return {}; }
  // Sources with samples: the fundamental phasors of what the last next()
  // measured (seconds 0 before the first), for the installation
  // diagnostics; valid until the next call of next(). Null for sources
  // without samples (power mode, devices).
  virtual const metering::WindowPhasors* phasors() const { return nullptr; }
  // Sessions the cars declare themselves (the simulator's cars do on
  // arrival, as `simulate` has them; a real charger does not): put into the
  // input's chargers that have no session a person declared.
  virtual void declared_sessions(control::ControlInput& input) { (void)input; }
};

// The simulator in power mode, one simulated second per cycle, starting at the
// given time so the sun stands where it really is.
std::unique_ptr<SnapshotSource> make_simulated_power_source(const model::Installation& installation,
                                                            std::uint64_t seed,
                                                            std::int64_t start_unix_s);

// The snapshot of a simulated site's state in power mode (P per phase from
// the physics; Q, S, I from each kind of load's power factor).
snapshot::SiteSnapshot power_snapshot(sim::SiteSimulator& site, const sim::SiteState& state,
                                      std::int64_t unix_ms);
// The same into an existing snapshot, reusing its memory: batch runs fill one
// snapshot a second without allocating. Every list it does not fill (control,
// alarms, devices, chargers, heat pumps, batteries) is emptied.
void fill_power_snapshot(sim::SiteSimulator& site, const sim::SiteState& state,
                         std::int64_t unix_ms, snapshot::SiteSnapshot& snap);

// The Input modules' pulse totals and contacts and the Output modules'
// relays of a simulated site: the snapshot's inputs and outputs (both
// simulator modes).
void add_module_values(sim::SiteSimulator& site, snapshot::SiteSnapshot& snap);

// The battery's state of charge and each charger's car, read from the
// simulated devices, for batch runs that have no energy manager's view to
// take them from (`simulate --data` records them as the daemon does).
void add_device_values(sim::SiteSimulator& site, snapshot::SiteSnapshot& snap);

// The simulator in waveform mode: samples at `rate_hz` through the metering
// engine, one simulated second per cycle (the demo). `miswiring` puts CTs
// where the installation does not say they are (sim/miswire.hpp).
std::unique_ptr<SnapshotSource> make_simulated_waveform_source(
    const model::Installation& installation, std::uint64_t seed, std::int64_t start_unix_s,
    sim::Miswiring miswiring = {}, double rate_hz = 4000.0);

// The mis-wiring `spec` (checked at start against an earlier installation)
// makes of `installation`: entries it can no longer take (an input it does
// not use) are left out with a warning on `log`.
sim::Miswiring miswiring_for(std::string_view spec, const model::Installation& installation,
                             common::Logger& log);

}  // namespace kirchhoff::daemon
