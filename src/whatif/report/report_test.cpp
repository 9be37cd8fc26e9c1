// The what-if report: the example result of docs/whatif.md rendered and read
// back; odd results; the vendored uPlot against npm's. Writes the rendered
// example to <build>/artifacts/whatif-report-example.html for the browser test
// (web/tests/whatif_report.test.mjs).
#include "whatif/report/report.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace kirchhoff::whatif {
namespace {

using nlohmann::json;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// tests/data/whatif-example.json: 3 battery sizes × 2 strategies at
// 450 EUR/kWh over 365 days, the baseline costing 1480.25 EUR.
json example() {
  const std::string text =
      read_text(std::filesystem::path(KIRCHHOFF_SOURCE_DIR) / "tests/data/whatif-example.json");
  return json::parse(text);
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

// The rows of the variants table's body, each from "<tr" to "</tr>".
std::vector<std::string> body_rows(const std::string& html) {
  std::vector<std::string> rows;
  const std::size_t body = html.find("<tbody>");
  const std::size_t end = html.find("</tbody>");
  if (body == std::string::npos || end == std::string::npos) {
    return rows;
  }
  for (std::size_t at = html.find("<tr", body); at != std::string::npos && at < end;
       at = html.find("<tr", at + 3)) {
    rows.push_back(html.substr(at, html.find("</tr>", at) + 5 - at));
  }
  return rows;
}

// The charts' data the page carries.
json chart_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const std::size_t from = html.find(open);
  if (from == std::string::npos) {
    return nullptr;
  }
  const std::size_t start = from + open.size();
  return json::parse(html.substr(start, html.find("</script>", start) - start), nullptr, false);
}

TEST(WhatifReport, ExampleHasEveryVariantWithItsSavingsAndNoExternalReference) {
  const std::string html = render_report(example());
  // For the browser test: the page as a person would open it.
  const auto artifacts = std::filesystem::path(KIRCHHOFF_BINARY_DIR) / "artifacts";
  std::filesystem::create_directories(artifacts);
  std::ofstream(artifacts / "whatif-report-example.html", std::ios::binary) << html;

  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  // Nothing to fetch: the only URL is uPlot's own banner comment.
  const std::string banner = "https://github.com/leeoniya/uPlot (v1.6.32)";
  EXPECT_EQ(count(html, "http://"), 0u);
  EXPECT_EQ(count(html, "https://"), 1u);
  EXPECT_EQ(count(html, banner), 1u);
  for (const char* reference : {"src=", "<link", "url(", "@import", "<iframe", "<img"}) {
    EXPECT_EQ(count(html, reference), 0u) << reference;
  }
  // uPlot inlined, with its licence.
  EXPECT_NE(html.find(std::string(embedded_uplot_script())), std::string::npos);
  EXPECT_NE(html.find("var uPlot=function"), std::string::npos);
  EXPECT_NE(html.find("Copyright (c) 2022 Leon Sorokin"), std::string::npos);
  EXPECT_NE(html.find(".uplot {"), std::string::npos);
  EXPECT_EQ(count(html, "<script"), 3u);  // data, uPlot, the page's charts

  // Header: the period and the baseline against the recording.
  EXPECT_NE(html.find("2025-01-01 00:00 UTC to 2026-01-01 00:00 UTC (365 days)"),
            std::string::npos);
  EXPECT_NE(html.find("<dd>managed</dd>"), std::string::npos);
  EXPECT_NE(html.find("import 5321.4\u00a0kWh, export 2210.9\u00a0kWh"), std::string::npos);
  EXPECT_NE(html.find("import 5321.9\u00a0kWh (+0.01\u00a0%), export 2210.1\u00a0kWh "
                      "(-0.04\u00a0%): reproduces the recording"),
            std::string::npos);
  EXPECT_EQ(html.find("class=\"warning\""), std::string::npos);

  // The table: the set keys as columns, then the figures with investment and payback.
  EXPECT_NE(
      html.find("<th scope=\"col\">Run</th><th scope=\"col\" class=\"key\">"
                "battery.<wbr>capacity_<wbr>kwh</th><th scope=\"col\" class=\"key\">strategy</th>"
                "<th scope=\"col\" class=\"num\">Import kWh</th>"),
      std::string::npos);
  EXPECT_NE(html.find("Investment EUR</th><th scope=\"col\" class=\"num\">Payback years</th>"),
            std::string::npos);
  const std::vector<std::string> rows = body_rows(html);
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_NE(rows[0].find("<th scope=\"row\">Baseline</th><td>\u2014</td><td>\u2014</td>"
                         "<td class=\"num\">5321.9</td><td class=\"num\">2210.1</td>"
                         "<td class=\"num\">38.2</td><td class=\"num\">54.9</td>"
                         "<td class=\"num\">1480.25</td>"),
            std::string::npos)
      << rows[0];
  // Savings = 1480.25 − the variant's cost (a whole year: per year the same);
  // investment = kWh × 450; payback = investment ÷ savings, 1 decimal.
  struct Expected {
    const char* set;
    const char* figures;
  };
  const Expected expected[] = {
      // 1480.25 − 1390.75 = 89.50; 2250 ÷ 89.50 = 25.14
      {"<td>5</td><td>none</td>",
       "1390.75</td><td class=\"num\">89.50</td><td class=\"num\">89.50"
       "</td><td class=\"num\">2250.00</td><td class=\"num\">25.1</td>"},
      // 1480.25 − 1345.05 = 135.20; 2250 ÷ 135.20 = 16.64
      {"<td>5</td><td>managed</td>",
       "1345.05</td><td class=\"num\">135.20</td><td class=\"num\">"
       "135.20</td><td class=\"num\">2250.00</td><td class=\"num\">"
       "16.6</td>"},
      // 1480.25 − 1352.25 = 128.00; 4500 ÷ 128 = 35.16
      {"<td>10</td><td>none</td>",
       "1352.25</td><td class=\"num\">128.00</td><td class=\"num\">"
       "128.00</td><td class=\"num\">4500.00</td><td class=\"num\">35.2"
       "</td>"},
      // 1480.25 − 1281.85 = 198.40; 4500 ÷ 198.40 = 22.68
      {"<td>10</td><td>managed</td>",
       "1281.85</td><td class=\"num\">198.40</td><td class=\"num\">"
       "198.40</td><td class=\"num\">4500.00</td><td class=\"num\">"
       "22.7</td>"},
      // 1480.25 − 1338.95 = 141.30; 6750 ÷ 141.30 = 47.77
      {"<td>15</td><td>none</td>",
       "1338.95</td><td class=\"num\">141.30</td><td class=\"num\">"
       "141.30</td><td class=\"num\">6750.00</td><td class=\"num\">47.8"
       "</td>"},
      // 1480.25 − 1256.13 = 224.12; 6750 ÷ 224.12 = 30.12
      {"<td>15</td><td>managed</td>",
       "1256.13</td><td class=\"num\">224.12</td><td class=\"num\">"
       "224.12</td><td class=\"num\">6750.00</td><td class=\"num\">"
       "30.1</td>"},
  };
  for (std::size_t i = 0; i < 6; ++i) {
    const std::string& row = rows[i + 1];
    EXPECT_NE(row.find("<th scope=\"row\">" + std::to_string(i + 1)), std::string::npos) << row;
    EXPECT_NE(row.find(expected[i].set), std::string::npos) << row;
    EXPECT_NE(row.find(expected[i].figures), std::string::npos) << row;
    // Variant 2 (5 kWh, managed) pays back soonest: best is 1 (0-based).
    EXPECT_EQ(row.find("class=\"best\"") != std::string::npos, i == 1) << row;
  }
  EXPECT_NE(html.find("<strong>Best variant:</strong> run 2 (battery.capacity_kwh=5, "
                      "strategy=managed), saves 135.20\u00a0EUR a year, pays back in 16.6 years."),
            std::string::npos);

  // Savings per year against the battery's size, one line per strategy
  // (strategy is not a number: no chart of its own).
  const json data = chart_data(html);
  ASSERT_TRUE(data.is_object());
  ASSERT_EQ(data["savings"].size(), 1u);
  EXPECT_EQ(data["savings"][0]["key"], "battery.capacity_kwh");
  EXPECT_EQ(data["savings"][0]["x"], json::parse("[5, 10, 15]"));
  EXPECT_EQ(data["savings"][0]["series"],
            json::parse(R"([{"label": "strategy=none", "y": [89.5, 128.0, 141.3]},
                            {"label": "strategy=managed", "y": [135.2, 198.4, 224.12]}])"));
  EXPECT_NE(html.find("data-savings=\"0\""), std::string::npos);
  EXPECT_EQ(html.find("data-savings=\"1\""), std::string::npos);

  // Typical days: 96 quarter hours from local midnight, recorded and best.
  ASSERT_EQ(data["days"].size(), 2u);
  EXPECT_NE(html.find("<h3>Summer day (2025-06-21)</h3>"), std::string::npos);
  EXPECT_NE(html.find("<h3>Winter day (2025-12-18)</h3>"), std::string::npos);
  const json& summer = data["days"][0];
  ASSERT_EQ(summer["x"].size(), 96u);
  EXPECT_EQ(summer["x"][4], 3600.0);
  EXPECT_EQ(summer["x"][95], 85500.0);
  ASSERT_EQ(summer["series"].size(), 7u);
  EXPECT_EQ(summer["series"][0]["label"], "Grid, recorded");
  EXPECT_EQ(summer["series"][6]["kind"], "soc");
  // Power in kW: the example's first recorded grid value is 350 W.
  EXPECT_EQ(summer["series"][0]["y"][0], 0.35);
}

TEST(WhatifReport, EscapesEveryStringOfTheResult) {
  json result = example();
  const std::string evil_key = "<script>alert('key')</script>";
  const std::string evil_value = "\"><img src=x onerror=alert(1)>";
  for (json& variant : result["variants"]) {
    variant["set"][evil_key] = evil_value;
  }
  result["currency"] = "</script><script>alert(2)</script>";
  result["strategy"] = "<b>managed</b>";
  result["period"]["from"] = "<i>then</i>";
  result["typical_days"][0]["name"] = "<svg onload=alert(3)>";
  const std::string html = render_report(result);
  for (const char* raw :
       {"<script>alert", "<img", "<svg", "<b>managed", "<i>then", "</script><script>alert(2)"}) {
    EXPECT_EQ(html.find(raw), std::string::npos) << raw;
  }
  EXPECT_EQ(count(html, "<script"), 3u);
  EXPECT_EQ(count(html, "</script>"), 3u);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;key&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("<td>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</td>"), std::string::npos);
  EXPECT_NE(html.find("<dd>&lt;b&gt;managed&lt;/b&gt;</dd>"), std::string::npos);
  // The charts' data keeps the strings, \u-escaped inside the script element.
  const json data = chart_data(html);
  ASSERT_TRUE(data.is_object());
  EXPECT_EQ(data["currency"], "</script><script>alert(2)</script>");
}

