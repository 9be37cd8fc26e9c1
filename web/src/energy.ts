// Energy over a day (per hour), a week or a month (per day) or a year (per
// month): what each load consumed, stacked above the axis, against what the
// PV produced, below it; and the gas and water meters' use. Energies are the
// growth of the stores' counters in each bucket (the rollups' last values),
// so they match the registers exactly. Zoom by dragging, double-click to reset.
import uPlot from "uplot";
import { historyUrl, rollups, type Snapshot } from "./api";

type Range = "day" | "week" | "month" | "year";

interface Bucketed {
  starts: number[]; // bucket start, unix seconds
  values: number[]; // growth of the counter in each bucket
}

const SPAN_S: Record<Range, number> = { day: 86400, week: 7 * 86400, month: 30 * 86400, year: 365 * 86400 };

function bucketStart(tS: number, range: Range): number {
  if (range === "day") {
    return Math.floor(tS / 3600) * 3600;
  }
  if (range === "year") {
    const d = new Date(tS * 1000);
    return new Date(d.getFullYear(), d.getMonth(), 1).getTime() / 1000;
  }
  const d = new Date(tS * 1000);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() / 1000;
}

// The counter's growth per bucket of the range, from hourly or daily rollups.
async function growth(series: string, range: Range, fromS: number, toS: number): Promise<Bucketed> {
  const data = await rollups(series, fromS, toS, range === "day" ? "1h" : "1d");
  const sums = new Map<number, number>();
  let previousLast: number | undefined;
  for (const row of data.rows) {
    const first = row[4];
    const last = row[5];
    // Growth since the previous bucket's last value (nothing lost between
    // buckets), or within the first bucket.
    const grew = Math.max(0, last - (previousLast ?? first));
    previousLast = last;
    const start = bucketStart(row[0] / 1000, range);
    sums.set(start, (sums.get(start) ?? 0) + grew);
  }
  const starts = [...sums.keys()].sort((a, b) => a - b);
  return { starts, values: starts.map((s) => sums.get(s) ?? 0) };
}

const COLOURS = ["#2563eb", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ea580c", "#4b5563", "#db2777"];

function barsChart(
  el: HTMLElement,
  plot: uPlot | undefined,
  labels: string[],
  unit: string,
  xs: number[],
  ys: number[][],
  span: [number, number],
): uPlot {
  const data = [xs, ...ys] as uPlot.AlignedData;
  if (plot) {
    plot.destroy();
  }
  const bars = uPlot.paths.bars?.({ size: [0.8, 60] });
  return new uPlot(
    {
      width: Math.max(200, el.clientWidth || 300),
      height: 240,
      cursor: { drag: { x: true, y: false } },
      // The whole period, even while only its first buckets have data.
      scales: { x: { time: true, range: () => span } },
      series: [
        {},
        ...labels.map((label, i) => ({
          label,
          stroke: COLOURS[i % COLOURS.length],
          fill: `${COLOURS[i % COLOURS.length]}aa`,
          paths: bars,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v == null ? "--" : `${v.toFixed(2)} ${unit}`),
        })),
      ],
      axes: [{}, { size: 84, values: (_u, ticks) => ticks.map((t) => `${+t.toPrecision(3)} ${unit}`) }],
    },
    data,
    el,
  );
}

export class EnergyCard {
  private range: Range = "day";
  private loads: { name: string; kind: string }[] = [];
  private meters: { series: string; label: string; unit: string }[] = [];
  private stacked: uPlot | undefined;
  private metersPlot: uPlot | undefined;
  private ready = false;

  constructor(
    private readonly chart: HTMLElement,
    private readonly meta: HTMLElement,
    private readonly meterSelect: HTMLSelectElement,
    private readonly meterChart: HTMLElement,
    private readonly meterCsv: HTMLAnchorElement,
    buttons: NodeListOf<HTMLButtonElement>,
  ) {
    buttons.forEach((b) =>
      b.addEventListener("click", () => {
        this.range = b.dataset.energy as Range;
        void this.load();
      }),
    );
    meterSelect.addEventListener("change", () => void this.loadMeter());
    // The charts follow their card's width (a phone turned, a window resized).
    const follow = (el: HTMLElement, plot: () => uPlot | undefined) =>
      new ResizeObserver(() => {
        const p = plot();
        const w = Math.max(200, el.clientWidth);
        if (p && w !== p.width) {
          p.setSize({ width: w, height: 240 });
        }
      }).observe(el);
    follow(chart, () => this.stacked);
    follow(meterChart, () => this.metersPlot);
  }

