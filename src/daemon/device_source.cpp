#include "daemon/device_source.hpp"

#include <algorithm>
#include <cmath>

#include "common/time.hpp"

namespace kirchhoff::daemon {

namespace {

// A load's values from its device's reading: per phase where the device
// tells, else its total on the load's conductors in equal shares.
snapshot::LoadValues load_values(const model::Load& load, const devices::Reading& r,
                                 const std::string& device) {
  snapshot::LoadValues values;
  values.name = load.name;
  values.kind = load.kind;
  double total = 0.0;
  bool any_phase = false;
  for (const auto& p : r.phase_power_w) {
    if (p) {
      total += *p;
      any_phase = true;
    }
  }
  values.p_w = r.power_w.value_or(total);
  values.q_var = r.reactive_power_var.value_or(0.0);
  values.s_va = std::hypot(values.p_w, values.q_var);
  values.pf = values.s_va > 0.0 ? values.p_w / values.s_va : 0.0;
  const std::size_t n = load.device_phases.empty() ? 1 : load.device_phases.size();
  for (const model::Phase phase : load.device_phases) {
    const int k = static_cast<int>(phase);
    snapshot::PhaseValues ph;
    ph.phase = phase;
    ph.input = device;
    ph.p_w = any_phase ? r.phase_power_w[k].value_or(0.0) : values.p_w / static_cast<double>(n);
    const double v = r.phase_voltage_v[k].value_or(0.0);
    ph.i_a = r.phase_current_a[k] ? std::abs(*r.phase_current_a[k])
                                  : (v > 0.0 ? std::abs(ph.p_w) / v : 0.0);
    // P1 meters report whole amperes: S is at least |P| so PF stays in [-1, 1].
    ph.s_va = std::max(v > 0.0 ? v * ph.i_a : 0.0, std::abs(ph.p_w));
    ph.pf = ph.s_va > 0.0 ? ph.p_w / ph.s_va : 0.0;
    values.phases.push_back(ph);
  }
  if (r.energy_import_wh || r.energy_export_wh) {
    values.metered_energy = true;
    values.energy_import_wh = r.energy_import_wh.value_or(0.0);
    values.energy_export_wh = r.energy_export_wh.value_or(0.0);
  }
  return values;
}

class DeviceSource : public SnapshotSource {
 public:
  DeviceSource(const model::Installation& installation,
               std::unique_ptr<devices::DevicePoller> poller)
      : installation_(installation), poller_(std::move(poller)), remote_(installation_, *poller_) {
    poller_->start();
  }
  ~DeviceSource() override { poller_->stop(); }

  common::Result<snapshot::SiteSnapshot> next(std::int64_t unix_ms) override {
    return device_snapshot(installation_, *poller_, unix_ms);
  }
  const devices::SiteDevices* devices() override { return &remote_.devices(); }
  std::vector<snapshot::DeviceValues> device_values() override {
    return daemon::device_values(*poller_);
  }

 private:
  model::Installation installation_;
  std::unique_ptr<devices::DevicePoller> poller_;
  devices::RemoteSiteDevices remote_;
};

}  // namespace

common::Result<snapshot::SiteSnapshot> device_snapshot(const model::Installation& installation,
                                                       const devices::DevicePoller& poller,
                                                       std::int64_t now_ms) {
  snapshot::SiteSnapshot snap;
  snap.unix_ms = now_ms;
  const auto statuses = poller.statuses();
  bool have_grid_device = false;
  const devices::Reading* voltage_source = nullptr;
  for (const auto& load : installation.loads) {
    const auto index = poller.find_load(load.name);
    if (!index) {
      continue;
    }
    const devices::DeviceStatus& status = statuses[*index];
    if (load.kind == model::LoadKind::kGrid) {
      have_grid_device = true;
      if (status.last_ok_ms == 0) {
        return common::make_error(common::ErrorKind::kNotFound,
                                  "no reading from the grid meter '" + status.name + "' yet" +
                                      (status.last_error.empty() ? "" : ": " + status.last_error));
      }
      // Measurements are as old as the grid meter's last good reading.
      snap.unix_ms = status.last_ok_ms;
    }
    if (!status.reading) {
      continue;
    }
    snap.loads.push_back(load_values(load, *status.reading, status.name));
    const bool has_voltages = status.reading->phase_voltage_v[0].has_value();
    if (has_voltages && (voltage_source == nullptr || load.kind == model::LoadKind::kGrid)) {
      voltage_source = &*status.reading;
    }
    if (load.kind == model::LoadKind::kGrid && status.reading->frequency_hz) {
      snap.frequency_hz = *status.reading->frequency_hz;
    }
  }
  if (!have_grid_device && statuses.empty()) {
    return common::make_error(common::ErrorKind::kNotFound, "no devices to read");
  }
  if (voltage_source != nullptr) {
    const auto& topo = model::topology_info(installation.site.topology);
    for (int p = 0; p < topo.phase_count; ++p) {
      if (const auto v = voltage_source->phase_voltage_v[p]) {
        // Line-to-line voltages need the angles, which meters do not report.
        snap.voltages.push_back({static_cast<model::Phase>(p), *v, 0.0});
      }
    }
  }
  // A smart meter's gas and water registers (its M-Bus channels), shown like
  // an Input module's pulse totals.
  for (const auto& status : statuses) {
    if (!status.reading) {
      continue;
    }
    if (status.reading->gas_m3) {
      snap.inputs.push_back({status.name, 1, "Gas", "m3", true, 0, *status.reading->gas_m3, false});
    }
    if (status.reading->water_m3) {
      snap.inputs.push_back(
          {status.name, 2, "Water", "m3", true, 0, *status.reading->water_m3, false});
    }
  }
  snap.devices = device_values(statuses);
  return snap;
}

std::vector<snapshot::DeviceValues> device_values(const devices::DevicePoller& poller) {
  return device_values(poller.statuses());
}

std::vector<snapshot::DeviceValues> device_values(
    const std::vector<devices::DeviceStatus>& statuses) {
  std::vector<snapshot::DeviceValues> out;
  for (const auto& status : statuses) {
    out.push_back({status.name, status.driver, status.load, status.connected, status.stale,
                   status.last_ok_ms, status.last_error, status.polls, status.failures,
                   status.last_poll_ms});
  }
  return out;
}

common::Result<std::unique_ptr<SnapshotSource>> make_device_source(
    const model::Installation& installation, const devices::DriverRegistry& registry,
    const devices::DriverContext& context) {
  auto poller = std::make_unique<devices::DevicePoller>(common::unix_ms_now);
  for (const auto& config : installation.devices) {
    auto driver = registry.create(config, context);
    if (!driver) {
      return driver.error();
    }
    poller->add(config, std::move(*driver));
  }
  return std::unique_ptr<SnapshotSource>(
      std::make_unique<DeviceSource>(installation, std::move(poller)));
}

}  // namespace kirchhoff::daemon
