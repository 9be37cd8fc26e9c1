// Connects the energy manager to a site: builds a ControlInput from what was
// measured (a site snapshot, or the simulator's own figures in a batch run)
// and from the devices' read-backs, and hands setpoints to the devices
// through the devices:: interfaces. Whatever drives a device (the simulator,
// Modbus, relays) is invisible here.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/time.hpp"
#include "control/control.hpp"
#include "devices/capabilities.hpp"
#include "model/installation.hpp"
#include "snapshot/snapshot.hpp"

namespace kirchhoff::control {

// The measured part of a cycle's input, in the energy manager's terms.
struct SiteMeasurements {
  std::int64_t measured_ms = 0;    // when measured; 0 = never
  std::array<double, 3> v_ln{};    // per phase; 0 = not measured
  std::array<double, 3> grid_a{};  // per phase, + import
  double grid_w = 0.0;             // + import
  // Per installation load (same order), per phase: P in the load's sign.
  std::vector<std::array<double, 3>> load_phase_w;
  // Status inputs, "in1/3" -> contact closed.
  std::vector<std::pair<std::string, bool>> status_closed;
};

// The measurements of a snapshot: grid currents signed by their power's
// direction, per-phase power of every load, status inputs.
void measurements_from_snapshot(const snapshot::SiteSnapshot& snap,
                                const model::Installation& installation, SiteMeasurements& out);

// The input for a cycle at `now_ms`, into `input` (its space reused from the
// cycle before; `explain` is left as it is). `clock` gives the local time of
// day for the tariff.
void fill_input(const model::Installation& installation, const SiteMeasurements& measured,
                const devices::SiteDevices& devices, std::int64_t now_ms, double cycle_s,
                common::LocalClock& clock, ControlInput& input);

// Sends the setpoints to the devices; a quantity without a setpoint is handed
// back to the device's own logic (battery) or its rating (charger, inverter).
void apply(const model::Installation& installation, const devices::SiteDevices& devices,
           const Setpoints& setpoints);

// The conductors a load is wired to: its CT inputs' phases, or the phases
// named for a load measured by a device.
std::array<bool, 3> load_phases(const model::Load& load);

}  // namespace kirchhoff::control
