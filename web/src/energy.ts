// The Energy page: where the house's energy came from (grid import, solar,
// battery discharge: above the axis) and where it went (each measured
// circuit, the car, the heat pump, what no circuit measured, battery charge,
// export: below it), per hour of a day, per day of a week or month, per
// month of a year, in local time; the period's totals, self-sufficiency,
// self-consumption and cost; gas and water. The period is in the URL
// (#/energy?period=day&date=2026-12-05).
//
// Energies are the growth of the store's counters (docs/dashboard.md): per
// hourly rollup (daily for a year), a bucket's last reading minus the
// previous bucket's last (its first reading for the first bucket), summed
// into the page's intervals. A load's energy_import_wh counts its positive
// direction: import for the grid, production for solar, discharge for a
// battery, consumption for consumers; energy_export_wh the other way.
// As in src/sim/kpi.hpp:
//   consumption      = import + production + discharge − export − charge
//   self-sufficiency = (consumption − import) / consumption
//   self-consumption = (production − export) / production
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "./energy.css";
import { type HistoryData, historyUrl, type Snapshot } from "./api";
import { formatEnergyWh, formatMoney, formatNumber, formatPercent } from "./format";
import { formatValue, growthRows } from "./history";
import { locale, t } from "./i18n";
import { replaceParams } from "./router";

export type Period = "day" | "week" | "month" | "year";
const kPeriods: Period[] = ["day", "week", "month", "year"];

interface Line {
  id: string; // data-total in the totals table
  label: string;
  colour: string;
  wh: number[]; // per bucket
}

interface Prices {
  currency: string;
  source: string;
  prices: { start: string; import_eur_per_kwh: number; export_eur_per_kwh: number }[];
}

const kPalette = ["#2563eb", "#9333ea", "#db2777", "#4f46e5", "#be123c", "#0d9488", "#7c3aed", "#65a30d"];

// YYYY-MM-DD of a local date.
function dateText(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

function parseDate(text: string | null): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text ?? "");
  const d = m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : new Date();
  return Number.isFinite(d.getTime()) ? d : new Date();
}

// The period holding `date`, in local time: [start, end) and the starts of
// its intervals (hours, days or months; a day has 23 or 25 hours when the
// clocks change).
export function periodOf(period: Period, date: Date): { start: Date; end: Date; buckets: number[] } {
  const y = date.getFullYear();
  const m = date.getMonth();
  const d = date.getDate();
  let start: Date;
  let end: Date;
  if (period === "day") {
    start = new Date(y, m, d);
    end = new Date(y, m, d + 1);
  } else if (period === "week") {
    const monday = d - ((date.getDay() + 6) % 7);
    start = new Date(y, m, monday);
    end = new Date(y, m, monday + 7);
  } else if (period === "month") {
    start = new Date(y, m, 1);
    end = new Date(y, m + 1, 1);
  } else {
    start = new Date(y, 0, 1);
    end = new Date(y + 1, 0, 1);
  }
  const buckets: number[] = [];
  if (period === "day") {
    for (let t = start.getTime(); t < end.getTime(); t += 3600_000) {
      buckets.push(t);
    }
  } else if (period === "year") {
    for (let i = 0; i < 12; i++) {
      buckets.push(new Date(y, i, 1).getTime());
    }
  } else {
    for (let c = new Date(start); c < end; c = new Date(c.getFullYear(), c.getMonth(), c.getDate() + 1)) {
      buckets.push(c.getTime());
    }
  }
  return { start, end, buckets };
}

function shiftDate(period: Period, date: Date, n: number): Date {
  const y = date.getFullYear();
  const m = date.getMonth();
  const d = date.getDate();
  switch (period) {
    case "day":
      return new Date(y, m, d + n);
    case "week":
      return new Date(y, m, d + 7 * n);
    case "month":
      return new Date(y, m + n, 1);
    default:
      return new Date(y + n, 0, 1);
  }
}

