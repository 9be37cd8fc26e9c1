// The measurements of a real house: a site snapshot built each cycle from the
// latest readings of the devices that measure its loads (a P1 meter on the
// grid, a SunSpec inverter on the PV, a Modbus meter on the heat pump), and
// the controllable ones behind the devices:: interfaces. The devices are
// polled on their own threads (devices/poller.hpp); building a snapshot
// never waits for I/O.
//
// The snapshot's time is the grid meter's last good reading, so measurements
// that stop coming age and the energy manager's fail-safe takes over. Loads
// measured by CT inputs are not measured by this source (a site with both a
// Power Box and devices is not supported yet).
#pragma once

#include <memory>

#include "daemon/source.hpp"
#include "devices/driver.hpp"
#include "devices/poller.hpp"
#include "devices/remote_devices.hpp"

namespace kirchhoff::daemon {

// Creates a driver for each device of `installation` from `registry` and
// starts polling; an error names the device that cannot be driven.
common::Result<std::unique_ptr<SnapshotSource>> make_device_source(
    const model::Installation& installation, const devices::DriverRegistry& registry,
    const devices::DriverContext& context);

// The devices as the poller sees them now.
std::vector<snapshot::DeviceValues> device_values(const devices::DevicePoller& poller);
std::vector<snapshot::DeviceValues> device_values(
    const std::vector<devices::DeviceStatus>& statuses);

// The snapshot of the devices' latest readings at `now_ms` (also for tests).
common::Result<snapshot::SiteSnapshot> device_snapshot(const model::Installation& installation,
                                                       const devices::DevicePoller& poller,
                                                       std::int64_t now_ms);

}  // namespace kirchhoff::daemon
