// The plan card: what the planner (docs/planner.md) intends over its horizon.
// One chart: the import and export prices as steps on their own axis, the
// planned battery and car powers, the forecast PV and load continuing the
// last day's measured quarter hours (measured solid, forecast dashed) and the
// planned state of charge. Under it, in text: each car's "ready by" with its
// expected finish or shortfall, and the plan's figures. Refreshed every 60 s
// (10 s while there is no plan) and when the tab is shown again; the chart is
// updated in place.
import uPlot from "uplot";
import { ApiError, plan, type Plan } from "./api";
import { formatNumber, formatPower } from "./format";
import { language, locale, t } from "./i18n";

const kRefreshMs = 60_000;
const kRetryMs = 10_000; // while there is no plan yet, or it could not be loaded
const kPhonePastS = 6 * 3600; // the measured past shown below 500 px

const kColours = {
  import: "#b91c1c",
  export: "#7c3aed",
  pv: "#d97706",
  load: "#2563eb",
  battery: "#16a34a",
  soc: "#808894", // mid grey: legible on the light and the dark card
  axis: "#8a8f98",
  grid: "#8883",
};
const kCarColours = ["#0891b2", "#db2777", "#ea580c", "#4d7c0f"];
const kDash = [6, 4];

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const pad = (n: number) => String(n).padStart(2, "0");

// "14:00"; at midnight also the day ("00:00" over "Sat 5"), in local time.
export function hourLabel(tS: number): string {
  const d = new Date(tS * 1000);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.getHours() === 0 && d.getMinutes() === 0) {
    return `${hm}\n${d.toLocaleDateString(locale(), { weekday: "short", day: "numeric" })}`;
  }
  return hm;
}