// A result built in memory may hold any bytes: the page stays valid UTF-8
// without control characters.
TEST(WhatifReport, IllFormedTextBecomesReplacementCharacters) {
  json result = example();
  result["variants"][0]["set"]["strategy"] = std::string(
      "a\xff\x01"
      "b");
  result["currency"] = std::string("\xc3");
  const std::string html = render_report(result);
  EXPECT_NE(html.find("<td>a\uFFFD\uFFFDb</td>"), std::string::npos);
  EXPECT_NE(html.find("Cost \uFFFD</th>"), std::string::npos);
  EXPECT_EQ(html.find('\xff'), std::string::npos);
  EXPECT_EQ(html.find('\x01'), std::string::npos);
  EXPECT_TRUE(chart_data(html).is_object());
}

TEST(WhatifReport, WarnsWhenTheBaselineDoesNotReproduceTheRecording) {
  json result = example();
  result["baseline"]["reproduces_recorded"] = false;
  result["baseline"]["import_error_pct"] = 2.5;
  const std::string html = render_report(result);
  EXPECT_NE(html.find("<p class=\"warning\" role=\"note\"><strong>Warning:</strong> the baseline "
                      "does not reproduce the recorded import and export within 0.5\u00a0%."),
            std::string::npos);
  EXPECT_NE(html.find("(+2.50\u00a0%)"), std::string::npos);
  EXPECT_EQ(html.find("reproduces the recording within"), std::string::npos);
}

