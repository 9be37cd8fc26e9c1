#include "devices/sunspec/device.hpp"

#include <algorithm>
#include <cmath>

namespace kirchhoff::devices::sunspec {

namespace {

constexpr std::uint16_t kInverterModels[] = {101, 102, 103, 111, 112, 113};
constexpr std::uint16_t kMeterModels[] = {201, 202, 203, 204};

const ModelInstance* first_of(const Discovery& discovery, std::span<const std::uint16_t> ids) {
  for (const ModelInstance& model : discovery.models) {
    if (std::find(ids.begin(), ids.end(), model.id) != ids.end()) {
      return &model;
    }
  }
  return nullptr;
}

void copy_phases(const DecodedModel& model, PhaseArray& out, const char* a, const char* b,
                 const char* c) {
  out = {model.number(a), model.number(b), model.number(c)};
}

}  // namespace

const char* role_name(Role role) {
  switch (role) {
    case Role::kInverter:
      return "inverter";
    case Role::kMeter:
      return "meter";
    case Role::kStorage:
      return "storage";
  }
  return "?";
}

SunSpecDevice::SunSpecDevice(modbus::Transport& transport, int unit, Discovery discovery, Role role)
    : transport_(&transport), unit_(unit), discovery_(std::move(discovery)), role_(role) {}

common::Result<SunSpecDevice> SunSpecDevice::open(modbus::Transport& transport, int unit) {
  auto discovery = discover(transport, unit);
  if (!discovery) {
    return discovery.error();
  }
  Role role = Role::kInverter;
  if (first_of(*discovery, kInverterModels) != nullptr) {
    role = Role::kInverter;
  } else if (first_of(*discovery, kMeterModels) != nullptr) {
    role = Role::kMeter;
  } else if (find_instance(discovery->models, 124) != nullptr ||
             find_instance(discovery->models, 802) != nullptr) {
    role = Role::kStorage;
  } else {
    return common::make_error(common::ErrorKind::kNotFound,
                              "SunSpec unit " + std::to_string(unit) +
                                  ": no inverter (101-103, 111-113), meter (201-204) or storage "
                                  "(124, 802) model");
  }
  SunSpecDevice device(transport, unit, std::move(*discovery), role);
  if (find_instance(device.discovery_.models, 1) != nullptr) {
    auto common_model = device.read(1);
    if (!common_model) {
      return common_model.error();
    }
    auto text = [&](const char* name) {
      const Point* point = common_model->find(name);
      return point != nullptr && point->text ? *point->text : std::string();
    };
    device.manufacturer_ = text("Mn");
    device.model_name_ = text("Md");
    device.serial_number_ = text("SN");
  }
  return device;
}

common::Result<DecodedModel> SunSpecDevice::read(std::uint16_t id) {
  const ModelInstance* model = find_instance(discovery_.models, id);
  if (model == nullptr) {
    return common::make_error(
        common::ErrorKind::kUnsupported,
        "SunSpec unit " + std::to_string(unit_) + ": no model " + std::to_string(id));
  }
  return read_model(*transport_, unit_, *model);
}

common::Status SunSpecDevice::write(std::uint16_t id, std::string_view point, double value) {
  const ModelInstance* model = find_instance(discovery_.models, id);
  if (model == nullptr) {
    return common::make_error(
        common::ErrorKind::kUnsupported,
        "SunSpec unit " + std::to_string(unit_) + ": no model " + std::to_string(id));
  }
  return write_point(*transport_, unit_, *model, point, value);
}

void SunSpecDevice::read_battery(Reading& reading, std::string& error) {
  if (find_instance(discovery_.models, 802) != nullptr) {
    auto battery = read(802);
    if (!battery) {
      error = battery.error().message;
      return;
    }
    reading.soc_pct = battery->number("SoC");
    // SunSpec storage models: + discharge, as devices::Reading wants it.
    if (role_ == Role::kStorage) {
      reading.power_w = battery->number("W");
    }
    reading.max_charge_w = battery->number("WChaRteMax");
    reading.max_discharge_w = battery->number("WDisChaRteMax");
  }
  if (find_instance(discovery_.models, 124) != nullptr) {
    auto storage = read(124);
    if (!storage) {
      error = storage.error().message;
      return;
    }
    if (!reading.soc_pct) {
      reading.soc_pct = storage->number("ChaState");
    }
    const auto max_w = storage->number("WChaMax");
    if (!reading.max_charge_w) {
      reading.max_charge_w = max_w;
    }
    if (!reading.max_discharge_w) {
      reading.max_discharge_w = max_w;
    }
  }
}

common::Result<Reading> SunSpecDevice::poll(std::int64_t unix_ms) {
  Reading reading;
  reading.unix_ms = unix_ms;
  std::string error;
  if (role_ == Role::kInverter) {
    const ModelInstance* instance = first_of(discovery_, kInverterModels);
    auto inverter = read_model(*transport_, unit_, *instance);
    if (!inverter) {
      return inverter.error();
    }
    // SunSpec inverter models: W is the AC output, + production.
    reading.power_w = inverter->number("W");
    copy_phases(*inverter, reading.phase_current_a, "AphA", "AphB", "AphC");
    copy_phases(*inverter, reading.phase_voltage_v, "PhVphA", "PhVphB", "PhVphC");
    reading.frequency_hz = inverter->number("Hz");
    reading.reactive_power_var = inverter->number("VAr");
    reading.energy_import_wh = inverter->number("WH");
    if (!rating_read_) {
      // Nameplate values are static: one successful read is enough.
      rating_read_ = true;
      if (find_instance(discovery_.models, 120) != nullptr) {
        if (auto nameplate = read(120)) {
          rated_power_w_ = nameplate->number("WRtg");
        } else {
          rating_read_ = false;
        }
      }
      if (!rated_power_w_ && find_instance(discovery_.models, 121) != nullptr) {
        if (auto settings = read(121)) {
          rated_power_w_ = settings->number("WMax");
        }
      }
    }
    reading.rated_power_w = rated_power_w_;
    if (find_instance(discovery_.models, 123) != nullptr) {
      auto controls = read(123);
      if (!controls) {
        return controls.error();
      }
      const auto enabled = controls->number("WMaxLim_Ena");
      reading.limit_pct = enabled && *enabled == 1 ? controls->number("WMaxLimPct") : 100.0;
    } else if (find_instance(discovery_.models, 704) != nullptr) {
      auto controls = read(704);
      if (!controls) {
        return controls.error();
      }
      const auto enabled = controls->number("WMaxLimPctEna");
      reading.limit_pct = enabled && *enabled == 1 ? controls->number("WMaxLimPct") : 100.0;
    }
    read_battery(reading, error);
  } else if (role_ == Role::kMeter) {
    auto meter = read_model(*transport_, unit_, *first_of(discovery_, kMeterModels));
    if (!meter) {
      return meter.error();
    }
    // SunSpec meter models: + is power delivered from the grid (import).
    reading.power_w = meter->number("W");
    copy_phases(*meter, reading.phase_power_w, "WphA", "WphB", "WphC");
    copy_phases(*meter, reading.phase_current_a, "AphA", "AphB", "AphC");
    copy_phases(*meter, reading.phase_voltage_v, "PhVphA", "PhVphB", "PhVphC");
    reading.reactive_power_var = meter->number("VAR");
    reading.frequency_hz = meter->number("Hz");
    reading.energy_import_wh = meter->number("TotWhImp");
    reading.energy_export_wh = meter->number("TotWhExp");
  } else {
    read_battery(reading, error);
  }
  if (!error.empty()) {
    return common::make_error(common::ErrorKind::kIoError, error);
  }
  return reading;
}

bool SunSpecDevice::can_limit() const {
  return find_instance(discovery_.models, 123) != nullptr ||
         find_instance(discovery_.models, 704) != nullptr;
}

common::Status SunSpecDevice::set_limit_pct(double pct, std::chrono::seconds revert) {
  if (!std::isfinite(pct) || pct < 0) {
    return common::make_error(
        common::ErrorKind::kInvalidArgument,
        "SunSpec unit " + std::to_string(unit_) + ": the power limit must be 0 to 100 %");
  }
  const double limit = std::min(pct, 100.0);
  const bool enable = pct < 100.0;
  const auto revert_s = static_cast<double>(revert.count());
  if (find_instance(discovery_.models, 123) != nullptr) {
    // Limit and time-out first, then enable: the device never runs an
    // enabled limit with a stale value.
    if (auto status = write(123, "WMaxLimPct", limit); !status) {
      return status;
    }
    if (auto status = write(123, "WMaxLimPct_RvrtTms", revert_s); !status) {
      return status;
    }
    return write(123, "WMaxLim_Ena", enable ? 1 : 0);
  }
  if (find_instance(discovery_.models, 704) != nullptr) {
    if (auto status = write(704, "WMaxLimPct", limit); !status) {
      return status;
    }
    if (auto status = write(704, "WMaxLimPctRvrtTms", revert_s); !status) {
      return status;
    }
    return write(704, "WMaxLimPctEna", enable ? 1 : 0);
  }
  return common::make_error(
      common::ErrorKind::kUnsupported,
      "SunSpec unit " + std::to_string(unit_) + ": no model 123 or 704 to limit the power with");
}

bool SunSpecDevice::can_set_battery_power() const {
  return find_instance(discovery_.models, 124) != nullptr;
}

common::Status SunSpecDevice::set_battery_power_w(std::optional<double> power_w) {
  constexpr double kCharge = 1;     // StorCtl_Mod bit 0: charge limit active
  constexpr double kDischarge = 2;  // StorCtl_Mod bit 1: discharge limit active
  if (!power_w) {
    return write(124, "StorCtl_Mod", 0);
  }
  auto storage = read(124);
  if (!storage) {
    return storage.error();
  }
  const auto max_w = storage->number("WChaMax");
  if (!max_w || *max_w <= 0 || !std::isfinite(*power_w)) {
    return common::make_error(common::ErrorKind::kUnsupported,
                              "SunSpec unit " + std::to_string(unit_) +
                                  " model 124: WChaMax is not set; no power setpoint possible");
  }
  const double pct = std::clamp(*power_w / *max_w * 100.0, -100.0, 100.0);
  if (auto status = write(124, "OutWRte", pct); !status) {
    return status;
  }
  if (auto status = write(124, "InWRte", -pct); !status) {
    return status;
  }
  return write(124, "StorCtl_Mod", kCharge + kDischarge);
}

common::Status SunSpecDevice::set_min_reserve_pct(double pct) {
  return write(124, "MinRsvPct", std::clamp(pct, 0.0, 100.0));
}

common::Status SunSpecDevice::set_grid_charging(bool allowed) {
  return write(124, "ChaGriSet", allowed ? 1 : 0);
}

}  // namespace kirchhoff::devices::sunspec
