// The History card: any recorded series (GET /api/v1/history/series) over
// any range, named and grouped for people, with the unit its key implies.
// The view (series, from, to, compare, counter mode) lives in the URL, so a
// reload or a shared link shows the same chart. Drag across the chart to
// zoom (the URL follows), double-click or "Reset zoom" to go back. Counters
// show their use per interval (bars) or the meter reading (a line).
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./history.css";
import { type HistoryData, historyUrl, type Snapshot } from "./api";
import {
  formatDateTime,
  formatEnergyWh,
  formatNumber,
  formatPercent,
  formatPower,
  formatReactivePower,
  timeTick,
} from "./format";
import { locale, t, tOr } from "./i18n";
import { replaceParams } from "./router";
import type { Key } from "./strings/index";

export interface SeriesInfo {
  series: string;
  kind: "gauge" | "counter";
  first_ms: number;
  last_ms: number;
}

export interface Described {
  key: string;
  group: string;
  name: string;
  unit: string; // W, var, A, V, Hz, Wh, %, m3, l, "" (power factor)
}

// What a key measures, from its shape: load/<name>/p_w, load/<name>/<L>/i_a,
// load/<name>/energy_import_wh, voltage/<L>/v_ln, site/frequency_hz,
// input/<module>/<n>/total, battery/<load>/soc_pct. Load kinds and input
// names and units come from the live snapshot when one has arrived.
export function describeSeries(key: string, snapshot?: Snapshot): Described {
  const parts = key.split("/");
  const last = parts[parts.length - 1];
  const quantity = (q: string) => tOr(`history.name.${q}`, q);
  const unitOf = (q: string): string => {
    const m = /_(w|var|va|a|v|hz|wh|pct|ln|ll)$/.exec(q);
    const map: Record<string, string> = {
      w: "W", var: "var", va: "VA", a: "A", v: "V", hz: "Hz", wh: "Wh", pct: "%", ln: "V", ll: "V",
    };
    return m ? map[m[1]] : "";
  };
  if (parts[0] === "load" && parts.length >= 3) {
    const load = parts[1];
    const kind = snapshot?.loads.find((l) => l.name === load)?.kind;
    if (parts.length === 4) {
      return {
        key,
        group: load,
        name: t("history.name.phase", { phase: parts[2], what: quantity(last).toLowerCase() }),
        unit: unitOf(last),
      };
    }
    if (last === "energy_import_wh" || last === "energy_export_wh") {
      const imported = last === "energy_import_wh";
      const names: Record<string, [Key, Key]> = {
        grid: ["history.name.gridImport", "history.name.gridExport"],
        solar: ["history.name.produced", "history.name.export"],
        battery: ["history.name.discharged", "history.name.charged"],
        consumer: ["history.name.consumed", "history.name.export"],
        ev: ["history.name.consumed", "history.name.export"],
        heatpump: ["history.name.consumed", "history.name.export"],
      };
      const pair = (kind && names[kind]) || ["history.name.import", "history.name.export"];
      return { key, group: load, name: t(imported ? pair[0] : pair[1]), unit: "Wh" };
    }
    return { key, group: load, name: quantity(last), unit: unitOf(last) };
  }
  if (parts[0] === "battery" && parts.length === 3 && last === "soc_pct") {
    return { key, group: parts[1], name: t("history.name.soc"), unit: "%" };
  }
  if (parts[0] === "voltage" && parts.length === 3) {
    return {
      key,
      group: t("history.group.site"),
      name: t(last === "v_ll" ? "history.name.vll" : "history.name.vln", { phase: parts[1] }),
      unit: "V",
    };
  }
  if (key === "site/frequency_hz") {
    return { key, group: t("history.group.site"), name: t("history.name.frequency"), unit: "Hz" };
  }
  if (parts[0] === "input" && parts.length === 4) {
    const input = snapshot?.inputs.find((i) => i.module === parts[1] && String(i.input) === parts[2]);
    return {
      key,
      group: t("history.group.inputs"),
      name: input ? input.name : `${parts[1]}/${parts[2]}`,
      unit: input?.unit ?? "",
    };
  }
  return { key, group: t("history.group.other"), name: key, unit: unitOf(last) };
}