TEST(WhatifReport, LeavesOutWhatTheResultDoesNotHave) {
  json result = example();
  result.erase("typical_days");
  for (json& variant : result["variants"]) {
    variant["kpis"].erase("investment");
    variant["kpis"].erase("payback_years");
  }
  std::string html = render_report(result);
  EXPECT_EQ(html.find("data-day="), std::string::npos);
  EXPECT_EQ(html.find("Typical days"), std::string::npos);
  EXPECT_EQ(html.find("Investment"), std::string::npos);
  EXPECT_EQ(html.find("Payback"), std::string::npos);
  EXPECT_EQ(html.find("pays back"), std::string::npos);
  EXPECT_NE(html.find("data-savings=\"0\""), std::string::npos);

  result.erase("variants");
  result.erase("best");
  html = render_report(result);
  EXPECT_NE(html.find("No variants"), std::string::npos);
  EXPECT_EQ(body_rows(html).size(), 1u);
  EXPECT_EQ(html.find("data-savings="), std::string::npos);
  EXPECT_EQ(html.find("Best variant"), std::string::npos);
}

TEST(WhatifReport, NullPaybackReadsAsNeverPaysBack) {
  json result = example();
  json& kpis = result["variants"][0]["kpis"];
  kpis["savings"] = -3.2;
  kpis["savings_per_year"] = -3.2;
  kpis["payback_years"] = nullptr;
  const std::string html = render_report(result);
  const std::vector<std::string> rows = body_rows(html);
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_NE(rows[1].find("<td class=\"num\">-3.20</td><td class=\"num\">-3.20</td><td "
                         "class=\"num\">2250.00</td><td class=\"num\">\u2014</td>"),
            std::string::npos)
      << rows[1];
  EXPECT_NE(html.find("it never pays back"), std::string::npos);
}

