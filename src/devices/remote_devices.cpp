#include "devices/remote_devices.hpp"

#include <algorithm>
#include <cmath>

namespace kirchhoff::devices {

namespace {

class RemoteInverter : public Inverter {
 public:
  RemoteInverter(DevicePoller& poller, std::size_t index) : poller_(poller), index_(index) {}
  void set_limit_pct(double limit_pct) override {
    Setpoint s;
    s.limit_pct = std::clamp(limit_pct, 0.0, 100.0);
    poller_.request(index_, s);
  }
  InverterState state() const override {
    const DeviceStatus status = poller_.status(index_);
    InverterState out;
    out.responding = !status.stale;
    if (status.reading) {
      out.power_w = status.reading->power_w.value_or(0.0);
      out.limit_pct = status.reading->limit_pct.value_or(100.0);
      out.rated_w = status.reading->rated_power_w.value_or(0.0);
    }
    return out;
  }

 private:
  DevicePoller& poller_;
  std::size_t index_;
};

class RemoteBattery : public Battery {
 public:
  RemoteBattery(DevicePoller& poller, std::size_t index) : poller_(poller), index_(index) {}
  void set_power_w(double power_w) override {
    Setpoint s;
    s.battery_w = std::optional<double>(power_w);
    poller_.request(index_, s);
  }
  void release() override {
    Setpoint s;
    s.battery_w = std::optional<double>();
    poller_.request(index_, s);
  }
  BatteryState state() const override {
    const DeviceStatus status = poller_.status(index_);
    BatteryState out;
    out.responding = !status.stale;
    if (status.reading) {
      const Reading& r = *status.reading;
      out.power_w = r.power_w.value_or(0.0);
      out.soc_pct = r.soc_pct.value_or(0.0);
      out.max_charge_w = r.max_charge_w.value_or(0.0);
      out.max_discharge_w = r.max_discharge_w.value_or(0.0);
    }
    return out;
  }

 private:
  DevicePoller& poller_;
  std::size_t index_;
};

class RemoteCharger : public EvCharger {
 public:
  RemoteCharger(DevicePoller& poller, std::size_t index) : poller_(poller), index_(index) {}
  void set_current_limit_a(double current_a) override {
    Setpoint s;
    s.current_a = current_a < 6.0 ? 0.0 : current_a;  // IEC 61851: below 6 A is a pause
    poller_.request(index_, s);
  }
  void set_phases(int phases) override {
    Setpoint s;
    s.phases = phases == 1 ? 1 : 3;
    poller_.request(index_, s);
  }
  EvChargerState state() const override {
    const DeviceStatus status = poller_.status(index_);
    EvChargerState out;
    out.responding = !status.stale;
    if (status.reading) {
      const Reading& r = *status.reading;
      out.plugged =
          r.charger_state == ChargerState::kPlugged || r.charger_state == ChargerState::kCharging;
      out.power_w = r.power_w.value_or(0.0);
      double amps = 0.0;
      int phases = 0;
      for (const auto& a : r.phase_current_a) {
        if (a) {
          amps = std::max(amps, std::abs(*a));
          phases += std::abs(*a) > 0.5 ? 1 : 0;
        }
      }
      out.current_a = amps;
      out.phases = r.charging_phases.value_or(phases == 1 ? 1 : 3);
    }
    return out;
  }

 private:
  DevicePoller& poller_;
  std::size_t index_;
};

}  // namespace

RemoteSiteDevices::RemoteSiteDevices(const model::Installation& installation,
                                     DevicePoller& poller) {
  for (const auto& load : installation.loads) {
    const auto index = poller.find_load(load.name);
    switch (load.kind) {
      case model::LoadKind::kEv:
        // One entry per EV load keeps the chargers in the installation's
        // order; a car without a controllable charger ends the list.
        if (!index) {
          break;
        }
        chargers_.push_back(std::make_unique<RemoteCharger>(poller, *index));
        devices_.evs.push_back(chargers_.back().get());
        break;
      case model::LoadKind::kBattery:
        if (index && !battery_) {
          battery_ = std::make_unique<RemoteBattery>(poller, *index);
          devices_.battery = battery_.get();
        }
        break;
      case model::LoadKind::kSolar:
        if (index && !inverter_) {
          inverter_ = std::make_unique<RemoteInverter>(poller, *index);
          devices_.inverter = inverter_.get();
        }
        break;
      default:
        break;
    }
  }
}

RemoteSiteDevices::~RemoteSiteDevices() = default;

}  // namespace kirchhoff::devices
