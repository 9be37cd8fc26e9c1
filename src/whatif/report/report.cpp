#include "whatif/report/report.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "common/utf8.hpp"
#include "whatif/report/report_css.hpp"
#include "whatif/report/report_js.hpp"
#include "whatif/report/uplot_css.hpp"
#include "whatif/report/uplot_js.hpp"
#include "whatif/report/uplot_license.hpp"

namespace kirchhoff::whatif {

std::string_view embedded_uplot_script() { return embedded::kUplotScript; }
std::string_view embedded_uplot_stylesheet() { return embedded::kUplotStylesheet; }
std::string_view embedded_uplot_license() { return embedded::kUplotLicense; }

namespace {

using nlohmann::json;

// Bounds that keep a hostile or broken result from making a page of
// gigabytes: a real run varies a handful of keys and has 96 quarter hours a
// day. What lies beyond is left out, and the page says so.
constexpr std::size_t kMaxSetColumns = 12;
constexpr std::size_t kMaxDays = 8;
constexpr std::size_t kMaxDayPoints = 100000;
constexpr std::size_t kMaxTextLength = 200;
constexpr const char* kDash = "\u2014";

// ---- defensive accessors: a wrong type reads as "absent" ----

// A std::string, not a C string: keys of `set` may hold a NUL.
const json* member(const json* object, const std::string& key) {
  if (object == nullptr || !object->is_object()) {
    return nullptr;
  }
  const auto it = object->find(key);
  return it == object->end() ? nullptr : &*it;
}

std::optional<double> number_of(const json* value) {
  if (value == nullptr || !value->is_number()) {
    return std::nullopt;
  }
  const double number = value->get<double>();
  if (!std::isfinite(number)) {
    return std::nullopt;
  }
  return number;
}

std::optional<std::string> string_of(const json* value) {
  if (value == nullptr || !value->is_string()) {
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::optional<bool> bool_of(const json* value) {
  if (value == nullptr || !value->is_boolean()) {
    return std::nullopt;
  }
  return value->get<bool>();
}

// ---- text ----

// For element content and quoted attribute values. Ill-formed UTF-8 (a
// result built in memory may hold any bytes) and control characters other
// than tab and newline have no business on the page; they become U+FFFD.
std::string escape_html(std::string_view raw) {
  const std::string text = common::to_valid_utf8(raw);
  std::string out;
  out.reserve(text.size() + 16);
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') || c == '\x7f') {
          out += "\uFFFD";
        } else {
          out += c;
        }
    }
  }
  return out;
}

// Lets a long key ("battery.capacity_kwh") wrap after its dots and
// underscores rather than anywhere, in a narrow table header.
std::string breakable(const std::string& escaped) {
  std::string out;
  for (const char c : escaped) {
    out += c;
    if (c == '.' || c == '_') {
      out += "<wbr>";
    }
  }
  return out;
}

// Shortens a text from the result that would break the layout, at a UTF-8
// character boundary.
std::string shorten(std::string text) {
  if (text.size() <= kMaxTextLength) {
    return text;
  }
  std::size_t cut = kMaxTextLength;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  text.resize(cut);
  return text + "\u2026";
}

// `value` with `decimals` digits after the point, the C locale's way whatever
// the process's locale ("-0.00" is "0.00"). Values beyond 1e15 would need
// dozens of digits and mean nothing here: they are written in exponent form.
std::string fixed(double value, int decimals) {
  char buffer[64];
  const bool huge = std::fabs(value) >= 1e15;
  const auto [end, error] =
      huge ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific, 3)
           : std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed,
                           decimals);
  if (error != std::errc{}) {
    return kDash;
  }
  std::string text(buffer, end);
  if (text.front() == '-' && text.find_first_not_of("-0.") == std::string::npos) {
    text.erase(0, 1);
  }
  return text;
}

// The shortest text that reads back as `value` (5, 12.5, 0.1).
std::string shortest(double value) {
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return error == std::errc{} ? std::string(buffer, end) : std::string(kDash);
}

// A number with the decimals it deserves, or a dash when absent.
std::string number_text(std::optional<double> value, int decimals) {
  return value ? fixed(*value, decimals) : std::string(kDash);
}