TEST(WhatifReport, FormatsNumbersTheSameInEveryCase) {
  json result = json::object();
  result["baseline"]["kpis"] = {{"import_kwh", 0.04},
                                {"export_kwh", -0.04},
                                {"cost", -0.001},
                                {"self_sufficiency_pct", 12.25},
                                {"self_consumption_pct", 1e300}};
  const std::string html = render_report(result);
  const std::vector<std::string> rows = body_rows(html);
  ASSERT_EQ(rows.size(), 1u);
  // 0.04 → 0.0; -0.04 → 0.0 (no negative zero); 12.25 is exact in binary, a
  // tie, rounded to even as printf does → 12.2; 1e300 in exponent form;
  // -0.001 → 0.00.
  EXPECT_NE(rows[0].find("<td class=\"num\">0.0</td><td class=\"num\">0.0</td><td class=\"num\">"
                         "12.2</td><td class=\"num\">1.000e+300</td><td class=\"num\">0.00</td>"),
            std::string::npos)
      << rows[0];
}

TEST(WhatifReport, AnyJsonGivesAPage) {
  const char* const inputs[] = {
      "null",
      "42",
      "\"text\"",
      "[]",
      "{}",
      R"({"variants": 3, "best": "1", "typical_days": {}, "baseline": []})",
      R"({"variants": [1, "x", null, {"set": [1], "kpis": "no"}, {"set": {"a": {"b": 1}}}],
          "best": 3})",
      R"({"variants": [{"set": {"k": 1}}, {"set": {"k": 2}}], "best": -1})",
      R"({"variants": [{"set": {"k": 1}}, {"set": {"k": "2"}}], "best": 1e300})",
      R"({"variants": [{"set": {"k": 1, "j": null}, "kpis": {"savings_per_year": "9"}},
                       {"set": {"k": 1}, "kpis": {"savings_per_year": 4}},
                       {"set": {"k": 1e308}, "kpis": {"savings_per_year": 5}}], "best": 1.5})",
      R"({"typical_days": [7, null, {"step_s": -5, "recorded": {"grid_w": "x"}},
          {"name": "", "step_s": 0, "best": {"grid_w": [1, "x", null, -1e308]}},
          {"name": 3, "date": [], "recorded": {"grid_w": [1, 2], "pv_w": [[1]]}}]})",
      R"({"baseline": {"kpis": {"import_kwh": "12"}, "reproduces_recorded": "no",
          "import_error_pct": null}, "period": {"from": 5, "to": {}, "days": "x"},
          "recorded": [], "currency": 5, "strategy": false, "elapsed_s": -1})",
  };
  for (const char* input : inputs) {
    const json result = json::parse(input);
    const std::string html = render_report(result);
    EXPECT_NE(html.find("</html>"), std::string::npos) << input;
    EXPECT_TRUE(chart_data(html).is_object()) << input;
  }
}

