// The devices:: interfaces over polled drivers: the energy manager's
// setpoints become requests to the poller (sent on the device's own thread)
// and read-backs come from the device's latest reading. A device without a
// good reading within three polls reports `responding = false`, which puts
// what depends on it into the fail-safe.
// Not thread-safe (the control cycle owns it); the poller it wraps is.
#pragma once

#include <memory>
#include <vector>

#include "devices/capabilities.hpp"
#include "devices/poller.hpp"
#include "model/installation.hpp"

namespace kirchhoff::devices {

class RemoteSiteDevices {
 public:
  // Adapters for the installation's devices that serve a load of kind ev
  // (charger), battery or solar (inverter). `poller` must outlive this.
  RemoteSiteDevices(const model::Installation& installation, DevicePoller& poller);
  ~RemoteSiteDevices();

  const SiteDevices& devices() const { return devices_; }

 private:
  std::vector<std::unique_ptr<EvCharger>> chargers_;
  std::unique_ptr<Battery> battery_;
  std::unique_ptr<Inverter> inverter_;
  SiteDevices devices_;
};

}  // namespace kirchhoff::devices