  offer(snapshot: Snapshot): void {
    if (this.ready) {
      return;
    }
    this.ready = true;
    this.loads = snapshot.loads.map((l) => ({ name: l.name, kind: l.kind }));
    for (const input of snapshot.inputs) {
      if (input.kind === "pulse") {
        const option = document.createElement("option");
        option.value = `input/${input.module}/${input.input}/total`;
        option.textContent = `${input.name} [${input.unit ?? ""}]`;
        this.meterSelect.appendChild(option);
        this.meters.push({ series: option.value, label: input.name, unit: input.unit ?? "" });
      }
    }
    void this.load();
  }

  async load(): Promise<void> {
    const to = Date.now() / 1000;
    const from = bucketStart(to - SPAN_S[this.range], this.range);
    // Consumption: what flows into consumers, the car and the heat pump, and
    // into the battery; production: the PV (below the axis).
    const consumers = this.loads.filter((l) => ["consumer", "ev", "heatpump"].includes(l.kind));
    const producers = this.loads.filter((l) => l.kind === "solar");
    try {
      const all = await Promise.all([
        ...consumers.map((l) => growth(`load/${l.name}/energy_import_wh`, this.range, from, to)),
        ...producers.map((l) => growth(`load/${l.name}/energy_import_wh`, this.range, from, to)),
      ]);
      const xs = [...new Set(all.flatMap((b) => b.starts))].sort((a, b) => a - b);
      const at = (b: Bucketed) => xs.map((x) => (b.values[b.starts.indexOf(x)] ?? 0) / 1000);
      // Stacked: each consumer's bar reaches the sum of it and those below it.
      const own = all.slice(0, consumers.length).map(at);
      const stacked = own.map((_, i) => xs.map((_x, k) => own.slice(i).reduce((s, v) => s + v[k], 0)));
      const production = all.slice(consumers.length).map((b) => at(b).map((v) => -v));
      const producedStack = production.map((_, i) => xs.map((_x, k) => production.slice(i).reduce((s, v) => s + v[k], 0)));
      this.stacked = barsChart(
        this.chart,
        this.stacked,
        [...consumers.map((l) => l.name), ...producers.map((l) => `${l.name} (produced)`)],
        "kWh",
        xs,
        [...stacked, ...producedStack],
        [from, to],
      );
      const consumed = own.reduce((s, v) => s + v.reduce((a, b) => a + b, 0), 0);
      const produced = -production.reduce((s, v) => s + v.reduce((a, b) => a + b, 0), 0);
      this.chart.dataset.buckets = String(xs.length);
      this.chart.dataset.consumedKwh = String(consumed);
      this.meta.textContent = `${xs.length} ${this.range === "day" ? "hours" : this.range === "year" ? "months" : "days"}: ${consumed.toFixed(2)} kWh consumed, ${produced.toFixed(2)} kWh produced`;
    } catch (e) {
      this.meta.textContent = e instanceof Error ? e.message : "energy not available";
    }
    await this.loadMeter();
  }

  async loadMeter(): Promise<void> {
    const meter = this.meters.find((m) => m.series === this.meterSelect.value);
    if (!meter) {
      return;
    }
    const to = Date.now() / 1000;
    const from = bucketStart(to - SPAN_S[this.range], this.range);
    this.meterCsv.href = historyUrl(meter.series, from, to, "csv", this.range === "day" ? "1h" : "1d");
    const b = await growth(meter.series, this.range, from, to).catch(() => ({ starts: [], values: [] }));
    this.metersPlot = barsChart(this.meterChart, this.metersPlot, [meter.label], meter.unit, b.starts, [b.values], [
      from,
      to,
    ]);
    this.meterChart.dataset.buckets = String(b.starts.length);
  }
}