// A step of 0 or below would put every point at x = 0: the step is 900 s then.
TEST(WhatifReport, ABadStepFallsBackToQuarterHours) {
  const json result = json::parse(
      R"({"typical_days": [{"name": "summer", "step_s": 0, "recorded": {"grid_w": [1, 2, 3]}}]})");
  const json data = chart_data(render_report(result));
  ASSERT_EQ(data["days"].size(), 1u);
  EXPECT_EQ(data["days"][0]["x"], json::parse("[0, 900, 1800]"));
}

// The uPlot built into the binary is the vendored one, which is npm's at the
// version the dashboard's lock file pins.
TEST(WhatifReport, EmbeddedUplotIsTheVendoredFile) {
  const auto vendored = std::filesystem::path(KIRCHHOFF_SOURCE_DIR) / "third_party/uplot";
  EXPECT_EQ(embedded_uplot_script(), read_text(vendored / "uPlot.iife.min.js"));
  EXPECT_EQ(embedded_uplot_stylesheet(), read_text(vendored / "uPlot.min.css"));
  EXPECT_EQ(embedded_uplot_license(), read_text(vendored / "LICENSE"));
  // Inlined into a <script> and a comment: nothing in them may end either.
  EXPECT_EQ(embedded_uplot_script().find("</script"), std::string_view::npos);
  EXPECT_EQ(embedded_uplot_script().find("<!--"), std::string_view::npos);
  EXPECT_EQ(embedded_uplot_stylesheet().find("</style"), std::string_view::npos);
  EXPECT_EQ(embedded_uplot_license().find("*/"), std::string_view::npos);

  const json lock =
      json::parse(read_text(std::filesystem::path(KIRCHHOFF_SOURCE_DIR) / "web/package-lock.json"),
                  nullptr, false);
  ASSERT_TRUE(lock.is_object());
  const std::string version = lock["packages"]["node_modules/uplot"]["version"].get<std::string>();
  EXPECT_EQ(
      embedded_uplot_script().rfind("/*! https://github.com/leeoniya/uPlot (v" + version + ")", 0),
      0u)
      << "third_party/uplot is not uPlot " << version << " (web/package-lock.json)";
}

TEST(WhatifReport, VendoredUplotIsNpmsByteForByte) {
  const auto npm = std::filesystem::path(KIRCHHOFF_SOURCE_DIR) / "web/node_modules/uplot";
  if (!std::filesystem::exists(npm / "dist")) {
    GTEST_SKIP() << "web/node_modules/uplot is not installed (cd web && npm ci)";
  }
  const auto vendored = std::filesystem::path(KIRCHHOFF_SOURCE_DIR) / "third_party/uplot";
  EXPECT_EQ(read_text(vendored / "uPlot.iife.min.js"), read_text(npm / "dist/uPlot.iife.min.js"));
  EXPECT_EQ(read_text(vendored / "uPlot.min.css"), read_text(npm / "dist/uPlot.min.css"));
  EXPECT_EQ(read_text(vendored / "LICENSE"), read_text(npm / "LICENSE"));
}

}  // namespace
}  // namespace kirchhoff::whatif
