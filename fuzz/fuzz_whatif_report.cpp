// Fuzz target: the what-if report on any JSON value. The result of a run is
// ours, but the page must survive whatever a broken or edited result holds:
// any bytes that parse as JSON give a page, never a crash or an exception,
// and no string of the input opens an element of its own.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "whatif/report/report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const nlohmann::json result = nlohmann::json::parse(input, nullptr, /*allow_exceptions=*/false);
  if (result.is_discarded()) {
    return 0;
  }
  const std::string html = kirchhoff::whatif::render_report(result);
  if (html.find("</html>") == std::string::npos) {
    std::abort();
  }
  // Three script elements (the charts' data, uPlot, the page's script),
  // whatever the strings of the input say.
  std::size_t scripts = 0;
  for (std::size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    ++scripts;
  }
  if (scripts != 3) {
    std::abort();
  }
  return 0;
}