// A signed percentage: "+0.12 %", "-0.31 %".
std::string signed_pct(double value) {
  std::string text = fixed(value, 2);
  if (text.front() != '-' && value > 0.0) {
    text.insert(0, "+");
  }
  return text + "\u00a0%";
}

// A value of `set` as the command line gave it.
std::string value_text(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return shorten(value.get<std::string>());
    case json::value_t::number_integer:
      return std::to_string(value.get<std::int64_t>());
    case json::value_t::number_unsigned:
      return std::to_string(value.get<std::uint64_t>());
    case json::value_t::number_float: {
      const double number = value.get<double>();
      return std::isfinite(number) ? shortest(number) : std::string(kDash);
    }
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::null:
      return "null";
    case json::value_t::array:
      return "[\u2026]";
    default:
      return "{\u2026}";
  }
}

// The number a value of `set` stands for, when it is one: 10 or "10".
std::optional<double> numeric_value(const json& value) {
  if (value.is_number()) {
    return number_of(&value);
  }
  if (!value.is_string()) {
    return std::nullopt;
  }
  const std::string& text = value.get_ref<const std::string&>();
  double number = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty() ||
      !std::isfinite(number)) {
    return std::nullopt;
  }
  return number;
}

// "2025-01-01T00:00:00Z" → "2025-01-01 00:00 UTC"; any other text as it is.
std::string time_text(const std::string& text) {
  const bool iso = text.size() >= 20 && text[4] == '-' && text[7] == '-' && text[10] == 'T' &&
                   text[13] == ':' && text.back() == 'Z';
  return iso ? text.substr(0, 10) + " " + text.substr(11, 5) + " UTC" : shorten(text);
}

