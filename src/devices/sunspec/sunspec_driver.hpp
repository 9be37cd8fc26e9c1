// The `sunspec` driver: a SunSpec inverter, meter or storage over Modbus TCP
// or RTU, discovered anew after every reconnect.
#pragma once

#include "devices/driver.hpp"

namespace kirchhoff::devices::sunspec {

void register_sunspec_driver(DriverRegistry& registry);

}  // namespace kirchhoff::devices::sunspec
