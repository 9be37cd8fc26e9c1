// The simulator as the energy manager sees any site: its devices behind the
// devices:: interfaces (the Sim* classes implement them, read-backs
// included) and its measurements in the manager's terms. A batch run fills
// the measurements from the physics directly, without building a snapshot,
// so a simulated year stays fast.
#pragma once

#include "control/site_input.hpp"
#include "devices/capabilities.hpp"
#include "sim/site.hpp"

namespace kirchhoff::sim {

// The site's controllable devices; pointers into `site`, valid while it lives.
devices::SiteDevices site_devices(SiteSimulator& site);

// What the site measured in its last step, as of `measured_ms`.
void fill_measurements(SiteSimulator& site, const SiteState& state, std::int64_t measured_ms,
                       control::SiteMeasurements& out);

// The sessions the cars plugged in declared on arrival, into the input's
// chargers (in the order of the EV loads, as fill_input builds them).
void fill_sessions(SiteSimulator& site, control::ControlInput& input);

}  // namespace kirchhoff::sim
