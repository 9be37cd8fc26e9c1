// Connects the energy manager to a site: reads a ControlInput from the
// site's measurements and hands the setpoints to its devices through the
// devices:: interfaces. Today the site is the simulator; real drivers plug in
// behind the same interfaces.
#pragma once

#include "common/time.hpp"
#include "control/control.hpp"
#include "sim/site.hpp"

namespace kirchhoff::control {

// The input for a cycle at `now_ms` from the state measured at `measured_ms`;
// `clock` gives the local time of day for the tariff.
ControlInput input_from_site(sim::SiteSimulator& site, const sim::SiteState& state,
                             std::int64_t now_ms, std::int64_t measured_ms, double cycle_s,
                             common::LocalClock& clock);

// The same into an input kept from the cycle before, reusing its space (for
// runs of millions of cycles). `explain` is left as it is.
void fill_input_from_site(sim::SiteSimulator& site, const sim::SiteState& state,
                          std::int64_t now_ms, std::int64_t measured_ms, double cycle_s,
                          common::LocalClock& clock, ControlInput& input);

// Sends the setpoints to the site's devices; a quantity without a setpoint is
// handed back to the device's own logic (battery) or its rating (charger,
// inverter).
void apply(sim::SiteSimulator& site, const Setpoints& setpoints);

}  // namespace kirchhoff::control