// A value as people read it, in its unit (W/kW/MW, Wh/kWh/MWh, ...).
export function formatValue(v: number | null | undefined, unit: string): string {
  if (v == null || !Number.isFinite(v)) {
    return "–";
  }
  const a = Math.abs(v);
  switch (unit) {
    case "W":
      return formatPower(v);
    case "Wh":
      return formatEnergyWh(v);
    case "var":
      return formatReactivePower(v);
    case "%":
      return formatPercent(v);
    case "A":
      return `${formatNumber(v, a < 10 ? 2 : 1)} A`;
    case "V":
      return `${formatNumber(v, 1)} V`;
    case "Hz":
      return `${formatNumber(v, 2)} Hz`;
    case "m3":
      return `${formatNumber(v, a < 100 ? 3 : 1)} m³`;
    case "l":
      return `${formatNumber(v, a < 10 ? 1 : 0)} l`;
    case "":
      return formatNumber(v, 3);
    default:
      return `${formatNumber(v, a < 10 ? 2 : 1)} ${unit}`;
  }
}

export const kRanges: { key: Key; s: number }[] = [
  { key: "history.hour", s: 3600 },
  { key: "history.day", s: 86400 },
  { key: "history.week", s: 7 * 86400 },
  { key: "history.month", s: 30 * 86400 },
  { key: "history.year", s: 365 * 86400 },
];

interface View {
  series: string;
  fromMs: number;
  toMs: number;
  compare: boolean;
  total: boolean; // counters: the meter reading instead of the use per interval
}

// "from"/"to" in a URL: ISO 8601, or milliseconds since 1970.
export function parseTime(text: string | null): number | undefined {
  if (!text) {
    return undefined;
  }
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n < 1e11 ? n * 1000 : n; // seconds are accepted too
  }
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

