// The "last 10 minutes" chart of grid, solar, battery and home power (uPlot).
// Every live snapshot is recorded (main.ts calls recordTrend), whichever page
// is on screen, so coming back to the overview shows the minutes spent
// elsewhere; the chart itself is drawn only while the overview is shown.
// The time axis always spans ten minutes, ending at the newest value.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Snapshot } from "./api";
import { flows } from "./flow";
import { formatPower, timeTick } from "./format";
import { t } from "./i18n";

export const kTrendWindowS = 600;

// x (unix seconds), grid (+ import), solar, battery (+ discharge), home.
const data: [number[], number[], number[], number[], number[]] = [[], [], [], [], []];
let hasBattery = false;

export function recordTrend(snapshot: Snapshot): void {
  const ts = snapshot.time_ms / 1000;
  const [xs] = data;
  if (xs.length > 0 && ts <= xs[xs.length - 1]) {
    return; // the same snapshot polled twice
  }
  const f = flows(snapshot);
  hasBattery ||= snapshot.loads.some((l) => l.kind === "battery");
  xs.push(ts);
  data[1].push(f.grid_w);
  data[2].push(f.solar_w);
  data[3].push(f.battery_w);
  data[4].push(f.home_w);
  let drop = 0;
  while (drop < xs.length && xs[drop] < ts - kTrendWindowS) {
    drop++;
  }
  if (drop > 0) {
    for (const series of data) {
      series.splice(0, drop);
    }
  }
}

const kColours = { grid: "#6b7280", solar: "#d97706", battery: "#0891b2", home: "#2563eb", axis: "#8a8f98", grid_lines: "#8883" };

function chartHeight(width: number): number {
  return width < 500 ? 200 : 240;
}

export class Trend {
  private plot: uPlot | undefined;
  private withBattery = false;

  constructor(private readonly container: HTMLElement) {
    // Follow the card's width (phone rotation, window resize).
    new ResizeObserver(() => {
      const width = Math.max(200, container.clientWidth);
      if (this.plot && width !== this.plot.width) {
        this.plot.setSize({ width, height: chartHeight(width) });
      }
    }).observe(container);
  }

  // The language changed: the series' names and the axes are rebuilt.
  relabel(): void {
    this.plot?.destroy();
    this.plot = undefined;
  }

  private create(): uPlot {
    const power = (_u: uPlot, v: number | null) => (v == null ? "–" : formatPower(v));
    const width = Math.max(200, this.container.clientWidth || 300);
    const series: uPlot.Series[] = [
      { label: t("ov.trend.time"), value: (_u, v) => (v == null ? "–" : timeTick(v, 60)) },
      { label: t("ov.trend.grid"), stroke: kColours.grid, width: 2, value: power },
      { label: t("ov.trend.solar"), stroke: kColours.solar, width: 2, value: power },
      ...(this.withBattery ? [{ label: t("ov.trend.battery"), stroke: kColours.battery, width: 2, value: power }] : []),
      { label: t("ov.trend.home"), stroke: kColours.home, width: 2, value: power },
    ];
    const container = this.container;
    return new uPlot(
      {
        width,
        height: chartHeight(width),
        series,
        scales: {
          // Ten minutes ending at the newest value, however few values there are.
          x: {
            time: true,
            range: (u) => {
              const xs = u.data[0];
              const end = xs.length > 0 ? xs[xs.length - 1] : Date.now() / 1000;
              return [end - kTrendWindowS, end];
            },
          },
          // Zero always in sight, and some room above a flat line.
          y: {
            range: (_u, min, max) => {
              const lo = Math.min(0, min ?? 0);
              const hi = Math.max(0, max ?? 0);
              const pad = Math.max(100, (hi - lo) * 0.1);
              return [lo < 0 ? lo - pad : 0, hi + pad];
            },
          },
        },
        axes: [
          {
            stroke: kColours.axis,
            grid: { stroke: kColours.grid_lines },
            ticks: { stroke: kColours.grid_lines },
            space: 50,
            incrs: [60, 120, 300, 600],
            values: (_u, splits) => {
              const labels = splits.map((s) => timeTick(s, kTrendWindowS));
              container.dataset.xTicks = labels.join("|");
              return labels;
            },
          },
          {
            stroke: kColours.axis,
            grid: { stroke: kColours.grid_lines },
            ticks: { stroke: kColours.grid_lines },
            size: 70,
            values: (_u, ticks) => ticks.map((v) => formatPower(v)),
          },
        ],
        cursor: { drag: { x: false, y: false } },
      },
      this.columns(),
      this.container,
    );
  }

  private columns(): uPlot.AlignedData {
    return this.withBattery ? data : [data[0], data[1], data[2], data[4]];
  }

  render(): void {
    if (!this.plot || this.withBattery !== hasBattery) {
      this.plot?.destroy();
      this.withBattery = hasBattery;
      this.plot = this.create();
      this.plot.ctx.canvas.setAttribute("role", "img");
      this.plot.ctx.canvas.setAttribute("aria-label", t("ov.trend.aria"));
    } else {
      this.plot.setData(this.columns());
    }
    const xs = data[0];
    this.container.dataset.points = String(xs.length);
    if (xs.length > 0) {
      const end = xs[xs.length - 1];
      this.container.dataset.xMin = String(end - kTrendWindowS);
      this.container.dataset.xMax = String(end);
    }
  }
}
