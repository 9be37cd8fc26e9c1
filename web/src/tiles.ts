// The overview's tiles: import or export now (the grid's live power), import,
// export and solar today, self-sufficiency and self-consumption today, cost
// (or earnings) today and this month, and the month's capacity peak against
// its limit. The day's and month's figures are the daemon's own
// (GET /api/v1/summary, computed in the site's time zone), fetched when the
// page comes on screen and every 60 s while it stays there; a figure the
// daemon does not give (null, or a daemon without the summary) shows "–".
import { ApiError, summary, type Summary, type SummaryPeriod } from "./api";
import { formatDateTime, formatEnergyKwh, formatMoney, formatPercent, formatPower } from "./format";
import { t } from "./i18n";
import type { Key } from "./strings/index";

const kRefreshMs = 60_000;
const kDash = "–";

type TileId =
  | "grid_now"
  | "import_today"
  | "export_today"
  | "solar_today"
  | "self_sufficiency"
  | "self_consumption"
  | "cost_today"
  | "cost_month"
  | "peak_month";

const kTiles: TileId[] = [
  "grid_now",
  "import_today",
  "export_today",
  "solar_today",
  "self_sufficiency",
  "self_consumption",
  "cost_today",
  "cost_month",
  "peak_month",
];

interface Tile {
  el: HTMLDivElement;
  label: HTMLSpanElement;
  value: HTMLSpanElement;
  sub: HTMLSpanElement;
  meter?: HTMLDivElement;
}

const energy = (kwh: number | null | undefined) => (kwh == null || !Number.isFinite(kwh) ? kDash : formatEnergyKwh(kwh));
const power = (kw: number | null | undefined) => (kw == null || !Number.isFinite(kw) ? kDash : formatPower(kw * 1000));

export class Tiles {
  private readonly tiles = new Map<TileId, Tile>();
  private data: Summary | null = null;
  private unavailable = false; // the daemon has no summary (404)
  private gridW: number | null = null;
  private timer: number | undefined;
  private onScreen = false;
  private loading = false;

  constructor(
    private readonly box: HTMLElement,
    private readonly note: HTMLElement,
  ) {
    for (const id of kTiles) {
      const el = document.createElement("div");
      el.className = "tile";
      el.dataset.tile = id;
      const label = document.createElement("span");
      label.className = "tile-label";
      const value = document.createElement("span");
      value.className = "tile-value";
      const sub = document.createElement("span");
      sub.className = "tile-sub";
      el.append(label, value, sub);
      const tile: Tile = { el, label, value, sub };
      if (id === "peak_month") {
        const meter = document.createElement("div");
        meter.className = "tile-meter";
        meter.setAttribute("aria-hidden", "true");
        meter.append(document.createElement("div"));
        el.append(meter);
        tile.meter = meter;
      }
      this.tiles.set(id, tile);
      box.append(el);
    }
    document.addEventListener("visibilitychange", () => {
      if (this.onScreen && document.visibilityState === "visible") {
        void this.refresh();
      }
    });
    this.render();
  }

  show(): void {
    this.onScreen = true;
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => {
      if (document.visibilityState === "visible") {
        void this.refresh();
      }
    }, kRefreshMs);
    void this.refresh();
  }

  hide(): void {
    this.onScreen = false;
    window.clearInterval(this.timer);
    this.timer = undefined;
  }

  live(grid_w: number | null): void {
    this.gridW = grid_w;
    this.renderGrid();
  }

  async refresh(): Promise<void> {
    if (this.loading) {
      return;
    }
    this.loading = true;
    try {
      this.data = await summary();
      this.unavailable = false;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        this.data = null;
        this.unavailable = true;
      } else if (!(e instanceof ApiError && e.status === 401)) {
        // Keep the last figures; the next refresh tries again.
      }
    } finally {
      this.loading = false;
    }
    this.render();
  }

  private set(id: TileId, label: Key, value: string, sub = "", params: Record<string, string> = {}): void {
    const tile = this.tiles.get(id)!;
    tile.label.textContent = t(label, params);
    tile.value.textContent = value;
    tile.sub.textContent = sub;
    tile.el.dataset.empty = String(value === kDash);
  }

  private renderGrid(): void {
    const w = this.gridW;
    if (w === null) {
      this.set("grid_now", "ov.tile.gridNow", kDash);
    } else if (w <= -5) {
      this.set("grid_now", "ov.tile.exportNow", formatPower(-w));
    } else {
      this.set("grid_now", "ov.tile.importNow", formatPower(Math.max(0, w)));
    }
    this.tiles.get("grid_now")!.el.dataset.direction = w === null || Math.abs(w) < 5 ? "idle" : w < 0 ? "export" : "import";
  }

  // Cost, or earnings when the period's net cost is negative.
  private money(id: TileId, p: SummaryPeriod | undefined, cost: Key, earnings: Key): void {
    const currency = this.data?.currency ?? "EUR";
    const net = p?.net_cost ?? null;
    const parts: string[] = [];
    if (p?.import_cost != null) {
      parts.push(t("ov.tile.importCost", { amount: formatMoney(p.import_cost, currency) }));
    }
    if (p?.export_earnings != null) {
      parts.push(t("ov.tile.exportEarnings", { amount: formatMoney(p.export_earnings, currency) }));
    }
    const sub = parts.join(" · ");
    if (net !== null && net < 0) {
      this.set(id, earnings, formatMoney(-net, currency), sub);
      this.tiles.get(id)!.el.dataset.sign = "earnings";
    } else {
      this.set(id, cost, formatMoney(net, currency), sub);
      this.tiles.get(id)!.el.dataset.sign = "cost";
    }
  }

  render(): void {
    this.renderGrid();
    const today = this.data?.today;
    const month = this.data?.month;
    this.set("import_today", "ov.tile.importToday", energy(today?.import_kwh));
    this.set("export_today", "ov.tile.exportToday", energy(today?.export_kwh));
    this.set("solar_today", "ov.tile.solarToday", energy(today?.solar_kwh));
    this.set("self_sufficiency", "ov.tile.selfSufficiency", formatPercent(today?.self_sufficiency_pct), t("ov.tile.selfSufficiencyHint"));
    this.set("self_consumption", "ov.tile.selfConsumption", formatPercent(today?.self_consumption_pct), t("ov.tile.selfConsumptionHint"));
    this.money("cost_today", today, "ov.tile.costToday", "ov.tile.earningsToday");
    this.money("cost_month", month, "ov.tile.costMonth", "ov.tile.earningsMonth");
    const cap = month?.capacity ?? null;
    const subs: string[] = [];
    if (cap?.limit_kw != null) {
      subs.push(t("ov.tile.peakLimit", { limit: power(cap.limit_kw) }));
    }
    if (cap?.peak_at) {
      subs.push(formatDateTime(Date.parse(cap.peak_at)));
    }
    this.set("peak_month", "ov.tile.peak", power(cap?.peak_kw), subs.join(" · "));
    const meter = this.tiles.get("peak_month")!.meter!;
    const share = cap?.peak_kw != null && cap.limit_kw ? Math.min(1, cap.peak_kw / cap.limit_kw) : null;
    meter.hidden = share === null;
    const bar = meter.firstElementChild as HTMLElement;
    bar.style.width = `${((share ?? 0) * 100).toFixed(1)}%`;
    bar.className = share !== null && share >= 0.9 ? "high" : "";
    this.note.hidden = !this.unavailable;
    this.note.textContent = this.unavailable ? t("ov.tiles.unavailable") : "";
    this.box.dataset.timeMs = this.data ? String(this.data.time_ms) : "";
  }
}