// "Sat 07:00" in local time.
function when(iso: string | number): string {
  const d = new Date(iso);
  const day = d.toLocaleDateString(locale(), { weekday: "short" });
  return `${day} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function currencyFormat(currency: string): (v: number) => string {
  try {
    const f = new Intl.NumberFormat(locale(), {
      style: "currency",
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 3,
    });
    return (v) => f.format(v);
  } catch {
    return (v) => `${v.toFixed(2)} ${currency}`; // not an ISO 4217 code
  }
}

// Plans speak in kWh with one decimal, in the dashboard's language.
const kwh = (v: number | undefined) => `${formatNumber(v ?? 0, 1)} kWh`;

// The chart's columns: x (unix seconds) and one column per series, in the
// order of `Layout.series`.
interface Built {
  data: uPlot.AlignedData;
  summary: string;
}

interface Layout {
  key: string; // what decides the series and axes: rebuilt only when it changes
  cars: string[];
  soc: boolean;
  currency: string;
}

function layoutOf(p: Plan): Layout {
  const cars = p.cars.map((c) => c.load);
  const soc = p.slots.some((s) => s.soc_pct !== null);
  const currency = p.currency ?? "EUR";
  return { key: `${cars.join("\u0000")}|${soc}|${currency}|${language()}`, cars, soc, currency };
}

function build(p: Plan, layout: Layout): Built {
  const slotS = p.slot_s ?? 900;
  const planStarts = p.slots.map((s) => Date.parse(s.start) / 1000);
  const firstPlan = planStarts.length > 0 ? planStarts[0] : Infinity;
  const actual = p.actual
    .map((a) => ({ t: Date.parse(a.start) / 1000, load: a.load_w, pv: a.pv_w }))
    .filter((a) => a.t < firstPlan)
    .sort((a, b) => a.t - b.t);
  const end = planStarts.length > 0 ? planStarts[planStarts.length - 1] + slotS : undefined;
  const xs = [...actual.map((a) => a.t), ...planStarts, ...(end !== undefined ? [end] : [])];
  const nA = actual.length;
  const nP = planStarts.length;
  const nullsA: null[] = Array(nA).fill(null);
  const kWOf = (w: number) => w / 1000;
  // Steps hold their value to the horizon's end: the last slot repeated there.
  const stepped = (f: (s: Plan["slots"][number]) => number) =>
    nP === 0 ? nullsA : [...nullsA, ...p.slots.map(f), f(p.slots[nP - 1])];
  // The forecast starts where the measurement ends when they meet.
  const lastA = nA > 0 ? actual[nA - 1] : undefined;
  const joins = lastA !== undefined && firstPlan - lastA.t <= 2 * slotS;
  const forecast = (measured: number | undefined, f: (s: Plan["slots"][number]) => number) => [
    ...nullsA.slice(0, Math.max(0, nA - 1)),
    ...(nA > 0 ? [joins && measured !== undefined ? kWOf(measured) : null] : []),
    ...p.slots.map((s) => kWOf(f(s))),
    ...(end !== undefined ? [null] : []),
  ];
  const measured = (f: (a: (typeof actual)[number]) => number) => [
    ...actual.map((a) => kWOf(f(a))),
    ...Array(nP + (end !== undefined ? 1 : 0)).fill(null),
  ];
  const columns: (number | null)[][] = [
    stepped((s) => s.import_eur_per_kwh),
    stepped((s) => s.export_eur_per_kwh),
    measured((a) => a.pv),
    forecast(lastA?.pv, (s) => s.pv_w),
    measured((a) => a.load),
    forecast(lastA?.load, (s) => s.load_w),
    stepped((s) => kWOf(s.battery_w)),
    ...layout.cars.map((_, k) => stepped((s) => kWOf(s.cars_w[k] ?? 0))),
  ];
  if (layout.soc) {
    // The state of charge at each slot's end.
    columns.push([...nullsA, null, ...p.slots.map((s) => s.soc_pct)]);
  }
  return { data: [xs, ...columns] as uPlot.AlignedData, summary: summarise(p, layout, nA) };
}

// What the chart shows, in words, for its aria-label.
function summarise(p: Plan, layout: Layout, measuredSlots: number): string {
  if (p.slots.length === 0) {
    return measuredSlots > 0
      ? t("ov.plan.sum.measuredOnly", { hours: Math.round(measuredSlots / 4) })
      : t("ov.plan.sum.none");
  }
  const slotH = (p.slot_s ?? 900) / 3600;
  const money = currencyFormat(layout.currency);
  const prices = p.slots.map((s) => s.import_eur_per_kwh);
  const cheapest = prices.indexOf(Math.min(...prices));
  const charged = p.slots.reduce((sum, s) => sum + Math.max(0, -s.battery_w) * slotH, 0) / 1000;
  const discharged = p.slots.reduce((sum, s) => sum + Math.max(0, s.battery_w) * slotH, 0) / 1000;
  const parts = [
    t("ov.plan.sum.from", { time: when(p.slots[0].start), hours: Math.round(p.slots.length * slotH) }),
    t("ov.plan.sum.price", {
      min: money(Math.min(...prices)),
      max: money(Math.max(...prices)),
      time: when(p.slots[cheapest].start),
    }),
    t("ov.plan.sum.forecast", {
      pv: kwh(p.slots.reduce((sum, s) => sum + s.pv_w * slotH, 0) / 1000),
      load: kwh(p.slots.reduce((sum, s) => sum + s.load_w * slotH, 0) / 1000),
    }),
    t("ov.plan.sum.battery", { charged: kwh(charged), discharged: kwh(discharged) }),
  ];
  layout.cars.forEach((name, k) => {
    const e = p.slots.reduce((sum, s) => sum + (s.cars_w[k] ?? 0) * slotH, 0) / 1000;
    parts.push(t("ov.plan.sum.car", { name, energy: kwh(e) }));
  });
  if (layout.soc) {
    const socs = p.slots.map((s) => s.soc_pct ?? 0);
    parts.push(t("ov.plan.sum.soc", { min: formatNumber(Math.min(...socs), 0), max: formatNumber(Math.max(...socs), 0) }));
  }
  if (measuredSlots > 0) {
    parts.push(t("ov.plan.sum.measured", { hours: Math.round(measuredSlots * slotH) }));
  }
  return parts.join(" ");
}

function chartHeight(width: number): number {
  return width < 500 ? 250 : 300;
}

// An axis as wide as its longest label (at most 7 px a character at 12 px).
const fit = (_u: uPlot, values: string[] | null) =>
  values && values.length > 0 ? Math.ceil(Math.max(...values.map((v) => v.length)) * 7) + 12 : 30;

// A vertical line at the present moment.
const nowLine: uPlot.Plugin = {
  hooks: {
    draw: (u) => {
      const x = u.valToPos(Date.now() / 1000, "x", true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) {
        return;
      }
      const ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = kColours.axis;
      ctx.lineWidth = 1 * devicePixelRatio;
      ctx.setLineDash([2 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.restore();
    },
  },
};

function options(el: HTMLElement, layout: Layout): uPlot.Options {
  const money = currencyFormat(layout.currency);
  const step = uPlot.paths.stepped?.({ align: 1 });
  const width = Math.max(200, el.clientWidth || 300);
  const power = (v: number | null) => (v == null ? "–" : `${formatNumber(v, 2)} kW`);
  const price = (v: number | null) => (v == null ? "–" : `${money(v)}/kWh`);
  const series: uPlot.Series[] = [
    { label: t("ov.trend.time"), value: (_u, v) => (v == null ? "–" : when(v * 1000)) },
    { label: t("ov.plan.importPrice"), scale: "price", stroke: kColours.import, width: 2, paths: step, value: (_u, v) => price(v) },
    { label: t("ov.plan.exportPrice"), scale: "price", stroke: kColours.export, width: 1.5, paths: step, value: (_u, v) => price(v) },
    { label: t("ov.plan.pvMeasured"), scale: "kW", stroke: kColours.pv, width: 2, value: (_u, v) => power(v) },
    { label: t("ov.plan.pvForecast"), scale: "kW", stroke: kColours.pv, width: 2, dash: kDash, value: (_u, v) => power(v) },
    { label: t("ov.plan.loadMeasured"), scale: "kW", stroke: kColours.load, width: 2, value: (_u, v) => power(v) },
    { label: t("ov.plan.loadForecast"), scale: "kW", stroke: kColours.load, width: 2, dash: kDash, value: (_u, v) => power(v) },
    {
      label: t("ov.plan.battery"),
      scale: "kW",
      stroke: kColours.battery,
      fill: `${kColours.battery}22`,
      width: 2,
      paths: step,
      value: (_u, v) => power(v),
    },
    ...layout.cars.map(
      (name, k): uPlot.Series => ({
        label: t("ov.plan.carPlan", { name }),
        scale: "kW",
        stroke: kCarColours[k % kCarColours.length],
        width: 2,
        paths: step,
        value: (_u, v) => power(v),
      }),
    ),
  ];
  const axes: uPlot.Axis[] = [
    {
      stroke: kColours.axis,
      grid: { stroke: kColours.grid },
      ticks: { stroke: kColours.grid },
      space: 48,
      // Whole hours only: 1, 2, 3, 6, 12 or 24 of them between ticks.
      incrs: [3600, 7200, 10800, 21600, 43200, 86400],
      values: (_u, splits) => {
        const labels = splits.map(hourLabel);
        el.dataset.xTicks = labels.map((l) => l.replace("\n", " ")).join("|");
        el.dataset.xSplits = splits.join("|");
        return labels;
      },
    },
    {
      scale: "kW",
      stroke: kColours.axis,
      grid: { stroke: kColours.grid },
      ticks: { stroke: kColours.grid, size: 4 },
      gap: 3,
      size: fit,
      values: (_u, ticks) => ticks.map((v) => `${formatNumber(v, Number.isInteger(v) ? 0 : 1)} kW`),
    },
    {
      scale: "price",
      side: 1,
      stroke: kColours.import,
      grid: { show: false },
      ticks: { stroke: kColours.grid, size: 4 },
      gap: 3,
      size: fit,
      values: (_u, ticks) => ticks.map((t) => money(t)),
    },
  ];
  if (layout.soc) {
    series.push({
      label: t("ov.plan.soc"),
      scale: "%",
      stroke: kColours.soc,
      width: 1.5,
      dash: [2, 3],
      value: (_u, v) => (v == null ? "–" : `${formatNumber(v, 0)} %`),
    });
    axes.push({
      scale: "%",
      side: 1,
      stroke: kColours.soc,
      grid: { show: false },
      ticks: { stroke: kColours.grid, size: 4 },
      gap: 3,
      size: fit,
      values: (_u, ticks) => ticks.map((v) => `${formatNumber(v, 0)}%`),
    });
  }
  return {
    width,
    height: chartHeight(width),
    series,
    axes,
    scales: {
      // On a phone, only the last hours of the measured day: the horizon
      // keeps most of the width.
      x: { time: true, range: (u, min, max) => [u.width < 500 ? Math.max(min, Date.now() / 1000 - kPhonePastS) : min, max] },
      "%": { range: [0, 100] },
    },
    cursor: { drag: { x: false, y: false } },
    // Forecasts and the state of charge have dashed markers, like their lines.
    legend: { markers: { dash: (u, i) => (u.series[i].dash ? "dashed" : "solid") } },
    plugins: [nowLine],
  };
}

let plot: uPlot | undefined;
let layoutKey = "";
let timer: number | undefined;
let loading = false;
let retry: number | undefined;

let last: Plan | undefined;

// The language changed: the chart's names and the texts follow.
export function relabelPlan(): void {
  if (last) {
    render(last);
  } else {
    $("plan-status").textContent = t("ov.plan.loading");
  }
}

function render(p: Plan): void {
  last = p;
  const el = $("plan-chart");
  const layout = layoutOf(p);
  const built = build(p, layout);
  if (!plot || layoutKey !== layout.key) {
    plot?.destroy();
    plot = new uPlot(options(el, layout), built.data, el);
    layoutKey = layout.key;
    plot.ctx.canvas.setAttribute("role", "img");
  } else {
    plot.setData(built.data);
  }
  plot.ctx.canvas.setAttribute("aria-label", built.summary);
  // For tests and the curious: what is drawn, and how often it was refreshed.
  const xs = built.data[0];
  el.dataset.from = xs.length > 0 ? new Date(xs[0] * 1000).toISOString() : "";
  el.dataset.to = xs.length > 0 ? new Date(xs[xs.length - 1] * 1000).toISOString() : "";
  el.dataset.renders = String(Number(el.dataset.renders ?? 0) + 1);
  el.dataset.slots = String(p.slots.length);
  el.dataset.measured = String(built.data[0].length - p.slots.length - (p.slots.length > 0 ? 1 : 0));
  showStatus(p);
  showCars(p);
  showFigures(p);
}

function showStatus(p: Plan): void {
  const status = $("plan-status");
  status.dataset.status = p.status;
  if (p.status === "none") {
    status.textContent = t("ov.plan.none");
  } else if (p.status === "failed") {
    status.textContent = t("ov.plan.failed", { error: p.error ?? t("ov.plan.noReason") });
  } else {
    const hours = Math.round((p.slots.length * (p.slot_s ?? 900)) / 3600);
    const failed = p.error ? ` ${t("ov.plan.lastFailed", { error: p.error })}` : "";
    status.textContent = `${t("ov.plan.next", { hours, time: when(p.start ?? p.slots[0]?.start ?? Date.now()) })}${failed}`;
  }
}

function carText(c: Plan["cars"][number]): string {
  if (!c.planned) {
    return t("ov.plan.car.unplanned", { load: c.load });
  }
  const head = t("ov.plan.car.head", {
    load: c.load,
    time: when(c.departure ?? ""),
    need: kwh(c.need_kwh),
    delivered: kwh(c.delivered_kwh),
  });
  if ((c.unmet_kwh ?? 0) > 0) {
    return t("ov.plan.car.unmet", { head, short: kwh(c.unmet_kwh) });
  }
  if ((c.need_kwh ?? 0) - (c.delivered_kwh ?? 0) <= 0) {
    return t("ov.plan.car.done", { head });
  }
  if (c.expected_finish) {
    return t("ov.plan.car.finish", { head, time: when(c.expected_finish) });
  }
  return t("ov.plan.car.after", { head });
}

// One list item per car, kept (and only its text changed) across refreshes.
function showCars(p: Plan): void {
  const list = $("plan-cars");
  const items = p.cars.map((c) => {
    let li = list.querySelector<HTMLLIElement>(`li[data-load="${CSS.escape(c.load)}"]`);
    if (!li) {
      li = document.createElement("li");
      li.dataset.load = c.load;
    }
    const text = carText(c);
    if (li.textContent !== text) {
      li.textContent = text;
    }
    li.className = (c.unmet_kwh ?? 0) > 0 ? "unmet" : "";
    return li;
  });
  list.replaceChildren(...items);
  list.hidden = items.length === 0;
}

function showFigures(p: Plan): void {
  const parts: string[] = [];
  if (p.made_at) {
    parts.push(t("ov.plan.madeAt", { time: when(p.made_at) }));
  }
  if (p.solve_ms !== undefined) {
    parts.push(t("ov.plan.solved", { ms: formatNumber(p.solve_ms, 1) }));
  }
  parts.push(
    t(p.replans === 1 ? "ov.plan.replan" : "ov.plan.replans", {
      n: p.replans,
      median: formatNumber(p.solve_ms_median, 1),
      worst: formatNumber(p.solve_ms_worst, 1),
      failed: p.failed_solves > 0 ? t("ov.plan.failedSolves", { n: p.failed_solves }) : "",
    }),
  );
  // The newest day is still running; the one before it is the last whole day.
  const days = p.forecast_error;
  const day = days.length >= 2 ? days[days.length - 2] : undefined;
  if (day) {
    const date = new Date(day.day).toLocaleDateString(locale(), { weekday: "short", day: "numeric", month: "short" });
    parts.push(t("ov.plan.forecastError", { date, pv: formatPower(day.pv_mae_w), load: formatPower(day.load_mae_w) }));
  }
  const text = `${parts.join(" · ")}.`;
  const figures = $("plan-figures");
  if (figures.textContent !== text) {
    figures.textContent = text;
  }
}

async function refresh(): Promise<void> {
  if (loading) {
    return;
  }
  loading = true;
  let again = true;
  try {
    const p = await plan();
    render(p);
    again = p.status !== "ok";
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      again = false; // logged out: the next login starts over
    } else {
      $("plan-status").textContent = t("ov.plan.loadFailed");
    }
  } finally {
    loading = false;
  }
  // The first plan comes within seconds of start: look again soon.
  window.clearTimeout(retry);
  retry = again ? window.setTimeout(tick, kRetryMs) : undefined;
}

let active = false; // the overview is on screen

function tick(): void {
  if (active && document.visibilityState === "visible" && !$("live-view").hidden) {
    void refresh();
  }
}

// The page left the screen: no more refreshes until it is shown again.
export function stopPlan(): void {
  active = false;
  window.clearInterval(timer);
  window.clearTimeout(retry);
  retry = undefined;
}

export function setupPlan(): void {
  active = true;
  if (timer === undefined) {
    document.addEventListener("visibilitychange", tick);
    const el = $("plan-chart");
    // Follow the card's width (a phone turned, a window resized).
    new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (plot && width !== plot.width) {
        plot.setSize({ width, height: chartHeight(width) });
        plot.setData(plot.data); // the time range depends on the width
      }
    }).observe(el);
  }
  window.clearInterval(timer);
  timer = window.setInterval(tick, kRefreshMs);
  void refresh();
}
