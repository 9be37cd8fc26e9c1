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

}  // namespace kirchhoff::devices::modbus
