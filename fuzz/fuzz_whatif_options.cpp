// Fuzz target: the what-if command's --vary and --capex texts, and the check
// of a request built from them (which edits the installation's control
// section for control.<path> keys). Any text gives a value or an error
// naming it; a parsed --vary always has a key and at least one value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "whatif/whatif.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  kirchhoff::whatif::Request request;
  // Lines: "--vary"-like texts and "--capex"-like ones after a line "capex".
  bool capex = false;
  std::size_t start = 0;
  while (start <= input.size()) {
    const std::size_t end = std::min(input.find('\n', start), input.size());
    const std::string_view line = input.substr(start, end - start);
    if (line == "capex") {
      capex = true;
    } else if (capex) {
      auto parsed = kirchhoff::whatif::parse_capex(line);
      if (parsed) {
        if (parsed->key.empty() || !(parsed->price_per_unit >= 0.0)) {
          std::abort();
        }
        request.capex.push_back(*parsed);
      } else if (parsed.error().message.empty()) {
        std::abort();
      }
    } else {
      auto parsed = kirchhoff::whatif::parse_vary(line);
      if (parsed) {
        if (parsed->key.empty() || parsed->values.empty()) {
          std::abort();
        }
        request.vary.push_back(*parsed);
      } else if (parsed.error().message.empty()) {
        std::abort();
      }
    }
    start = end + 1;
  }
  request.installation_dir = "/nonexistent";  // a tariff file is never found
  auto checked = kirchhoff::whatif::check_request(request);
  if (!checked && checked.error().message.empty()) {
    std::abort();
  }
  return 0;
}
