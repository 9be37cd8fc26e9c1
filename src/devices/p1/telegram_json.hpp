// The JSON of a parsed telegram, as `kirchhoff p1` prints it (docs/p1.md,
// "kirchhoff p1"): {"header", "crc_ok", "crc_sent", "crc_computed",
// "objects": {OBIS: {"value", "unit", "timestamp", "unix_ms", "entries",
// "fields"}}}. The names are a contract; add keys, never rename them.
#pragma once

#include <nlohmann/json.hpp>

#include "devices/p1/telegram.hpp"

namespace kirchhoff::devices::p1 {

nlohmann::ordered_json to_json(const Telegram& telegram);

}  // namespace kirchhoff::devices::p1
