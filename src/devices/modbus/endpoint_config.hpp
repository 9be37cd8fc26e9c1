// The installation file's `modbus:` block as a transport endpoint.
#pragma once

#include "devices/modbus/endpoint.hpp"
#include "devices/modbus/libmodbus_transport.hpp"
#include "model/device_config.hpp"

namespace kirchhoff::devices::modbus {

common::Result<Endpoint> endpoint_from_config(const model::ModbusEndpointConfig& config);

// The transport settings of an installation's device: its name (in every
// error), endpoint and response timeout; an error names the device.
common::Result<LibmodbusTransport::Options> transport_options(const model::DeviceConfig& device);

}  // namespace kirchhoff::devices::modbus
