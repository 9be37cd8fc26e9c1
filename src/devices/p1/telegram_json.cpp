#include "devices/p1/telegram_json.hpp"

#include <cmath>
#include <cstdint>
#include <string_view>

namespace kirchhoff::devices::p1 {

namespace {

// A number as the meter wrote it: "00013" is 13, "000004.426*kWh" is 4.426
// and "02.000*kW" stays 2.0 (its text has decimals).
nlohmann::ordered_json number_json(double value, std::string_view source) {
  const std::string_view digits = source.substr(0, source.find('*'));
  if (digits.find('.') == std::string_view::npos && std::abs(value) < 9.0e15 &&
      value == std::floor(value)) {
    return static_cast<std::int64_t>(value);
  }
  return value;
}

void add_time(nlohmann::ordered_json& out, const char* key, const Timestamp& time) {
  if (time.unix_ms) {
    out[key] = time.iso;
    out[std::string(key) == "timestamp" ? "unix_ms" : "peak_unix_ms"] = *time.unix_ms;
  } else {
    out[std::string(key) + "_text"] = time.text;
  }
}

// The field a numeric value was read from.
std::string_view value_source(const CosemObject& object) {
  if (object.fields.empty()) {
    return {};
  }
  return object.fields.size() == 2 ? object.fields[1] : object.fields.back();
}

}  // namespace

nlohmann::ordered_json to_json(const Telegram& telegram) {
  nlohmann::ordered_json out;
  out["header"] = telegram.header;
  out["crc_ok"] =
      telegram.crc_ok ? nlohmann::ordered_json(*telegram.crc_ok) : nlohmann::ordered_json(nullptr);
  if (telegram.crc_sent) {
    out["crc_sent"] = crc_hex(*telegram.crc_sent);
    out["crc_computed"] = crc_hex(telegram.crc_computed);
  }
  nlohmann::ordered_json objects = nlohmann::ordered_json::object();
  for (const CosemObject& object : telegram.objects) {
    nlohmann::ordered_json o = nlohmann::ordered_json::object();
    if (object.is_log) {
      o["value"] = static_cast<std::int64_t>(object.value.value_or(0.0));
      nlohmann::ordered_json entries = nlohmann::ordered_json::array();
      for (const LogEntry& entry : object.entries) {
        nlohmann::ordered_json e = nlohmann::ordered_json::object();
        add_time(e, "timestamp", entry.timestamp);
        if (entry.peak_timestamp) {
          add_time(e, "peak_timestamp", *entry.peak_timestamp);
        }
        e["value"] = entry.value;
        if (!entry.unit.empty()) {
          e["unit"] = entry.unit;
        }
        entries.push_back(std::move(e));
      }
      o["entries"] = std::move(entries);
    } else if (object.value) {
      o["value"] = number_json(*object.value, value_source(object));
      if (!object.unit.empty()) {
        o["unit"] = object.unit;
      }
    } else if (object.text) {
      o["value"] = *object.text;
    } else {
      o["fields"] = object.fields;
    }
    if (object.timestamp) {
      add_time(o, "timestamp", *object.timestamp);
    }
    objects[object.obis] = std::move(o);
  }
  out["objects"] = std::move(objects);
  return out;
}

}  // namespace kirchhoff::devices::p1
