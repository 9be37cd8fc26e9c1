// The `p1` driver: a smart meter's P1 port over TCP (a dongle, ser2net) or a
// serial line. The meter sends a telegram every second (DSMR 5) or ten
// (DSMR 4); a poll waits up to the device's poll interval for the next one.
#pragma once

#include "devices/driver.hpp"

namespace kirchhoff::devices::p1 {

void register_p1_driver(DriverRegistry& registry);

}  // namespace kirchhoff::devices::p1
