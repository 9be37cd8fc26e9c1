// Draws the what-if report's charts with uPlot from the data the page
// carries (the JSON of the "report-data" element, written by
// src/whatif/report).
// No network, no storage; labels reach the page as text, never as markup.
(function () {
  "use strict";
  var data;
  try {
    data = JSON.parse(document.getElementById("report-data").textContent);
  } catch (e) {
    return;
  }
  if (typeof uPlot !== "function" || data === null || typeof data !== "object") {
    return;
  }
  var currency = String(data.currency || "");
  var dash = "\u2014";
  var charts = [];

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }
  // toFixed is the same in every locale: the page reads like the table.
  function fmt(value, decimals) {
    return value === null || value === undefined || !isFinite(value) ? dash : value.toFixed(decimals);
  }
  // Seconds since local midnight as "HH:MM".
  function hhmm(seconds) {
    var minutes = Math.round(seconds / 60);
    var h = Math.floor(minutes / 60) % 24;
    var m = minutes % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }
  function axis(extra) {
    var grid = css("--grid");
    var result = {
      stroke: css("--muted"),
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
    };
    for (var key in extra) {
      result[key] = extra[key];
    }
    return result;
  }
  function size(el) {
    var width = Math.max(200, Math.floor(el.clientWidth));
    return { width: width, height: width < 560 ? 240 : 320 };
  }

  function savingsChart(el, chart) {
    var palette = ["--s1", "--s2", "--s3", "--s4", "--s5", "--s6"].map(css);
    var series = [{ label: chart.key, value: function (u, v) { return v === null ? dash : String(v); } }];
    var columns = [chart.x];
    chart.series.forEach(function (line, i) {
      var colour = palette[i % palette.length];
      series.push({
        label: line.label,
        stroke: colour,
        width: 2,
        // Beyond six lines the colours repeat; a dash tells them apart.
        dash: i >= palette.length ? [6, 4] : undefined,
        spanGaps: true,
        points: { show: true, size: 7, fill: colour },
        value: function (u, v) { return fmt(v, 2) + " " + currency; },
      });
      columns.push(line.y);
    });
    var options = size(el);
    options.series = series;
    options.scales = { x: { time: false } };
    options.axes = [
      axis({ label: chart.key, values: function (u, splits) { return splits.map(function (v) { return String(+v.toFixed(3)); }); } }),
      axis({ label: "Savings per year (" + currency + ")", size: 64, values: function (u, splits) { return splits.map(function (v) { return v.toFixed(0); }); } }),
    ];
    if (chart.x.length <= 12) {
      // Ticks at the sizes that were replayed, while they fit.
      options.axes[0].splits = function () { return chart.x; };
    }
    return new uPlot(options, columns, el);
  }

  function dayChart(el, chart) {
    var colours = { grid: css("--c-grid"), pv: css("--c-pv"), battery: css("--c-battery"), soc: css("--c-soc") };
    var withCharge = false;
    var series = [{ label: "Time", value: function (u, v) { return v === null ? dash : hhmm(v); } }];
    var columns = [chart.x];
    chart.series.forEach(function (line) {
      var charge = line.kind === "soc";
      withCharge = withCharge || charge;
      series.push({
        label: line.label,
        stroke: colours[line.kind] || css("--muted"),
        width: line.recorded ? 1.5 : 2,
        dash: line.recorded ? [6, 4] : undefined,
        scale: charge ? "pct" : "kw",
        value: function (u, v) { return charge ? fmt(v, 1) + " %" : fmt(v, 2) + " kW"; },
      });
      columns.push(line.y);
    });
    var options = size(el);
    options.series = series;
    options.scales = { x: { time: false }, kw: {}, pct: { range: [0, 100] } };
    options.axes = [
      axis({ label: "Local time", incrs: [900, 1800, 3600, 7200, 10800, 21600, 43200], space: 48, values: function (u, splits) { return splits.map(hhmm); } }),
      axis({ scale: "kw", label: "Power (kW)", size: 56, values: function (u, splits) { return splits.map(function (v) { return String(+v.toFixed(2)); }); } }),
    ];
    if (withCharge) {
      options.axes.push(axis({ scale: "pct", side: 1, label: "Charge (%)", size: 56, grid: { show: false } }));
    }
    return new uPlot(options, columns, el);
  }

  function build() {
    charts.forEach(function (entry) { entry.plot.destroy(); });
    charts = [];
    document.querySelectorAll("[data-savings]").forEach(function (el) {
      var chart = (data.savings || [])[Number(el.getAttribute("data-savings"))];
      if (chart) {
        charts.push({ el: el, plot: savingsChart(el, chart) });
      }
    });
    document.querySelectorAll("[data-day]").forEach(function (el) {
      var chart = (data.days || [])[Number(el.getAttribute("data-day"))];
      if (chart) {
        charts.push({ el: el, plot: dayChart(el, chart) });
      }
    });
  }
  function resize() {
    charts.forEach(function (entry) { entry.plot.setSize(size(entry.el)); });
  }

  build();
  var pending = 0;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(resize, 100);
  });
  // Paper is narrower than most screens: fit the charts to the printed column.
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  if (window.matchMedia) {
    var print = window.matchMedia("print");
    if (print.addEventListener) {
      print.addEventListener("change", resize);
    }
  }
  // Colours come from the stylesheet, which follows the system's theme.
  if (window.matchMedia) {
    var scheme = window.matchMedia("(prefers-color-scheme: dark)");
    if (scheme.addEventListener) {
      scheme.addEventListener("change", build);
    }
  }
})();
