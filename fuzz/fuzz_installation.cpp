// Fuzz target: the installation loader and validator on arbitrary bytes. They
// must report problems as diagnostics, never crash, hang or read out of bounds.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/utf8.hpp"
#include "model/describe.hpp"
#include "model/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = kirchhoff::model::check_installation(text);
  // Text that is not UTF-8 never becomes an installation: its names would
  // reach JSON, logs and the history.
  if (!kirchhoff::common::is_valid_utf8(text) && !result.has_errors()) {
    __builtin_trap();
  }
  if (result.installation && !result.has_errors()) {
    // A valid installation must also describe itself without trouble.
    (void)kirchhoff::model::describe_installation(*result.installation);
  }
  return 0;
}
