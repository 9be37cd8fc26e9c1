#include "devices/p1/reading.hpp"

#include <array>
#include <string>
#include <string_view>

namespace kirchhoff::devices::p1 {

namespace {

// The value of `obis` in SI base-ish units: `base` ("W", "Wh", "var", "V",
// "A", "Hz", "m3"), also accepting the kilo form for W, Wh and var.
std::optional<double> value_in(const Telegram& telegram, std::string_view obis,
                               std::string_view base) {
  const CosemObject* object = telegram.find(obis);
  if (object == nullptr || !object->value) {
    return std::nullopt;
  }
  if (object->unit == base) {
    return *object->value;
  }
  if (object->unit.size() == base.size() + 1 && object->unit[0] == 'k' &&
      std::string_view(object->unit).substr(1) == base) {
    return *object->value * 1000.0;
  }
  return std::nullopt;
}

// import - export, either may be absent (taken as 0) but not both.
std::optional<double> net(const Telegram& telegram, std::string_view import_obis,
                          std::string_view export_obis, std::string_view base) {
  const auto in = value_in(telegram, import_obis, base);
  const auto out = value_in(telegram, export_obis, base);
  if (!in && !out) {
    return std::nullopt;
  }
  return in.value_or(0.0) - out.value_or(0.0);
}

// Sum of the tariff registers 1-0:X.8.1 .. X.8.9, else the total X.8.0.
std::optional<double> register_wh(const Telegram& telegram, char direction) {
  std::optional<double> sum;
  std::string obis = "1-0:1.8.0";
  obis[4] = direction;
  for (char tariff = '1'; tariff <= '9'; ++tariff) {
    obis[8] = tariff;
    if (const auto wh = value_in(telegram, obis, "Wh")) {
      sum = sum.value_or(0.0) + *wh;
    }
  }
  if (sum) {
    return sum;
  }
  obis[8] = '0';
  return value_in(telegram, obis, "Wh");
}

// The register of the first M-Bus channel whose device type is `type`.
std::optional<double> mbus_m3(const Telegram& telegram, int type) {
  for (char channel = '1'; channel <= '4'; ++channel) {
    std::string prefix = "0-";
    prefix += channel;
    const auto device = telegram.number(prefix + ":24.1.0");
    if (!device || *device != type) {
      continue;
    }
    for (const char* register_cde : {":24.2.1", ":24.2.3", ":24.3.0"}) {
      if (const auto m3 = value_in(telegram, prefix + register_cde, "m3")) {
        return m3;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Reading to_reading(const Telegram& telegram, std::int64_t received_unix_ms) {
  Reading reading;
  reading.unix_ms = received_unix_ms;
  if (const CosemObject* time = telegram.find("0-0:1.0.0");
      time != nullptr && time->timestamp && time->timestamp->unix_ms) {
    reading.unix_ms = *time->timestamp->unix_ms;
  }
  reading.power_w = net(telegram, "1-0:1.7.0", "1-0:2.7.0", "W");
  static constexpr std::array<std::array<std::string_view, 4>, 3> kPhases = {{
      {"1-0:21.7.0", "1-0:22.7.0", "1-0:31.7.0", "1-0:32.7.0"},
      {"1-0:41.7.0", "1-0:42.7.0", "1-0:51.7.0", "1-0:52.7.0"},
      {"1-0:61.7.0", "1-0:62.7.0", "1-0:71.7.0", "1-0:72.7.0"},
  }};
  for (std::size_t i = 0; i < kPhases.size(); ++i) {
    const auto& obis = kPhases[i];
    reading.phase_power_w[i] = net(telegram, obis[0], obis[1], "W");
    // The meter sends the magnitude; the phase's power says the direction.
    if (auto current = value_in(telegram, obis[2], "A")) {
      if (reading.phase_power_w[i] && *reading.phase_power_w[i] < 0.0) {
        *current = -*current;
      }
      reading.phase_current_a[i] = current;
    }
    reading.phase_voltage_v[i] = value_in(telegram, obis[3], "V");
  }
  reading.frequency_hz = value_in(telegram, "1-0:14.7.0", "Hz");
  reading.reactive_power_var = net(telegram, "1-0:3.7.0", "1-0:4.7.0", "var");
  reading.energy_import_wh = register_wh(telegram, '1');
  reading.energy_export_wh = register_wh(telegram, '2');
  reading.gas_m3 = mbus_m3(telegram, 3);
  reading.water_m3 = mbus_m3(telegram, 7);
  reading.quarter_hour_average_w = value_in(telegram, "1-0:1.4.0", "W");
  reading.month_peak_w = value_in(telegram, "1-0:1.6.0", "W");
  return reading;
}

std::optional<int> tariff_indicator(const Telegram& telegram) {
  const CosemObject* object = telegram.find("0-0:96.14.0");
  if (object == nullptr || !object->text || object->text->empty() || object->text->size() > 4) {
    return std::nullopt;
  }
  int value = 0;
  for (char c : *object->text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace kirchhoff::devices::p1
