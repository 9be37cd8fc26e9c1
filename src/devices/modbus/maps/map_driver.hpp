// The `modbus` driver: any device described by a register map (a shipped one
// or the user's own file), over Modbus TCP or RTU.
#pragma once

#include "devices/driver.hpp"

namespace kirchhoff::devices::maps {

void register_map_driver(DriverRegistry& registry);

}  // namespace kirchhoff::devices::maps