// JSON inside <script type="application/json">: "<", ">" and "&" only occur
// in its strings, where \u escapes mean the same, so nothing in it can close
// the element or open a comment.
std::string script_json(const json& value) {
  const std::string text = value.dump(-1, ' ', true, json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// ---- the model of the page, read once from the result ----

struct Row {
  const json* set = nullptr;   // the variant's `set` (null for the baseline)
  const json* kpis = nullptr;  // its `kpis`
};

struct Page {
  const json* result = nullptr;
  std::string currency;
  Row baseline;
  std::vector<Row> variants;
  std::optional<std::size_t> best;
  std::vector<std::string> keys;  // `set` keys, in the order they first appear
  bool keys_cut = false;
  bool with_capex = false;
};

Page read_page(const json& result) {
  Page page;
  page.result = &result;
  page.currency = shorten(string_of(member(&result, "currency")).value_or(""));
  page.baseline.kpis = member(member(&result, "baseline"), "kpis");
  if (page.currency.empty()) {
    page.currency = shorten(string_of(member(page.baseline.kpis, "currency")).value_or("EUR"));
  }
  if (const json* variants = member(&result, "variants"); variants && variants->is_array()) {
    for (const json& variant : *variants) {
      Row row;
      row.set = member(&variant, "set");
      row.kpis = member(&variant, "kpis");
      if (row.set != nullptr && row.set->is_object()) {
        for (const auto& [key, value] : row.set->items()) {
          if (std::find(page.keys.begin(), page.keys.end(), key) != page.keys.end()) {
            continue;
          }
          if (page.keys.size() == kMaxSetColumns) {
            page.keys_cut = true;
            break;
          }
          page.keys.push_back(key);
        }
      }
      if (member(row.kpis, "investment") != nullptr ||
          member(row.kpis, "payback_years") != nullptr) {
        page.with_capex = true;
      }
      page.variants.push_back(row);
    }
  }
  if (const json* best = member(&result, "best"); best && best->is_number()) {
    const double index = best->get<double>();
    if (std::isfinite(index) && index >= 0 && index == std::floor(index) &&
        index < static_cast<double>(page.variants.size())) {
      page.best = static_cast<std::size_t>(index);
    }
  }
  return page;
}

std::string set_label(const Row& row, const std::vector<std::string>& keys,
                      std::string_view except = {}) {
  std::string label;
  for (const std::string& key : keys) {
    if (key == except) {
      continue;
    }
    const json* value = member(row.set, key);
    if (value == nullptr) {
      continue;
    }
    if (!label.empty()) {
      label += ", ";
    }
    label += shorten(key) + "=" + value_text(*value);
  }
  return label;
}

// ---- the header ----

void render_header(const Page& page, std::string& html) {
  const json& result = *page.result;
  html += "<header>\n<h1>What if: the recorded history replayed with changes</h1>\n<dl>\n";
  const json* period = member(&result, "period");
  const auto from = string_of(member(period, "from"));
  const auto to = string_of(member(period, "to"));
  const auto days = number_of(member(period, "days"));
  if (from || to || days) {
    html += "<dt>Period</dt><dd>";
    if (from || to) {
      html += escape_html(time_text(from.value_or("?"))) + " to " +
              escape_html(time_text(to.value_or("?")));
    }
    if (days) {
      std::string text = fixed(*days, 1);
      if (text.size() > 2 && text.compare(text.size() - 2, 2, ".0") == 0) {
        text.resize(text.size() - 2);
      }
      html += (from || to ? " (" : "(") + text + (text == "1" ? " day)" : " days)");
    }
    html += "</dd>\n";
  }
  if (const auto strategy = string_of(member(&result, "strategy"))) {
    html += "<dt>Strategy of the baseline</dt><dd>" + escape_html(shorten(*strategy)) + "</dd>\n";
  }
  const json* recorded = member(&result, "recorded");
  const auto recorded_import = number_of(member(recorded, "import_kwh"));
  const auto recorded_export = number_of(member(recorded, "export_kwh"));
  if (recorded_import || recorded_export) {
    html += "<dt>Recorded</dt><dd>import " + number_text(recorded_import, 1) +
            "\u00a0kWh, export " + number_text(recorded_export, 1) + "\u00a0kWh</dd>\n";
  }
  const json* baseline = member(&result, "baseline");
  const auto import_kwh = number_of(member(page.baseline.kpis, "import_kwh"));
  const auto export_kwh = number_of(member(page.baseline.kpis, "export_kwh"));
  const auto import_error = number_of(member(baseline, "import_error_pct"));
  const auto export_error = number_of(member(baseline, "export_error_pct"));
  const auto reproduces = bool_of(member(baseline, "reproduces_recorded"));
  if (import_kwh || export_kwh || import_error || export_error) {
    html += "<dt>Baseline (replayed as recorded)</dt><dd>import " + number_text(import_kwh, 1) +
            "\u00a0kWh";
    if (import_error) {
      html += " (" + signed_pct(*import_error) + ")";
    }
    html += ", export " + number_text(export_kwh, 1) + "\u00a0kWh";
    if (export_error) {
      html += " (" + signed_pct(*export_error) + ")";
    }
    if (reproduces.value_or(false)) {
      html += ": reproduces the recording within 0.5\u00a0%";
    }
    html += "</dd>\n";
  }
  html += "</dl>\n";
  if (reproduces && !*reproduces) {
    html +=
        "<p class=\"warning\" role=\"note\"><strong>Warning:</strong> the baseline does not "
        "reproduce the recorded import and export within 0.5\u00a0%. The replay misses something "
        "of this site (a load that is not measured, a device that is not modelled, a gap in the "
        "history), so the savings below are less certain than they look.</p>\n";
  }
  if (page.best) {
    const Row& best = page.variants[*page.best];
    const std::string label = set_label(best, page.keys);
    html += "<p class=\"best-summary\"><strong>Best variant:</strong> run " +
            std::to_string(*page.best + 1) + (label.empty() ? "" : " (" + escape_html(label) + ")");
    if (const auto per_year = number_of(member(best.kpis, "savings_per_year"))) {
      html += ", saves " + fixed(*per_year, 2) + "\u00a0" + escape_html(page.currency) + " a year";
    }
    if (const auto payback = number_of(member(best.kpis, "payback_years"))) {
      html += ", pays back in " + fixed(*payback, 1) + " years";
    }
    html += ".</p>\n";
  }
  html += "</header>\n";
}

// ---- the table ----

void number_cell(std::string& html, std::optional<double> value, int decimals) {
  html += "<td class=\"num\">" + number_text(value, decimals) + "</td>";
}

void render_table(const Page& page, std::string& html) {
  const std::string currency = escape_html(page.currency);
  html +=
      "<section aria-labelledby=\"variants-title\">\n<h2 id=\"variants-title\">Baseline and "
      "variants</h2>\n";
  if (page.variants.empty()) {
    html += "<p>No variants: only the baseline was replayed (give <code>--vary</code>).</p>\n";
  }
  html += "<p class=\"note\">Each row is one replay of the period; costs in " + currency +
          ". The best variant is marked.</p>\n";
  html +=
      "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"variants-title\" "
      "tabindex=\"0\">\n<table class=\"variants\">\n<caption class=\"visually-hidden\">Baseline "
      "and variants</caption>\n<thead><tr><th scope=\"col\">Run</th>";
  for (const std::string& key : page.keys) {
    html += "<th scope=\"col\" class=\"key\">" + breakable(escape_html(shorten(key))) + "</th>";
  }
  html +=
      "<th scope=\"col\" class=\"num\">Import kWh</th><th scope=\"col\" class=\"num\">Export "
      "kWh</th><th scope=\"col\" class=\"num\">Self-sufficiency %</th><th scope=\"col\" "
      "class=\"num\">Self-consumption %</th><th scope=\"col\" class=\"num\">Cost " +
      currency + "</th><th scope=\"col\" class=\"num\">Savings " + currency +
      "</th><th scope=\"col\" class=\"num\">Savings per year " + currency + "</th>";
  if (page.with_capex) {
    html += "<th scope=\"col\" class=\"num\">Investment " + currency +
            "</th><th scope=\"col\" class=\"num\">Payback years</th>";
  }
  html += "</tr></thead>\n<tbody>\n";
  bool null_payback = false;
  const auto row_html = [&](const Row& row, const std::string& name, bool is_baseline,
                            bool is_best) {
    html += is_best ? "<tr class=\"best\">" : "<tr>";
    html += "<th scope=\"row\">" + name;
    if (is_best) {
      html += " <span class=\"badge\">best</span>";
    }
    html += "</th>";
    for (const std::string& key : page.keys) {
      const json* value = member(row.set, key);
      html += "<td>" + (value ? escape_html(value_text(*value)) : std::string(kDash)) + "</td>";
    }
    number_cell(html, number_of(member(row.kpis, "import_kwh")), 1);
    number_cell(html, number_of(member(row.kpis, "export_kwh")), 1);
    number_cell(html, number_of(member(row.kpis, "self_sufficiency_pct")), 1);
    number_cell(html, number_of(member(row.kpis, "self_consumption_pct")), 1);
    number_cell(html, number_of(member(row.kpis, "cost")), 2);
    number_cell(html, is_baseline ? std::nullopt : number_of(member(row.kpis, "savings")), 2);
    number_cell(html, is_baseline ? std::nullopt : number_of(member(row.kpis, "savings_per_year")),
                2);
    if (page.with_capex) {
      number_cell(html, is_baseline ? std::nullopt : number_of(member(row.kpis, "investment")), 2);
      const json* payback = member(row.kpis, "payback_years");
      if (!is_baseline && payback != nullptr && payback->is_null()) {
        null_payback = true;
      }
      number_cell(html, is_baseline ? std::nullopt : number_of(payback), 1);
    }
    html += "</tr>\n";
  };
  row_html(page.baseline, "Baseline", true, false);
  for (std::size_t i = 0; i < page.variants.size(); ++i) {
    row_html(page.variants[i], std::to_string(i + 1), false, page.best == i);
  }
  html += "</tbody>\n</table>\n</div>\n";
  if (null_payback) {
    html += "<p class=\"note\">Payback " + std::string(kDash) +
            ": the variant saves nothing, so it never pays back.</p>\n";
  }
  if (page.keys_cut) {
    html += "<p class=\"note\">More varied keys than the table shows; the first " +
            std::to_string(kMaxSetColumns) + " are shown.</p>\n";
  }
  html += "</section>\n";
}

// ---- the charts' data ----

// Savings per year against each numeric key: x = the key's distinct values,
// one line per combination of the other keys.
json savings_charts(const Page& page) {
  json charts = json::array();
  for (const std::string& key : page.keys) {
    std::vector<double> xs;
    bool numeric = true;
    for (const Row& row : page.variants) {
      const json* value = member(row.set, key);
      if (value == nullptr) {
        continue;
      }
      const auto number = numeric_value(*value);
      if (!number) {
        numeric = false;
        break;
      }
      xs.push_back(*number);
    }
    std::sort(xs.begin(), xs.end());
    xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
    if (!numeric || xs.size() < 2) {
      continue;
    }
    std::map<std::string, std::size_t> group_index;
    json series = json::array();
    for (const Row& row : page.variants) {
      const json* value = member(row.set, key);
      if (value == nullptr) {
        continue;
      }
      const double x = *numeric_value(*value);
      const auto at =
          static_cast<std::size_t>(std::lower_bound(xs.begin(), xs.end(), x) - xs.begin());
      const std::string label = set_label(row, page.keys, key);
      auto [it, inserted] = group_index.emplace(label, series.size());
      if (inserted) {
        series.push_back({{"label", label.empty() ? "savings per year" : label},
                          {"y", json(std::vector<json>(xs.size(), nullptr))}});
      }
      json& y = series[it->second]["y"][at];
      if (y.is_null()) {
        if (const auto per_year = number_of(member(row.kpis, "savings_per_year"))) {
          y = std::round(*per_year * 100.0) / 100.0;
        }
      }
    }
    charts.push_back({{"key", shorten(key)}, {"x", xs}, {"series", std::move(series)}});
  }
  return charts;
}

struct DayChart {
  std::string title;
  std::string caption;
  json data;
};

// Energy of the positive (or negative) part of a power series, kWh.
double energy_kwh(const json* series, double step_s, bool positive) {
  double wh = 0.0;
  if (series != nullptr && series->is_array()) {
    for (const json& value : *series) {
      if (const auto w = number_of(&value)) {
        if (positive ? *w > 0 : *w < 0) {
          wh += std::fabs(*w) * step_s / 3600.0;
        }
      }
    }
  }
  return wh / 1000.0;
}

std::vector<DayChart> day_charts(const Page& page) {
  std::vector<DayChart> charts;
  const json* days = member(page.result, "typical_days");
  if (days == nullptr || !days->is_array()) {
    return charts;
  }
  for (const json& day : *days) {
    if (charts.size() == kMaxDays) {
      break;
    }
    const json* recorded = member(&day, "recorded");
    const json* best = member(&day, "best");
    double step_s = number_of(member(&day, "step_s")).value_or(900.0);
    if (!(step_s >= 1.0 && step_s <= 86400.0)) {
      step_s = 900.0;
    }
    struct Line {
      const json* values;
      const char* label;
      const char* kind;
      bool recorded;
    };
    const Line lines[] = {
        {member(recorded, "grid_w"), "Grid, recorded", "grid", true},
        {member(best, "grid_w"), "Grid, best variant", "grid", false},
        {member(recorded, "pv_w"), "PV, recorded", "pv", true},
        {member(best, "pv_w"), "PV, best variant", "pv", false},
        {member(recorded, "battery_w"), "Battery, recorded", "battery", true},
        {member(best, "battery_w"), "Battery, best variant", "battery", false},
        {member(best, "battery_soc_pct"), "Battery charge %, best variant", "soc", false},
    };
    std::size_t points = 0;
    for (const Line& line : lines) {
      if (line.values != nullptr && line.values->is_array()) {
        points = std::max(points, line.values->size());
      }
    }
    points = std::min(points, kMaxDayPoints);
    const std::string name = shorten(string_of(member(&day, "name")).value_or("Typical"));
    const auto date = string_of(member(&day, "date"));
    DayChart chart;
    chart.title = name + " day";
    if (!chart.title.empty()) {
      chart.title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(chart.title[0])));
    }
    if (date) {
      chart.title += " (" + shorten(*date) + ")";
    }
    if (points == 0) {
      charts.push_back(std::move(chart));
      continue;
    }
    std::vector<double> xs(points);
    for (std::size_t i = 0; i < points; ++i) {
      xs[i] = static_cast<double>(i) * step_s;
    }
    json series = json::array();
    for (const Line& line : lines) {
      if (line.values == nullptr || !line.values->is_array()) {
        continue;
      }
      json y = json::array();
      const bool soc = std::string_view(line.kind) == "soc";
      for (std::size_t i = 0; i < points; ++i) {
        const auto value = i < line.values->size() ? number_of(&(*line.values)[i]) : std::nullopt;
        // Power in kW (3 decimals: 1 W), the charge in % (1 decimal).
        y.push_back(value
                        ? json(soc ? std::round(*value * 10.0) / 10.0 : std::round(*value) / 1000.0)
                        : json(nullptr));
      }
      series.push_back({{"label", line.label},
                        {"kind", line.kind},
                        {"recorded", line.recorded},
                        {"y", std::move(y)}});
    }
    chart.data = {{"x", xs}, {"series", std::move(series)}};
    const double recorded_import = energy_kwh(member(recorded, "grid_w"), step_s, true);
    const double best_import = energy_kwh(member(best, "grid_w"), step_s, true);
    const double recorded_export = energy_kwh(member(recorded, "grid_w"), step_s, false);
    const double best_export = energy_kwh(member(best, "grid_w"), step_s, false);
    chart.caption =
        "Quarter-hour means over the local day. Grid import that day: " +
        fixed(recorded_import, 1) + "\u00a0kWh recorded, " + fixed(best_import, 1) +
        "\u00a0kWh with the best variant; export " + fixed(recorded_export, 1) +
        "\u00a0kWh recorded, " + fixed(best_export, 1) +
        "\u00a0kWh with the best variant. Dashed: recorded; solid: the best variant; grid + "
        "import, battery + discharge.";
    charts.push_back(std::move(chart));
  }
  return charts;
}

}  // namespace

