// The self-contained HTML page of `kirchhoff whatif --report FILE.html`
// (docs/whatif.md, "The report"): the result of a what-if replay as one file
// that opens offline, on a phone and on paper.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace kirchhoff::whatif {

// Renders the JSON of docs/whatif.md ("Output") as one HTML page with
// everything inlined (styles, uPlot, the charts' data): the page makes no
// network request. Every part of the result is optional and read
// defensively: a missing or ill-typed member is left out (or shown as "—"),
// never an exception or a crash, so any JSON value gives a page. Every
// string of the result (keys and values of `set` come from the command line)
// is escaped. Pure function, thread-safe.
std::string render_report(const nlohmann::json& result);

// The uPlot files built into the binary (third_party/uplot/), as they are
// inlined into the page; for the test that they match the vendored files.
std::string_view embedded_uplot_script();
std::string_view embedded_uplot_stylesheet();
std::string_view embedded_uplot_license();

}  // namespace kirchhoff::whatif
