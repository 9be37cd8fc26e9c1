// The `devices:` section of an installation file: real devices that measure
// a load (instead of, or beside, CT inputs) or are controlled for it. The
// format is written down in docs/installation-file.md. Plain values.
#pragma once

#include <optional>
#include <string>

#include "model/json_path.hpp"
#include "model/source_pos.hpp"

namespace kirchhoff::model {

// How to reach a Modbus device: TCP ("host:port") or RTU (a serial device).
struct ModbusEndpointConfig {
  std::string tcp;  // "192.168.1.20:502"; empty for RTU
  std::string rtu;  // "/dev/ttyUSB1"; empty for TCP
  int baud = 9600;
  char parity = 'N';  // N, E or O
  int data_bits = 8;
  int stop_bits = 1;
  int unit = 1;  // the Modbus unit (slave) id
  int timeout_ms = 1000;
  SourcePos pos;
};

// How to reach a P1 port: a P1-to-network dongle or ser2net ("host:port"),
// or a serial device (115200 8N1 for DSMR 4/5, 9600 7E1 for DSMR 2.2).
struct P1EndpointConfig {
  std::string tcp;
  std::string serial;
  int baud = 115200;
  SourcePos pos;
};

// A device that speaks MQTT (docs/installation-file.md, "MQTT devices"):
// values read from topics at JSON paths, a relay switched by publishing.
struct MqttDeviceConfig {
  std::string broker;         // mqtt://host[:port] or mqtts://...; empty = the daemon's broker
  std::string username;       // empty = the broker URL's, if any
  std::string password_file;  // as written; relative to the installation file's folder
  std::string ca_file;        // mqtts: the broker's CA; empty = the system's
  std::string power_topic;
  JsonPath power_path;       // empty: the payload is the number
  std::string energy_topic;  // empty: no energy register
  JsonPath energy_path;
  std::string energy_unit;          // Wh, kWh or Wmin (given with energy_topic)
  double energy_wh_per_unit = 1.0;  // 1, 1000 or 1/60
  int stale_s = 60;                 // no good power message for this long = stale
  std::string relay_command_topic;  // empty: not a relay
  std::string relay_on_payload = "on";
  std::string relay_off_payload = "off";
  std::string relay_state_topic;  // empty: no read-back
  JsonPath relay_state_path;
  std::string relay_state_on = "on";  // compared ignoring letter case
  SourcePos pos;
  SourcePos password_file_pos;
  SourcePos ca_file_pos;
};

struct DeviceConfig {
  std::string name;
  std::string driver;  // p1, sunspec, modbus, mqtt
  std::string load;    // the load it measures or controls; may be empty
  std::string map;     // modbus: a shipped register map id or a YAML file path
  int poll_ms = 1000;  // how often the device is read
  std::optional<ModbusEndpointConfig> modbus;
  std::optional<P1EndpointConfig> p1;
  std::optional<MqttDeviceConfig> mqtt;
  SourcePos pos;
  SourcePos name_pos;
  SourcePos driver_pos;
  SourcePos load_pos;
  SourcePos map_pos;
};

}  // namespace kirchhoff::model
