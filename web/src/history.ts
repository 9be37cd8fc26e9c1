// The history card: a load's power over an hour, day, week, month or year
// from the history store (raw points or the rollup the daemon picks for the
// range), drawn with uPlot; zoom by dragging across the chart, double-click
// to reset. The CSV link downloads the same range.
import uPlot from "uplot";
import { history, historyUrl, type Snapshot } from "./api";
import { formatPower } from "./flow";

export class HistoryCard {
  private plot: uPlot | undefined;
  private rangeS = 86400;
  private loaded = false;

  constructor(
    private readonly select: HTMLSelectElement,
    private readonly chart: HTMLElement,
    private readonly meta: HTMLElement,
    private readonly csv: HTMLAnchorElement,
    buttons: NodeListOf<HTMLButtonElement>,
  ) {
    buttons.forEach((b) =>
      b.addEventListener("click", () => {
        this.rangeS = Number(b.dataset.range);
        void this.load();
      }),
    );
    select.addEventListener("change", () => void this.load());
  }

  // Fills the load list from the first snapshot, then draws.
  offer(snapshot: Snapshot): void {
    if (this.loaded) {
      return;
    }
    this.loaded = true;
    for (const load of snapshot.loads) {
      const option = document.createElement("option");
      option.value = `load/${load.name}/p_w`;
      option.textContent = load.name;
      this.select.appendChild(option);
    }
    void this.load();
  }

  async load(): Promise<void> {
    const series = this.select.value;
    if (!series) {
      return;
    }
    const to = Date.now() / 1000;
    const from = to - this.rangeS;
    this.csv.href = historyUrl(series, from, to, "csv");
    try {
      const data = await history(series, from, to);
      const xs = data.rows.map((r) => r[0] / 1000);
      const ys = data.rows.map((r) => r[1]);
      this.meta.textContent = `${data.rows.length} ${data.step === "raw" ? "points" : `${data.step} means`}`;
      this.chart.dataset.points = String(data.rows.length);
      const width = Math.max(200, this.chart.clientWidth || 300);
      if (!this.plot) {
        this.plot = new uPlot(
          {
            width,
            height: 240,
            cursor: { drag: { x: true, y: false } },
            series: [{}, { label: this.select.selectedOptions[0]?.textContent ?? "P", stroke: "#2563eb", width: 2 }],
            axes: [{}, { size: 64, values: (_u, ticks) => ticks.map((t) => formatPower(t)) }],
          },
          [xs, ys],
          this.chart,
        );
        new ResizeObserver(() => {
          const w = Math.max(200, this.chart.clientWidth);
          if (this.plot && w !== this.plot.width) {
            this.plot.setSize({ width: w, height: 240 });
          }
        }).observe(this.chart);
      } else {
        this.plot.setData([xs, ys]);
      }
    } catch (e) {
      this.meta.textContent = e instanceof Error ? e.message : "history not available";
    }
  }
}
