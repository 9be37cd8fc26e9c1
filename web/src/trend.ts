// A rolling chart of the last ten minutes of grid, solar and home power,
// built from the live values as they arrive (uPlot).
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatPower, type Flows } from "./flow";

const WINDOW_S = 600;

export class Trend {
  private readonly data: [number[], number[], number[], number[]] = [[], [], [], []];
  private readonly plot: uPlot;

  constructor(container: HTMLElement) {
    this.plot = new uPlot(
      {
        width: Math.max(200, container.clientWidth || 300),
        height: 220,
        series: [
          {},
          { label: "Grid", stroke: "#6b7280", width: 2, value: (_u, v) => (v == null ? "–" : `${v.toFixed(0)} W`) },
          { label: "Solar", stroke: "#d97706", width: 2, value: (_u, v) => (v == null ? "–" : `${v.toFixed(0)} W`) },
          { label: "Home", stroke: "#2563eb", width: 2, value: (_u, v) => (v == null ? "–" : `${v.toFixed(0)} W`) },
        ],
        axes: [{}, { size: 64, values: (_u, ticks) => ticks.map((t) => formatPower(t)) }],
      },
      this.data,
      container,
    );
    // Follow the card's width (phone rotation, window resize).
    new ResizeObserver(() => {
      const width = Math.max(200, container.clientWidth);
      if (width !== this.plot.width) {
        this.plot.setSize({ width, height: 220 });
      }
    }).observe(container);
  }

  add(time_ms: number, f: Flows): void {
    const t = time_ms / 1000;
    const [xs, grid, solar, home] = this.data;
    if (xs.length > 0 && t <= xs[xs.length - 1]) {
      return; // the same snapshot polled twice
    }
    xs.push(t);
    grid.push(f.grid_w);
    solar.push(f.solar_w);
    home.push(f.home_w);
    while (xs.length > 0 && xs[0] < t - WINDOW_S) {
      for (const series of this.data) {
        series.shift();
      }
    }
    this.plot.setData(this.data);
  }
}
