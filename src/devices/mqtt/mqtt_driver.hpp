// The `mqtt` driver (docs/devices.md, "MQTT devices"): a load's power and
// energy from MQTT topics at JSON paths (Shelly, Tasmota, zigbee2mqtt,
// another Kirchhoff), a relay switched by publishing to a topic.
//
// Each device owns its own mqtt::Client. Messages are parsed on the client's
// network thread into the latest values (behind a mutex); poll() copies them
// and never waits for the network. A device is stale when its power topic had
// no good message for `stale_s`; a payload that does not parse is reported
// by poll() until a good one arrives, and does not refresh that time.
#pragma once

#include "devices/driver.hpp"

namespace kirchhoff::devices::mqtt {

// Registers "mqtt". The factory connects in the background (the client
// retries with back-off); it fails only on a configuration it cannot use: no
// broker (neither the device's nor the daemon's), a bad URL, an unreadable
// password or CA file.
void register_mqtt_driver(DriverRegistry& registry);

}  // namespace kirchhoff::devices::mqtt