const iso = (ms: number) => new Date(Math.round(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");

// <input type=datetime-local> works in local time without a zone.
function toLocalInput(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// The step the daemon picks for a range when asked for none (docs/api.md);
// asked for explicitly, so the chart and its CSV link always agree.
function autoStep(spanS: number): string {
  return spanS <= 2 * 3600 ? "raw" : spanS <= 2 * 86400 ? "1m" : spanS <= 14 * 86400 ? "15m" : spanS <= 90 * 86400 ? "1h" : "1d";
}

// Dates and times without seconds, for labels.
function shortDateTime(ms: number): string {
  return new Date(ms).toLocaleString(locale(), { dateStyle: "short", timeStyle: "short" });
}

// The rollup whose intervals people want for a counter's use over a span:
// minutes within three hours, quarter hours within half a day, hours within
// eight days, days beyond.
function growthStep(spanS: number): string {
  return spanS <= 3 * 3600 ? "1m" : spanS <= 12 * 3600 ? "15m" : spanS <= 8 * 86400 ? "1h" : "1d";
}

// Use per interval: a bucket's last reading minus the previous bucket's (its
// first reading for the first one); a counter reset (a lower reading) is no use.
export function growthRows(data: HistoryData): [number, number][] {
  const out: [number, number][] = [];
  let previous: number | undefined;
  for (const row of data.rows) {
    const first = row[4];
    const last = row[5];
    out.push([row[0], Math.max(0, last - (previous ?? first))]);
    previous = last;
  }
  return out;
}

async function fetchHistory(series: string, fromMs: number, toMs: number, step = ""): Promise<HistoryData> {
  const response = await fetch(historyUrl(series, fromMs / 1000, toMs / 1000, "json", step), { credentials: "same-origin" });
  const payload = (await response.json().catch(() => ({}))) as HistoryData & { error?: string };
  if (!response.ok) {
    throw new Error(payload.error ?? response.statusText);
  }
  return payload;
}

const kHeight = 260;

export class HistoryCard {
  private plot: uPlot | undefined;
  private list: SeriesInfo[] = [];
  private snapshot: Snapshot | undefined;
  private view: View | undefined;
  private zooms: View[] = []; // views before each zoom, for "Reset zoom"
  private request = 0;
  private readonly $ = <T extends HTMLElement>(id: string) => this.root.querySelector(`#${id}`) as T;

  constructor(private readonly root: HTMLElement) {
    this.$("history-series").addEventListener("change", () => {
      const select = this.$<HTMLSelectElement>("history-series");
      this.go({ ...this.current(), series: select.value }, true);
    });
    for (const button of root.querySelectorAll<HTMLButtonElement>("button[data-range]")) {
      button.addEventListener("click", () => {
        const span = Number(button.dataset.range) * 1000;
        const to = Math.ceil(Date.now() / 1000) * 1000;
        this.go({ ...this.current(), fromMs: to - span, toMs: to }, true);
      });
    }
    this.$("history-prev").addEventListener("click", () => this.step(-1));
    this.$("history-next").addEventListener("click", () => this.step(1));
    this.$("history-reset").addEventListener("click", () => this.resetZoom());
    this.$<HTMLInputElement>("history-compare").addEventListener("change", (e) =>
      this.go({ ...this.current(), compare: (e.target as HTMLInputElement).checked }, false),
    );
    this.$<HTMLSelectElement>("history-counter").addEventListener("change", (e) =>
      this.go({ ...this.current(), total: (e.target as HTMLSelectElement).value === "total" }, false),
    );
    this.$<HTMLFormElement>("history-range-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const from = Date.parse(this.$<HTMLInputElement>("history-from").value);
      const to = Date.parse(this.$<HTMLInputElement>("history-to").value);
      if (Number.isFinite(from) && Number.isFinite(to) && from < to) {
        this.go({ ...this.current(), fromMs: from, toMs: to }, true);
      }
    });
    const chart = this.$("history-chart");
    new ResizeObserver(() => {
      const width = Math.max(200, chart.clientWidth);
      if (this.plot && width !== this.plot.width) {
        this.plot.setSize({ width, height: kHeight });
      }
    }).observe(chart);
  }

  private current(): View {
    if (this.view) {
      return this.view;
    }
    const to = Math.ceil(Date.now() / 1000) * 1000;
    return { series: this.defaultSeries(), fromMs: to - 86400_000, toMs: to, compare: false, total: false };
  }

  private defaultSeries(): string {
    const grid = this.snapshot?.loads.find((l) => l.kind === "grid");
    const preferred = grid ? `load/${grid.name}/p_w` : "";
    if (preferred && (this.list.length === 0 || this.list.some((s) => s.series === preferred))) {
      return preferred;
    }
    const total = this.list.map((s) => s.series).filter((k) => /^load\/[^/]+\/p_w$/.test(k));
    return total.find((k) => k === "load/Grid/p_w") ?? total[0] ?? this.list[0]?.series ?? preferred;
  }

  // The URL's view (or the default one: the grid's power over the last day).
  show(params: URLSearchParams): void {
    const fallback = this.current();
    const from = parseTime(params.get("from"));
    const to = parseTime(params.get("to"));
    const view: View = {
      series: params.get("series") || fallback.series,
      fromMs: from ?? (to !== undefined ? to - 86400_000 : fallback.fromMs),
      toMs: to ?? (from !== undefined ? from + 86400_000 : fallback.toMs),
      compare: params.get("compare") === "1",
      total: params.get("counter") === "total",
    };
    if (!(view.fromMs < view.toMs)) {
      view.fromMs = view.toMs - 86400_000;
    }
    this.view = view;
    void this.loadList().then(() => this.render());
  }

  offer(snapshot: Snapshot): void {
    if (this.snapshot) {
      return;
    }
    this.snapshot = snapshot;
    if (this.view && !this.view.series) {
      this.view.series = this.defaultSeries();
      this.render();
    } else {
      this.fillSelect(); // names from the snapshot (load kinds, input names)
    }
  }

  language(): void {
    this.fillSelect();
    this.render();
  }

  private async loadList(): Promise<void> {
    if (this.list.length > 0) {
      return;
    }
    try {
      const response = await fetch("/api/v1/history/series", { credentials: "same-origin" });
      if (response.ok) {
        this.list = (await response.json()) as SeriesInfo[];
      }
    } catch {
      // the select keeps the URL's series only
    }
    if (this.view && !this.view.series) {
      this.view.series = this.defaultSeries();
    }
  }

  private fillSelect(): void {
    const select = this.$<HTMLSelectElement>("history-series");
    const keys = this.list.map((s) => s.series);
    const wanted = this.view?.series;
    if (wanted && !keys.includes(wanted)) {
      keys.push(wanted);
    }
    const groups = new Map<string, Described[]>();
    for (const d of keys.map((k) => describeSeries(k, this.snapshot))) {
      groups.set(d.group, [...(groups.get(d.group) ?? []), d]);
    }
    // Loads first in the snapshot's order, then the site, meters, the rest.
    const order = (g: string) => {
      const i = this.snapshot?.loads.findIndex((l) => l.name === g) ?? -1;
      return i >= 0 ? i : g === t("history.group.site") ? 100 : g === t("history.group.inputs") ? 101 : 102;
    };
    const rank = (d: Described) => {
      const i = ["p_w", "q_var", "energy_import_wh", "energy_export_wh", "soc_pct"].indexOf(d.key.split("/").pop() ?? "");
      return d.key.split("/").length === 4 && d.key.startsWith("load/") ? 10 : i >= 0 ? i : 5;
    };
    select.replaceChildren(
      ...[...groups.entries()]
        .sort((a, b) => order(a[0]) - order(b[0]) || a[0].localeCompare(b[0]))
        .map(([group, items]) => {
          const og = document.createElement("optgroup");
          og.label = group;
          for (const d of items.sort((a, b) => rank(a) - rank(b) || a.key.localeCompare(b.key))) {
            const option = document.createElement("option");
            option.value = d.key;
            // The closed select shows the option alone: it names its load too.
            const name = d.key.startsWith("load/") || d.key.startsWith("battery/") ? `${group}: ${d.name}` : d.name;
            option.textContent = d.unit ? `${name} [${d.unit === "m3" ? "m³" : d.unit}]` : name;
            og.append(option);
          }
          return og;
        }),
    );
    if (wanted) {
      select.value = wanted;
    }
  }

  private isCounter(series: string): boolean {
    const info = this.list.find((s) => s.series === series);
    return info ? info.kind === "counter" : /energy_(im|ex)port_wh$|\/total$/.test(series);
  }

  // A new view: recorded in the URL (without a new history entry).
  private go(view: View, clearZoom: boolean): void {
    if (clearZoom) {
      this.zooms = [];
    }
    this.view = view;
    const params: Record<string, string> = { series: view.series, from: iso(view.fromMs), to: iso(view.toMs) };
    if (view.compare) {
      params.compare = "1";
    }
    if (view.total) {
      params.counter = "total";
    }
    replaceParams(params);
    this.render();
  }

  private step(direction: number): void {
    const v = this.current();
    const span = v.toMs - v.fromMs;
    this.go({ ...v, fromMs: v.fromMs + direction * span, toMs: v.toMs + direction * span }, true);
  }

  private resetZoom(): void {
    const before = this.zooms.pop();
    if (before) {
      this.go(before, false);
    }
  }

  private zoomTo(fromMs: number, toMs: number): void {
    if (toMs - fromMs < 10_000) {
      return; // a click, not a drag
    }
    this.zooms.push(this.current());
    this.go({ ...this.current(), fromMs, toMs }, false);
  }

  private controls(v: View, counter: boolean): void {
    const span = v.toMs - v.fromMs;
    for (const button of this.root.querySelectorAll<HTMLButtonElement>("button[data-range]")) {
      button.setAttribute("aria-pressed", String(Number(button.dataset.range) * 1000 === span));
    }
    this.$<HTMLButtonElement>("history-next").disabled = v.toMs >= Date.now();
    this.$("history-reset").hidden = this.zooms.length === 0;
    this.$<HTMLInputElement>("history-compare").checked = v.compare;
    this.$("history-counter-label").hidden = !counter;
    this.$<HTMLSelectElement>("history-counter").value = v.total ? "total" : "growth";
    const from = this.$<HTMLInputElement>("history-from");
    const to = this.$<HTMLInputElement>("history-to");
    if (document.activeElement !== from) {
      from.value = toLocalInput(v.fromMs);
    }
    if (document.activeElement !== to) {
      to.value = toLocalInput(v.toMs);
    }
  }

  private async render(): Promise<void> {
    const v = this.view;
    if (!v || !v.series) {
      return;
    }
    this.fillSelect();
    const counter = this.isCounter(v.series);
    const growth = counter && !v.total;
    this.controls(v, counter);
    const span = v.toMs - v.fromMs;
    const described = describeSeries(v.series, this.snapshot);
    const step = growth ? growthStep(span / 1000) : autoStep(span / 1000);
    const chart = this.$("history-chart");
    const meta = this.$("history-meta");
    const csv = this.$<HTMLAnchorElement>("history-csv");
    const csvPrevious = this.$<HTMLAnchorElement>("history-csv-previous");
    const token = ++this.request;
    // The link and the chart's figures belong to the view asked for now.
    csv.href = historyUrl(v.series, v.fromMs / 1000, v.toMs / 1000, "csv", step);
    csv.download = `${v.series.replace(/[^\w.-]+/g, "_")}.csv`;
    csvPrevious.hidden = !v.compare;
    csvPrevious.href = historyUrl(v.series, (v.fromMs - span) / 1000, (v.toMs - span) / 1000, "csv", step);
    delete chart.dataset.points;
    try {
      const [data, previous] = await Promise.all([
        fetchHistory(v.series, v.fromMs, v.toMs, step),
        v.compare
          ? fetchHistory(v.series, v.fromMs - span, v.toMs - span, step).catch(() => undefined)
          : Promise.resolve(undefined),
      ]);
      if (token !== this.request) {
        return; // a newer view is on its way
      }
      const rows = (d: HistoryData): [number, number][] =>
        growth ? growthRows(d) : d.rows.map((r) => [r[0], d.step === "raw" ? r[1] : counter ? r[5] : r[1]]);
      const main = rows(data);
      const before = previous ? rows(previous).map(([x, y]) => [x + span, y] as [number, number]) : [];
      this.draw(v, described, main, before, growth, step);
      chart.dataset.series = v.series;
      chart.dataset.step = step;
      chart.dataset.from = String(v.fromMs);
      chart.dataset.to = String(v.toMs);
      chart.dataset.points = String(main.length);
      chart.dataset.comparePoints = String(before.length);
      chart.dataset.counter = counter ? (growth ? "growth" : "total") : "";
      delete chart.dataset.total;
      const args = { count: main.length, step, from: shortDateTime(v.fromMs), to: shortDateTime(v.toMs) };
      if (main.length === 0) {
        meta.textContent = t("history.noData");
      } else if (growth) {
        const total = main.reduce((s, [, y]) => s + y, 0);
        chart.dataset.total = String(total);
        meta.textContent = t("history.growth", { ...args, total: formatValue(total, described.unit) });
      } else {
        meta.textContent = t(step === "raw" ? "history.points" : "history.means", args);
      }
    } catch (e) {
      if (token === this.request) {
        meta.textContent = t("history.notAvailable", { reason: e instanceof Error ? e.message : String(e) });
        chart.dataset.points = "0";
      }
    }
  }

  private draw(
    v: View,
    d: Described,
    main: [number, number][],
    before: [number, number][],
    bars: boolean,
    step: string,
  ): void {
    const chart = this.$("history-chart");
    const xs = [...new Set([...main.map((r) => r[0]), ...before.map((r) => r[0])])].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const column = (rows: [number, number][]) => {
      const out: (number | null)[] = xs.map(() => null);
      for (const [x, y] of rows) {
        out[index.get(x)!] = y;
      }
      return out;
    };
    // Bars sit in the middle of their interval.
    const stepMs = { "1m": 60e3, "15m": 900e3, "1h": 3600e3, "1d": 86400e3 }[step] ?? 0;
    const shift = bars ? stepMs / 2 : 0;
    const data: uPlot.AlignedData = [xs.map((x) => (x + shift) / 1000), column(main)];
    const spanS = (v.toMs - v.fromMs) / 1000;
    const style = getComputedStyle(document.documentElement);
    const colour = style.getPropertyValue("--accent").trim() || "#2563eb";
    const ink = style.getPropertyValue("--muted").trim() || "#6b7280";
    const series: uPlot.Series[] = [
      { value: (_u, ts) => (ts == null ? "–" : formatDateTime(ts * 1000)) },
      {
        label: d.name,
        stroke: colour,
        fill: bars ? `${colour}99` : undefined,
        width: bars ? 1 : 2,
        paths: bars ? uPlot.paths.bars?.({ size: [0.8, 40] }) : undefined,
        points: { show: false },
        spanGaps: !bars,
        value: (_u, y) => formatValue(y, d.unit),
      },
    ];
    if (before.length > 0) {
      data.push(column(before));
      series.push({
        label: `${t("history.previousLabel")} (${shortDateTime(2 * v.fromMs - v.toMs)} – ${shortDateTime(v.fromMs)})`,
        stroke: "#9ca3af",
        width: 2,
        dash: [6, 4],
        spanGaps: true,
        points: { show: bars },
        value: (_u, y) => formatValue(y, d.unit),
      });
    }
    this.plot?.destroy();
    this.plot = new uPlot(
      {
        width: Math.max(200, chart.clientWidth || 300),
        height: kHeight,
        series,
        scales: { x: { time: true, range: () => [v.fromMs / 1000, v.toMs / 1000] } },
        axes: [
          {
            values: (_u, ticks) => ticks.map((s) => timeTick(s, spanS)),
            stroke: ink,
            space: 70,
            // Beyond two days the labels are dates: ticks on whole days,
            // weeks, months (uPlot's calendar months) or years.
            incrs: spanS > 2 * 86400 ? [1, 2, 7, 14, 30, 91, 182, 365].map((d) => d * 86400) : undefined,
          },
          { size: 76, stroke: ink, values: (_u, ticks) => ticks.map((y) => formatValue(y, d.unit)) },
        ],
        cursor: {
          drag: { x: true, y: false, setScale: false },
          bind: {
            dblclick: () => () => {
              this.resetZoom();
              return null;
            },
          },
        },
        hooks: {
          // What the chart shows, for tests and tools: the x scale in ms.
          draw: [
            (u) => {
              chart.dataset.xMin = String(Math.round((u.scales.x.min ?? 0) * 1000));
              chart.dataset.xMax = String(Math.round((u.scales.x.max ?? 0) * 1000));
            },
          ],
          setSelect: [
            (u) => {
              if (u.select.width > 0) {
                const from = u.posToVal(u.select.left, "x") * 1000;
                const to = u.posToVal(u.select.left + u.select.width, "x") * 1000;
                u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
                this.zoomTo(Math.round(from / 1000) * 1000, Math.round(to / 1000) * 1000);
              }
            },
          ],
        },
      },
      data,
      chart,
    );
    const canvas = chart.querySelector("canvas");
    canvas?.setAttribute("role", "img");
    canvas?.setAttribute(
      "aria-label",
      t("history.chartLabel", { series: d.name, from: shortDateTime(v.fromMs), to: shortDateTime(v.toMs) }),
    );
  }
}