std::string render_report(const nlohmann::json& result) {
  const Page page = read_page(result);
  const json savings = savings_charts(page);
  const std::vector<DayChart> days = day_charts(page);

  std::string html;
  html.reserve(std::string_view(embedded::kUplotScript).size() + 64 * 1024);
  html +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"color-scheme\" content=\"light dark\">\n"
      "<meta name=\"generator\" content=\"kirchhoff whatif\">\n"
      "<title>What if: replay of the recorded history</title>\n<style>\n";
  html += embedded::kUplotStylesheet;
  html += "\n";
  html += embedded::kReportStylesheet;
  html += "</style>\n</head>\n<body>\n<main>\n";
  render_header(page, html);
  render_table(page, html);

  json chart_data = {{"currency", page.currency}, {"savings", savings}, {"days", json::array()}};
  if (!savings.empty()) {
    html +=
        "<section aria-labelledby=\"savings-title\">\n<h2 id=\"savings-title\">Savings per year "
        "against size</h2>\n";
    for (std::size_t i = 0; i < savings.size(); ++i) {
      const std::string key = escape_html(savings[i]["key"].get<std::string>());
      html += "<figure>\n<div class=\"chart\" data-savings=\"" + std::to_string(i) +
              "\"></div>\n<figcaption>Savings per year (" + escape_html(page.currency) +
              ") against <strong>" + key + "</strong>";
      if (page.keys.size() > 1) {
        html += ", one line per combination of the other keys";
      }
      html += ".</figcaption>\n</figure>\n";
    }
    html += "</section>\n";
  }
  if (!days.empty()) {
    html +=
        "<section aria-labelledby=\"days-title\">\n<h2 id=\"days-title\">Typical days: recorded "
        "and the best variant</h2>\n";
    for (const DayChart& day : days) {
      html += "<figure>\n<h3>" + escape_html(day.title) + "</h3>\n";
      if (day.data.is_null()) {
        html += "<p>No data for this day.</p>\n</figure>\n";
        continue;
      }
      html += "<div class=\"chart\" data-day=\"" + std::to_string(chart_data["days"].size()) +
              "\"></div>\n<figcaption>" + escape_html(day.caption) + "</figcaption>\n</figure>\n";
      chart_data["days"].push_back(day.data);
    }
    html += "</section>\n";
  }
  if (const auto elapsed = number_of(member(&result, "elapsed_s"))) {
    html += "<footer><p>Computed by <code>kirchhoff whatif</code> in " + fixed(*elapsed, 1) +
            "\u00a0s. Charts drawn with uPlot (MIT licence).</p></footer>\n";
  } else {
    html +=
        "<footer><p>Computed by <code>kirchhoff whatif</code>. Charts drawn with uPlot (MIT "
        "licence).</p></footer>\n";
  }
  html += "</main>\n<script type=\"application/json\" id=\"report-data\">";
  html += script_json(chart_data);
  html += "</script>\n<script>\n/*! uPlot, built into this page unchanged.\n";
  html += embedded::kUplotLicense;
  html += "*/\n";
  html += embedded::kUplotScript;
  html += "\n</script>\n<script>\n";
  html += embedded::kReportScript;
  html += "</script>\n</body>\n</html>\n";
  return html;
}

}  // namespace kirchhoff::whatif
