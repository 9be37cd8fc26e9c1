// The installation file's `modbus:` block as a transport endpoint.
#pragma once

#include "devices/modbus/endpoint.hpp"
#include "model/device_config.hpp"

namespace kirchhoff::devices::modbus {

common::Result<Endpoint> endpoint_from_config(const model::ModbusEndpointConfig& config);

}  // namespace kirchhoff::devices::modbus
