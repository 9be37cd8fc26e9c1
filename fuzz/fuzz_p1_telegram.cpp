// Fuzz target: the P1 telegram parser, its JSON and Reading mapping, and the
// stream reader fed in pieces, on arbitrary bytes. Errors must be reported,
// never crash, throw or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "devices/p1/reader.hpp"
#include "devices/p1/reading.hpp"
#include "devices/p1/telegram.hpp"
#include "devices/p1/telegram_json.hpp"

namespace {

void use(std::string_view text) {
  namespace p1 = kirchhoff::devices::p1;
  auto telegram = p1::parse_telegram(text, {.require_crc_match = false});
  if (!telegram) {
    return;
  }
  (void)p1::to_reading(*telegram, 0);
  (void)p1::tariff_indicator(*telegram);
  (void)p1::to_json(*telegram).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  use(text);
  // The reader with a small bound, fed in pieces whose size the input picks.
  kirchhoff::devices::p1::TelegramReader reader(2048);
  const std::size_t step = size > 0 ? data[0] % 17 + 1 : 1;
  for (std::size_t i = 0; i < size; i += step) {
    reader.feed(text.substr(i, step));
    while (auto telegram = reader.next()) {
      use(*telegram);
    }
  }
  return 0;
}
