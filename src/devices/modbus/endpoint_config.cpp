#include "devices/modbus/endpoint_config.hpp"

namespace kirchhoff::devices::modbus {

common::Result<Endpoint> endpoint_from_config(const model::ModbusEndpointConfig& config) {
  if (!config.tcp.empty()) {
    return parse_endpoint(config.tcp);
  }
  Endpoint endpoint;
  endpoint.kind = Endpoint::Kind::kRtu;
  endpoint.rtu = {config.rtu, config.baud, config.parity, config.data_bits, config.stop_bits};
  if (auto valid = validate(endpoint); !valid) {
    return valid.error();
  }
  return endpoint;
}

common::Result<LibmodbusTransport::Options> transport_options(const model::DeviceConfig& device) {
  if (!device.modbus) {
    return common::make_error(common::ErrorKind::kInvalidArgument,
                              "device '" + device.name + "' has no modbus endpoint");
  }
  auto endpoint = endpoint_from_config(*device.modbus);
  if (!endpoint) {
    return common::make_error(endpoint.error().kind,
                              "device '" + device.name + "': " + endpoint.error().message);
  }
  LibmodbusTransport::Options options;
  options.name = device.name;
  options.endpoint = *endpoint;
  options.response_timeout = std::chrono::milliseconds(device.modbus->timeout_ms);
  return options;
}

}  // namespace kirchhoff::devices::modbus