function periodLabel(period: Period, start: Date, end: Date): string {
  const lc = locale();
  switch (period) {
    case "day":
      return start.toLocaleDateString(lc, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
    case "week": {
      const last = new Date(end.getFullYear(), end.getMonth(), end.getDate() - 1);
      return `${start.toLocaleDateString(lc, { day: "numeric", month: "short" })} – ${last.toLocaleDateString(lc, {
        day: "numeric",
        month: "short",
        year: "numeric",
      })}`;
    }
    case "month":
      return start.toLocaleDateString(lc, { month: "long", year: "numeric" });
    default:
      return String(start.getFullYear());
  }
}

async function rollupsOf(series: string, fromMs: number, toMs: number, step: string): Promise<HistoryData | undefined> {
  // The last second of the period: a rollup that starts at `to` is the next period's.
  const response = await fetch(historyUrl(series, fromMs / 1000, toMs / 1000 - 1, "json", step), {
    credentials: "same-origin",
  });
  if (response.status === 404) {
    return undefined; // a load without history yet
  }
  const payload = (await response.json().catch(() => ({}))) as HistoryData & { error?: string };
  if (!response.ok) {
    throw new Error(payload.error ?? response.statusText);
  }
  return payload;
}

// Index of the interval that holds t: the last start at or before it.
function bucketOf(buckets: number[], tMs: number): number {
  let lo = 0;
  let hi = buckets.length - 1;
  if (tMs < buckets[0]) {
    return -1;
  }
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (buckets[mid] <= tMs) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

function perBucket(data: HistoryData | undefined, buckets: number[], seen?: Set<number>): number[] {
  const out = buckets.map(() => 0);
  if (!data) {
    return out;
  }
  for (const [tMs, wh] of growthRows(data)) {
    const i = bucketOf(buckets, tMs);
    if (i >= 0) {
      out[i] += wh;
      seen?.add(i);
    }
  }
  return out;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const add = (a: number[], b: number[]) => a.map((v, i) => v + b[i]);

// The price of each quarter hour as the daemon knows it; for the tariff
// (windows or flat, the next 24 h) the same prices repeat each day.
function priceLookup(prices: Prices): (hourMs: number) => { imp: number; exp: number } | undefined {
  const byStart = new Map<number, { imp: number; exp: number }>();
  for (const p of prices.prices) {
    byStart.set(Date.parse(p.start), { imp: p.import_eur_per_kwh, exp: p.export_eur_per_kwh });
  }
  const daily = prices.source === "tariff";
  const byTimeOfDay = new Map<number, { imp: number; exp: number }>();
  if (daily) {
    for (const [start, p] of byStart) {
      byTimeOfDay.set(((start % 86400_000) + 86400_000) % 86400_000, p);
    }
  }
  // The hour's price: the mean of the prices of its quarters (a price that
  // holds for an hour holds for its four quarters).
  return (hourMs: number) => {
    let imp = 0;
    let exp = 0;
    let last: { imp: number; exp: number } | undefined;
    for (let q = 0; q < 4; q++) {
      const at = hourMs + q * 900_000;
      const p = daily ? byTimeOfDay.get(at % 86400_000) : (byStart.get(at) ?? (q > 0 ? last : undefined));
      if (!p) {
        return undefined;
      }
      last = p;
      imp += p.imp / 4;
      exp += p.exp / 4;
    }
    return { imp, exp };
  };
}

function range(values: number[], currency: string): string {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? formatMoney(lo, currency) : `${formatMoney(lo, currency)}–${formatMoney(hi, currency)}`;
}

// Ticks under the bars (every k-th interval, so labels never crowd) and
// their labels: hours of a day, days of a week or month, months of a year.
function bucketAxis(period: Period, buckets: number[], xs: number[]): uPlot.Axis {
  const lc = locale();
  const label = (ms: number) => {
    const d = new Date(ms);
    switch (period) {
      case "day":
        return d.toLocaleTimeString(lc, { hour: "2-digit", minute: "2-digit" });
      case "week":
        return d.toLocaleDateString(lc, { weekday: "short", day: "numeric" });
      case "month":
        return d.toLocaleDateString(lc, { day: "numeric" });
      default:
        return d.toLocaleDateString(lc, { month: "short" });
    }
  };
  const minPx = period === "week" ? 64 : period === "day" ? 52 : period === "year" ? 40 : 28;
  return {
    splits: (u) => {
      const every = Math.max(1, Math.ceil((xs.length * minPx) / Math.max(1, u.bbox.width / devicePixelRatio)));
      return xs.filter((_x, i) => i % every === 0);
    },
    values: (_u, ticks) => ticks.map((x) => label(buckets[xs.indexOf(x)] ?? x * 1000)),
  };
}

export class EnergyCard {
  private period: Period = "day";
  private date = new Date();
  private snapshot: Snapshot | undefined;
  private chart: uPlot | undefined;
  private meterPlot: uPlot | undefined;
  private request = 0;
  private lines: { sources: Line[]; uses: Line[]; buckets: number[]; seen: Set<number> } | undefined;
  private readonly $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

  constructor() {
    for (const b of document.querySelectorAll<HTMLButtonElement>("button[data-energy]")) {
      b.addEventListener("click", () => this.go(b.dataset.energy as Period, this.date));
    }
    this.$("energy-prev").addEventListener("click", () => this.go(this.period, shiftDate(this.period, this.date, -1)));
    this.$("energy-next").addEventListener("click", () => this.go(this.period, shiftDate(this.period, this.date, 1)));
    this.$<HTMLInputElement>("energy-date").addEventListener("change", (e) => {
      const value = (e.target as HTMLInputElement).value;
      if (value) {
        this.go(this.period, parseDate(value));
      }
    });
    this.$("meter-select").addEventListener("change", () => void this.loadMeter());
    const follow = (el: HTMLElement, plot: () => uPlot | undefined, height: number) =>
      new ResizeObserver(() => {
        const p = plot();
        const w = Math.max(200, el.clientWidth);
        if (p && w !== p.width) {
          p.setSize({ width: w, height });
        }
      }).observe(el);
    follow(this.$("energy-chart"), () => this.chart, 280);
    follow(this.$("meter-chart"), () => this.meterPlot, 200);
  }

  show(params: URLSearchParams): void {
    const p = params.get("period") as Period;
    this.period = kPeriods.includes(p) ? p : "day";
    this.date = parseDate(params.get("date"));
    void this.load();
  }

  offer(snapshot: Snapshot): void {
    if (this.snapshot) {
      return;
    }
    this.snapshot = snapshot;
    const select = this.$<HTMLSelectElement>("meter-select");
    const pulses = snapshot.inputs.filter((i) => i.kind === "pulse");
    select.replaceChildren(
      ...pulses.map((input) => {
        const option = document.createElement("option");
        option.value = `input/${input.module}/${input.input}/total`;
        option.textContent = `${input.name} [${input.unit ?? ""}]`;
        option.dataset.unit = input.unit ?? "";
        option.dataset.name = input.name;
        return option;
      }),
    );
    this.$("meters-none").hidden = pulses.length > 0;
    void this.load();
  }

  language(): void {
    void this.load();
  }

  private go(period: Period, date: Date): void {
    this.period = period;
    this.date = date;
    replaceParams({ period, date: dateText(date) });
    void this.load();
  }

  private async load(): Promise<void> {
    const { start, end, buckets } = periodOf(this.period, this.date);
    for (const b of document.querySelectorAll<HTMLButtonElement>("button[data-energy]")) {
      b.setAttribute("aria-pressed", String(b.dataset.energy === this.period));
    }
    this.$("energy-period").textContent = periodLabel(this.period, start, end);
    this.$<HTMLInputElement>("energy-date").value = dateText(this.date);
    this.$<HTMLButtonElement>("energy-next").disabled = end.getTime() > Date.now();
    const snapshot = this.snapshot;
    if (!snapshot) {
      this.$("energy-meta").textContent = t("energy.loading");
      return; // the loads' kinds come with the first snapshot
    }
    const token = ++this.request;
    const from = start.getTime();
    const to = end.getTime();
    // Hourly rollups place every hour in its local interval exactly; a year
    // is read per day (the store's days are UTC days).
    const step = this.period === "year" ? "1d" : "1h";
    const loads = snapshot.loads;
    const chart = this.$("energy-chart");
    try {
      const seen = new Set<number>();
      const read = (name: string, which: "import" | "export") =>
        rollupsOf(`load/${name}/energy_${which}_wh`, from, to, step).then((d) => ({ d, wh: perBucket(d, buckets, seen) }));
      const grids = loads.filter((l) => l.kind === "grid");
      const solars = loads.filter((l) => l.kind === "solar");
      const batteries = loads.filter((l) => l.kind === "battery");
      const circuits = loads.filter((l) => ["consumer", "ev", "heatpump"].includes(l.kind));
      const [gridIn, gridOut, solar, discharge, charge, used, prices] = await Promise.all([
        Promise.all(grids.map((l) => read(l.name, "import"))),
        Promise.all(grids.map((l) => read(l.name, "export"))),
        Promise.all(solars.map((l) => read(l.name, "import"))),
        Promise.all(batteries.map((l) => read(l.name, "import"))),
        Promise.all(batteries.map((l) => read(l.name, "export"))),
        Promise.all(circuits.map((l) => read(l.name, "import"))),
        fetch("/api/v1/prices", { credentials: "same-origin" })
          .then((r) => (r.ok ? (r.json() as Promise<Prices>) : undefined))
          .catch(() => undefined),
      ]);
      if (token !== this.request) {
        return;
      }
      const zero = buckets.map(() => 0);
      const imp = gridIn.reduce((a, g) => add(a, g.wh), zero);
      const exp = gridOut.reduce((a, g) => add(a, g.wh), zero);
      const production = solar.reduce((a, s) => add(a, s.wh), zero);
      const dis = discharge.reduce((a, s) => add(a, s.wh), zero);
      const chg = charge.reduce((a, s) => add(a, s.wh), zero);
      const consumption = buckets.map((_, i) => imp[i] + production[i] + dis[i] - exp[i] - chg[i]);
      const measured = used.reduce((a, s) => add(a, s.wh), zero);
      const other = consumption.map((c, i) => Math.max(0, c - measured[i]));
      const sources: Line[] = [
        { id: "grid-import", label: t("energy.gridImport"), colour: "#6b7280", wh: imp },
        ...solars.map((l, i) => ({
          id: `solar:${l.name}`,
          label: l.name,
          colour: ["#d97706", "#f59e0b", "#b45309"][i % 3],
          wh: solar[i].wh,
        })),
        ...batteries.map((l, i) => ({
          id: `discharge:${l.name}`,
          label: t("energy.discharge", { name: l.name }),
          colour: "#16a34a",
          wh: discharge[i].wh,
        })),
      ];
      const uses: Line[] = [
        ...circuits.map((l, i) => ({
          id: `use:${l.name}`,
          label: l.name,
          colour: l.kind === "ev" ? "#0891b2" : l.kind === "heatpump" ? "#dc2626" : kPalette[i % kPalette.length],
          wh: used[i].wh,
        })),
        { id: "other", label: t("energy.other"), colour: "#a8a29e", wh: other },
        ...batteries.map((l, i) => ({
          id: `charge:${l.name}`,
          label: t("energy.charge", { name: l.name }),
          colour: "#15803d",
          wh: charge[i].wh,
        })),
        { id: "export", label: t("energy.export"), colour: "#a16207", wh: exp },
      ];
      this.lines = { sources, uses, buckets, seen };
      this.draw(start, end);
      const totalConsumption = sum(consumption);
      const totalImport = sum(imp);
      const totalProduction = sum(production);
      const totalExport = sum(exp);
      this.renderTotals(sources, uses);
      const selfSufficiency = totalConsumption > 0 ? ((totalConsumption - totalImport) / totalConsumption) * 100 : null;
      const selfConsumption = totalProduction > 0 ? ((totalProduction - totalExport) / totalProduction) * 100 : null;
      this.$("energy-consumption").textContent = formatEnergyWh(totalConsumption);
      this.$("energy-self-sufficiency").textContent = formatPercent(selfSufficiency);
      this.$("energy-self-consumption").textContent = formatPercent(selfConsumption);
      const kpis = this.$("energy-kpis");
      kpis.dataset.consumptionWh = String(totalConsumption);
      kpis.dataset.selfSufficiencyPct = selfSufficiency == null ? "" : String(selfSufficiency);
      kpis.dataset.selfConsumptionPct = selfConsumption == null ? "" : String(selfConsumption);
      chart.dataset.period = this.period;
      chart.dataset.from = String(from);
      chart.dataset.to = String(to);
      chart.dataset.buckets = String(seen.size);
      chart.dataset.consumedKwh = String(totalConsumption / 1000);
      this.$("energy-meta").textContent = t("energy.meta", { count: seen.size, total: buckets.length });
      await this.cost(prices, gridIn, gridOut, from, to, step, token);
    } catch (e) {
      if (token === this.request) {
        this.$("energy-meta").textContent = t("energy.notAvailable", { reason: e instanceof Error ? e.message : String(e) });
      }
    }
    await this.loadMeter();
  }

  // The period's cost from the grid's hourly import and export at each
  // hour's price (flat prices need no hours).
  private async cost(
    prices: Prices | undefined,
    gridIn: { d: HistoryData | undefined; wh: number[] }[],
    gridOut: { d: HistoryData | undefined; wh: number[] }[],
    from: number,
    to: number,
    step: string,
    token: number,
  ): Promise<void> {
    const out = this.$("energy-cost");
    const split = this.$("energy-cost-split");
    const note = this.$("energy-prices");
    out.textContent = "–";
    split.textContent = "";
    delete out.dataset.cost;
    if (!prices || prices.prices.length === 0) {
      note.textContent = t("energy.pricesNone");
      return;
    }
    const currency = prices.currency || "EUR";
    const imports = prices.prices.map((p) => p.import_eur_per_kwh);
    const exports = prices.prices.map((p) => p.export_eur_per_kwh);
    const flat = prices.source === "tariff" && new Set(imports).size === 1 && new Set(exports).size === 1;
    let costImport = 0;
    let costExport = 0;
    if (flat) {
      costImport = (sum(gridIn.map((g) => sum(g.wh))) / 1000) * imports[0];
      costExport = (sum(gridOut.map((g) => sum(g.wh))) / 1000) * exports[0];
      note.textContent = t("energy.pricesFlat", {
        import: formatMoney(imports[0], currency),
        export: formatMoney(exports[0], currency),
      });
    } else {
      // Hourly energies: the rows already read, or hourly rollups for a year.
      const hourly = async (rows: { d: HistoryData | undefined }[], which: string) =>
        step === "1h"
          ? rows.map((r) => r.d)
          : Promise.all(
              (this.snapshot?.loads ?? [])
                .filter((l) => l.kind === "grid")
                .map((l) => rollupsOf(`load/${l.name}/energy_${which}_wh`, from, to, "1h")),
            );
      const [ins, outs] = await Promise.all([hourly(gridIn, "import"), hourly(gridOut, "export")]);
      if (token !== this.request) {
        return;
      }
      const price = priceLookup(prices);
      const hours = new Set<number>();
      const priced = new Set<number>();
      const each = (data: (HistoryData | undefined)[], apply: (wh: number, p: { imp: number; exp: number }) => void) => {
        for (const d of data) {
          for (const [tMs, wh] of d ? growthRows(d) : []) {
            hours.add(tMs);
            const p = price(tMs);
            if (p) {
              priced.add(tMs);
              apply(wh, p);
            }
          }
        }
      };
      each(ins, (wh, p) => (costImport += (wh / 1000) * p.imp));
      each(outs, (wh, p) => (costExport += (wh / 1000) * p.exp));
      note.textContent =
        prices.source === "tariff"
          ? t("energy.pricesWindows", { import: range(imports, currency), export: range(exports, currency) })
          : t("energy.pricesDynamic", { source: prices.source, priced: priced.size, hours: hours.size });
      if (priced.size === 0 && hours.size > 0) {
        return;
      }
    }
    const total = costImport - costExport;
    out.textContent = formatMoney(total, currency);
    out.dataset.cost = String(total);
    split.textContent = t("energy.costSplit", {
      import: formatMoney(costImport, currency),
      export: formatMoney(costExport, currency),
    });
  }

  private renderTotals(sources: Line[], uses: Line[]): void {
    const table = (el: HTMLElement, lines: Line[], whole: number) => {
      const rows = lines.map((line) => {
        const total = sum(line.wh);
        const tr = document.createElement("tr");
        tr.dataset.total = line.id;
        tr.dataset.wh = String(total);
        const name = document.createElement("th");
        name.scope = "row";
        const swatch = document.createElement("span");
        swatch.className = "swatch";
        swatch.style.background = line.colour;
        swatch.setAttribute("aria-hidden", "true");
        name.append(swatch, line.label);
        const value = document.createElement("td");
        value.className = "num";
        value.textContent = formatEnergyWh(total);
        const share = document.createElement("td");
        share.className = "num";
        share.textContent = whole > 0 ? formatPercent((total / whole) * 100) : "–";
        tr.append(name, value, share);
        return tr;
      });
      const totalRow = document.createElement("tr");
      totalRow.className = "total";
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = t("energy.total");
      const td = document.createElement("td");
      td.className = "num";
      td.textContent = formatEnergyWh(sum(lines.map((l) => sum(l.wh))));
      totalRow.append(th, td, document.createElement("td"));
      el.replaceChildren(...rows, totalRow);
    };
    // Shares of what came in and of what went out (both add up to the same).
    const inflow = sum(sources.map((l) => sum(l.wh)));
    table(this.$("energy-sources"), sources, inflow);
    table(this.$("energy-uses"), uses, Math.max(inflow, sum(uses.map((l) => sum(l.wh)))));
  }

  private draw(start: Date, end: Date): void {
    const lines = this.lines;
    if (!lines) {
      return;
    }
    const el = this.$("energy-chart");
    const { buckets, sources, uses, seen } = lines;
    const ends = [...buckets.slice(1), end.getTime()];
    const xs = buckets.map((b, i) => (b + ends[i]) / 2000);
    // Stacked: each bar reaches the sum of it and those after it, drawn
    // tallest first so the shorter ones stay visible on top.
    const stack = (ls: Line[], sign: number) =>
      ls.map((_, i) =>
        // No bar at all for an interval without data (the future, a gap).
        buckets.map((_b, k) => (seen.has(k) ? (sign * ls.slice(i).reduce((s, l) => s + l.wh[k], 0)) / 1000 : null)),
      );
    const all = [...sources, ...uses];
    const data = [xs, ...stack(sources, 1), ...stack(uses, -1)] as uPlot.AlignedData;
    const bars = uPlot.paths.bars?.({ size: [0.85, 64] });
    const muted = getComputedStyle(document.documentElement).getPropertyValue("--muted").trim() || "#6b7280";
    this.chart?.destroy();
    this.chart = new uPlot(
      {
        width: Math.max(200, el.clientWidth || 300),
        height: 280,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: { x: { time: true, range: () => [start.getTime() / 1000, end.getTime() / 1000] } },
        series: [
          {},
          ...all.map((l) => ({ label: l.label, stroke: l.colour, fill: l.colour, width: 0, paths: bars, points: { show: false } })),
        ],
        axes: [
          { stroke: muted, ...bucketAxis(this.period, buckets, xs) },
          {
            stroke: muted,
            size: 84,
            values: (_u, ticks) => ticks.map((kwh) => formatEnergyWh(Math.abs(kwh) * 1000)),
          },
        ],
        hooks: {
          setCursor: [
            (u) => {
              const i = u.cursor.idx;
              const hover = this.$("energy-hover");
              if (i == null) {
                hover.textContent = "";
                return;
              }
              hover.textContent = t("energy.hover", {
                time: periodLabel(this.period === "year" ? "month" : "day", new Date(buckets[i]), new Date(ends[i])) +
                  (this.period === "day" ? ` ${new Date(buckets[i]).toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" })}` : ""),
                sources: formatEnergyWh(sources.reduce((s, l) => s + l.wh[i], 0)),
                uses: formatEnergyWh(uses.reduce((s, l) => s + l.wh[i], 0)),
              });
            },
          ],
        },
      },
      data,
      el,
    );
    const canvas = el.querySelector("canvas");
    canvas?.setAttribute("role", "img");
    canvas?.setAttribute(
      "aria-label",
      t("energy.chartLabel", {
        bucket: t(this.period === "day" ? "energy.bucket.hour" : this.period === "year" ? "energy.bucket.month" : "energy.bucket.day"),
        period: periodLabel(this.period, start, end),
      }),
    );
  }

  async loadMeter(): Promise<void> {
    const select = this.$<HTMLSelectElement>("meter-select");
    const option = select.selectedOptions[0];
    if (!option) {
      return;
    }
    const unit = option.dataset.unit ?? "";
    const { start, end, buckets } = periodOf(this.period, this.date);
    const step = this.period === "year" ? "1d" : "1h";
    const from = start.getTime();
    const to = end.getTime();
    this.$<HTMLAnchorElement>("meter-csv").href = historyUrl(option.value, from / 1000, to / 1000 - 1, "csv", step);
    const seen = new Set<number>();
    const data = await rollupsOf(option.value, from, to, step).catch(() => undefined);
    const values = perBucket(data, buckets, seen);
    const ends = [...buckets.slice(1), to];
    const xs = buckets.map((b, i) => (b + ends[i]) / 2000);
    const el = this.$("meter-chart");
    const muted = getComputedStyle(document.documentElement).getPropertyValue("--muted").trim() || "#6b7280";
    this.meterPlot?.destroy();
    this.meterPlot = new uPlot(
      {
        width: Math.max(200, el.clientWidth || 300),
        height: 200,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true, range: () => [from / 1000, to / 1000] } },
        series: [
          {},
          {
            label: option.dataset.name ?? option.value,
            stroke: "#0e7490",
            fill: "#0e7490cc",
            width: 0,
            paths: uPlot.paths.bars?.({ size: [0.85, 64] }),
            points: { show: false },
          },
        ],
        axes: [
          { stroke: muted, ...bucketAxis(this.period, buckets, xs) },
          { stroke: muted, size: 84, values: (_u, ticks) => ticks.map((v) => formatValue(v, unit)) },
        ],
      },
      [xs, values.map((v, i) => (seen.has(i) ? v : null))],
      el,
    );
    el.querySelector("canvas")?.setAttribute("role", "img");
    el.querySelector("canvas")?.setAttribute("aria-label", `${option.dataset.name ?? ""}, ${periodLabel(this.period, start, end)}`);
    el.dataset.buckets = String(seen.size);
    const total = sum(values);
    el.dataset.total = String(total);
    this.$("meter-total").textContent = t("meters.total", {
      name: option.dataset.name ?? "",
      value: formatValue(total, unit) || formatNumber(total, 3),
    });
  }
}
