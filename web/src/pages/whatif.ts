// What if (installers): the house's recorded history replayed with other
// equipment or settings (docs/whatif.md). The daemon runs it in the
// background (POST /api/v1/whatif); this page asks for it, follows its
// progress once a second while it runs (also after a reload: the state is
// read on show) and shows the result: how well the baseline reproduces the
// recorded grid energy, each variant's figures with the best one marked, the
// savings per year against the varied size, and the HTML report.
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import "../whatif.css";
import { ApiError, installation, whatifCancel, whatifStart, whatifStatus } from "../api";
import { formatEnergyKwh, formatMoney, formatNumber, formatPercent } from "../format";
import { language, locale, t, translateDom } from "../i18n";
import "../strings/whatif";
import type { Page } from "./page";

interface Kpis {
  import_kwh?: number;
  export_kwh?: number;
  self_sufficiency_pct?: number | null;
  cost?: number;
  savings?: number;
  savings_per_year?: number | null;
  investment?: number | null;
  payback_years?: number | null;
}
interface Variant {
  set: Record<string, number | string | boolean>;
  kpis: Kpis;
}
interface Result {
  period?: { from: string; to: string; days: number };
  recorded?: { import_kwh: number; export_kwh: number };
  baseline?: { kpis: Kpis; import_error_pct: number | null; export_error_pct: number | null; reproduces_recorded: boolean };
  variants: Variant[];
  best?: number | null;
  currency?: string;
}
interface Status {
  state: "idle" | "running" | "done" | "failed" | "cancelled";
  has_result?: boolean;
  user?: string;
  started_at?: string;
  elapsed_s?: number;
  phase?: string;
  percent?: number;
  cancelling?: boolean;
  error?: string;
  result?: Result;
  request?: { from?: unknown; to?: unknown; vary?: Record<string, unknown[]>; capex?: Record<string, number> };
}

// Keys of the form's value fields and their price fields.
const kNumericKeys = [
  { key: "battery.capacity_kwh", id: "battery", capex: "capex-battery" },
  { key: "battery.power_kw", id: "power", capex: "capex-power" },
  { key: "solar.kwp", id: "pv", capex: "capex-pv" },
] as const;
// The engine's tolerance for the baseline's reproduction of the recording.
const kToleranceOk = 0.5;

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(`whatif-${id}`) as T;

function markup(): string {
  const field = (id: string, key: string, hint = "") =>
    `<div class="field"><label for="whatif-${id}" data-i18n="${key}"></label>` +
    `<input id="whatif-${id}" type="text" inputmode="decimal" autocomplete="off" aria-describedby="whatif-values-hint${hint ? ` whatif-${hint}` : ""}">` +
    (hint ? `<span class="meta" id="whatif-${hint}"></span>` : "") +
    `</div>`;
  const price = (id: string, key: string) =>
    `<div class="field"><label for="whatif-${id}" data-i18n="${key}"></label><input id="whatif-${id}" type="number" min="0" step="any" inputmode="decimal"></div>`;
  return `
  <article class="card wide" aria-labelledby="whatif-title">
    <h2 id="whatif-title" data-i18n="wi.title"></h2>
    <p class="meta" data-i18n="wi.intro"></p>
    <form id="whatif-form" novalidate>
      <fieldset>
        <legend data-i18n="wi.period"></legend>
        <div class="choices">
          <label><input type="radio" name="whatif-period" value="30" checked> <span data-i18n="wi.period.30"></span></label>
          <label><input type="radio" name="whatif-period" value="365"> <span data-i18n="wi.period.365"></span></label>
          <label><input type="radio" name="whatif-period" value="custom"> <span data-i18n="wi.period.custom"></span></label>
        </div>
        <div class="dates" id="whatif-dates" hidden>
          <div class="field"><label for="whatif-from" data-i18n="wi.from"></label><input id="whatif-from" type="date"></div>
          <div class="field"><label for="whatif-to" data-i18n="wi.to"></label><input id="whatif-to" type="date"></div>
        </div>
      </fieldset>
      <fieldset>
        <legend data-i18n="wi.vary"></legend>
        <p class="meta" id="whatif-values-hint"></p>
        <div class="fields">
          ${field("battery", "wi.battery", "battery-now")}
          ${field("power", "wi.power")}
          ${field("pv", "wi.pv", "pv-now")}
          <div class="field"><label for="whatif-tariff" data-i18n="wi.tariff"></label><input id="whatif-tariff" type="text" autocomplete="off" aria-describedby="whatif-tariff-hint"><span class="meta" id="whatif-tariff-hint" data-i18n="wi.tariff.hint"></span></div>
        </div>
        <div class="choices">
          <span class="label" id="whatif-strategy-label" data-i18n="wi.strategy"></span>
          <label><input type="checkbox" id="whatif-strategy-none" aria-describedby="whatif-strategy-label"> <span data-i18n="wi.strategy.none"></span></label>
          <label><input type="checkbox" id="whatif-strategy-managed" aria-describedby="whatif-strategy-label"> <span data-i18n="wi.strategy.managed"></span></label>
        </div>
        <div class="choices">
          <label><input type="checkbox" id="whatif-heatpump"> <span data-i18n="wi.heatpump"></span></label>
        </div>
      </fieldset>
      <fieldset>
        <legend data-i18n="wi.capex"></legend>
        <div class="fields">
          ${price("capex-battery", "wi.capex.battery")}
          ${price("capex-power", "wi.capex.power")}
          ${price("capex-pv", "wi.capex.pv")}
        </div>
      </fieldset>
      <div class="controls">
        <button type="submit" id="whatif-run" data-i18n="wi.run"></button>
        <span id="whatif-message" role="status"></span>
      </div>
    </form>
  </article>
  <article class="card wide" id="whatif-progress-card" aria-labelledby="whatif-progress-title" hidden>
    <h2 id="whatif-progress-title" data-i18n="wi.running"></h2>
    <progress id="whatif-progress" max="100" value="0" aria-labelledby="whatif-progress-title" aria-describedby="whatif-progress-text"></progress>
    <p id="whatif-progress-text" aria-live="polite"></p>
    <div class="controls"><button type="button" id="whatif-cancel" data-i18n="wi.cancel"></button></div>
  </article>
  <article class="card wide" id="whatif-result-card" aria-labelledby="whatif-result-title" hidden>
    <h2 id="whatif-result-title" data-i18n="wi.result"></h2>
    <p class="meta" id="whatif-period-text"></p>
    <p id="whatif-baseline"></p>
    <p class="warning" id="whatif-warning" hidden></p>
    <div class="scroll" id="whatif-table-wrap" role="region" tabindex="0" data-i18n-aria-label="wi.table.region">
      <table id="whatif-table">
        <caption data-i18n="wi.table.caption"></caption>
        <thead></thead>
        <tbody></tbody>
      </table>
    </div>
    <h3 id="whatif-chart-title" data-i18n="wi.chart"></h3>
    <div id="whatif-chart"></div>
    <p id="whatif-chart-none" class="meta" data-i18n="wi.chart.none" hidden></p>
    <p><a id="whatif-report" href="/api/v1/whatif/report" download="kirchhoff-whatif.html" data-i18n="wi.report" hidden></a></p>
  </article>`;
}

// "0 5 10 15", "0; 5; 7,5" (a decimal comma in nl, fr, de), "0, 5, 10" (en).
export function parseValues(text: string, lang = language()): number[] | undefined {
  const separators = lang === "en" ? /[\s;,]+/ : /[\s;]+/;
  const tokens = text.trim().split(separators).filter((s) => s !== "");
  const values = tokens.map((s) => Number(lang === "en" ? s : s.replace(",", ".")));
  return values.some((v) => !Number.isFinite(v) || v < 0) ? undefined : values;
}

function valuesText(values: number[]): string {
  return values.map((v) => formatNumber(v, Number.isInteger(v) ? 0 : 1)).join(language() === "en" ? ", " : "; ");
}

function keyLabel(key: string): string {
  const labels: Record<string, () => string> = {
    "battery.capacity_kwh": () => `${t("wi.col.battery")} (kWh)`,
    "battery.power_kw": () => `${t("wi.col.power")} (kW)`,
    "solar.kwp": () => `${t("wi.col.pv")} (kWp)`,
    strategy: () => t("wi.col.strategy"),
    tariff: () => t("wi.col.tariff"),
    heatpump: () => t("wi.col.heatpump"),
  };
  return labels[key]?.() ?? key;
}

function valueLabel(key: string, value: number | string | boolean): string {
  if (typeof value === "number") {
    return formatNumber(value, Number.isInteger(value) ? 0 : 1);
  }
  if (key === "strategy" && (value === "none" || value === "managed")) {
    return t(value === "none" ? "wi.strategy.none" : "wi.strategy.managed");
  }
  if (key === "heatpump") {
    return t(value === "yes" || value === true ? "wi.yes" : "wi.no");
  }
  return String(value);
}

// Local midnight of a date input's value, as UTC text for the API.
function isoOfDate(value: string, plusDays = 0): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) {
    return undefined;
  }
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays);
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

class WhatIfPage implements Page {
  private built = false;
  private timer: number | undefined;
  private status: Status | undefined;
  private chart: uPlot | undefined;
  private message: () => string = () => "";
  private reportRoute: boolean | undefined;
  // The form shows the request of the run on screen once, after a reload.
  private restored = false;

  private build(): void {
    if (this.built) {
      return;
    }
    this.built = true;
    const section = document.querySelector<HTMLElement>(".page[data-page='whatif']")!;
    section.innerHTML = markup();
    translateDom(section);
    this.texts();
    ($("battery") as HTMLInputElement).value = valuesText([0, 5, 10, 15]);
    $<HTMLInputElement>("capex-battery").value = "450";
    $<HTMLInputElement>("capex-pv").value = "1000";
    const today = new Date();
    const monthAgo = new Date(today.getTime() - 30 * 86400_000);
    const day = (d: Date) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    $<HTMLInputElement>("from").value = day(monthAgo);
    $<HTMLInputElement>("to").value = day(today);
    for (const radio of section.querySelectorAll<HTMLInputElement>("input[name='whatif-period']")) {
      radio.addEventListener("change", () => ($("dates").hidden = this.period() !== "custom"));
    }
    $("form").addEventListener("submit", (e) => {
      e.preventDefault();
      void this.run();
    });
    $("cancel").addEventListener("click", () => void this.cancel());
    let resize: number | undefined;
    window.addEventListener("resize", () => {
      window.clearTimeout(resize);
      resize = window.setTimeout(() => this.chart?.setSize({ width: this.chartWidth(), height: 240 }), 150);
    });
    void this.prefill();
  }

  // What the installation has now, beside the fields.
  private async prefill(): Promise<void> {
    const inst = await installation().catch(() => undefined);
    if (!inst) {
      return;
    }
    const sum = (re: RegExp) => [...inst.yaml.matchAll(re)].reduce((s, m) => s + Number(m[1]), 0);
    const battery = sum(/^\s*capacity_kwh:\s*([\d.]+)/gm);
    const kwp = sum(/^\s*kwp:\s*([\d.]+)/gm);
    $("battery-now").dataset.value = String(battery);
    $("pv-now").dataset.value = String(kwp);
    this.texts();
  }

  private texts(): void {
    $("values-hint").textContent = t("wi.values.hint", { example: valuesText([0, 5, 7.5]) });
    const now = (id: string, unit: string) => {
      const el = $(id);
      const v = Number(el.dataset.value ?? "0");
      el.textContent = v > 0 ? t("wi.installed", { value: `${formatNumber(v, Number.isInteger(v) ? 0 : 1)} ${unit}` }) : "";
    };
    now("battery-now", "kWh");
    now("pv-now", "kWp");
  }

  private period(): string {
    return document.querySelector<HTMLInputElement>("input[name='whatif-period']:checked")?.value ?? "30";
  }

  // The request of the form, or a message saying what is wrong.
  private request(): { body?: Record<string, unknown>; error?: string } {
    const body: Record<string, unknown> = {};
    const period = this.period();
    if (period === "custom") {
      const from = isoOfDate($<HTMLInputElement>("from").value);
      const to = isoOfDate($<HTMLInputElement>("to").value, 1);
      if (!from || !to || to <= from) {
        return { error: t("wi.error.dates") };
      }
      body.from = from;
      body.to = to;
    } else {
      const days = Number(period);
      const start = new Date();
      start.setHours(0, 0, 0, 0);
      start.setDate(start.getDate() - days);
      body.from = start.toISOString().replace(/\.\d{3}Z$/, "Z");
    }
    const vary: Record<string, unknown[]> = {};
    const capex: Record<string, number> = {};
    for (const { key, id, capex: priceId } of kNumericKeys) {
      const text = $<HTMLInputElement>(id).value;
      if (text.trim() === "") {
        continue;
      }
      const values = parseValues(text);
      if (!values || values.length === 0) {
        return { error: t("wi.error.values", { field: keyLabel(key) }) };
      }
      vary[key] = values;
      const price = $<HTMLInputElement>(priceId).valueAsNumber;
      if (Number.isFinite(price) && price > 0) {
        capex[key] = price;
      }
    }
    const tariffs = $<HTMLInputElement>("tariff").value.split(/[\s;,]+/).filter((s) => s !== "");
    if (tariffs.length > 0) {
      vary.tariff = tariffs;
    }
    const strategies = ["none", "managed"].filter((s) => $<HTMLInputElement>(`strategy-${s}`).checked);
    if (strategies.length > 0) {
      vary.strategy = strategies;
    }
    if ($<HTMLInputElement>("heatpump").checked) {
      vary.heatpump = ["no", "yes"];
    }
    if (Object.keys(vary).length > 0) {
      body.vary = vary;
    }
    if (Object.keys(capex).length > 0) {
      body.capex = capex;
    }
    return { body };
  }

  // The form as the run shown was asked for (after a reload, or a run
  // another installer started).
  private restoreForm(request: Status["request"]): void {
    if (!request) {
      return;
    }
    const date = (iso: string, minusMs = 0) => {
      const d = new Date(Date.parse(iso) - minusMs);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    };
    if (typeof request.from === "string" && typeof request.to === "string") {
      document.querySelector<HTMLInputElement>("input[name='whatif-period'][value='custom']")!.checked = true;
      $("dates").hidden = false;
      $<HTMLInputElement>("from").value = date(request.from);
      $<HTMLInputElement>("to").value = date(request.to, 1);
    }
    const vary = request.vary ?? {};
    for (const { key, id, capex } of kNumericKeys) {
      const values = vary[key];
      $<HTMLInputElement>(id).value = Array.isArray(values) ? valuesText(values.map(Number)) : "";
      const price = request.capex?.[key];
      if (price !== undefined) {
        $<HTMLInputElement>(capex).value = String(price);
      }
    }
    $<HTMLInputElement>("tariff").value = Array.isArray(vary.tariff) ? vary.tariff.join(" ") : "";
    for (const s of ["none", "managed"]) {
      $<HTMLInputElement>(`strategy-${s}`).checked = Array.isArray(vary.strategy) && vary.strategy.includes(s);
    }
    $<HTMLInputElement>("heatpump").checked = Array.isArray(vary.heatpump);
  }

  private say(text: () => string, kind = ""): void {
    this.message = text;
    const el = $("message");
    el.textContent = text();
    el.className = kind;
  }

  private async run(): Promise<void> {
    const { body, error } = this.request();
    if (!body) {
      this.say(() => error ?? "", "error");
      return;
    }
    $<HTMLButtonElement>("run").disabled = true;
    try {
      const status = await whatifStart<Status>(body);
      this.say(() => "");
      this.render(status);
      this.poll();
    } catch (e) {
      const text = e instanceof ApiError ? e.message : String(e);
      this.say(() => t("wi.error.start", { error: text }), "error");
      $<HTMLButtonElement>("run").disabled = false;
    }
  }

  private async cancel(): Promise<void> {
    $<HTMLButtonElement>("cancel").disabled = true;
    await whatifCancel<Status>().catch(() => undefined);
    await this.refresh();
  }

  private async refresh(): Promise<void> {
    try {
      const status = await whatifStatus<Status>();
      if (!this.restored) {
        this.restored = true;
        this.restoreForm(status.request);
      }
      this.render(status);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        this.say(() => t("wi.unavailable"), "error");
        return;
      }
    }
    this.poll();
  }

  // Once a second while a run is going (and the page on screen).
  private poll(): void {
    window.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.status?.state === "running") {
      this.timer = window.setTimeout(() => void this.refresh(), 1000);
    }
  }

  private render(status: Status): void {
    const was = this.status;
    this.status = status;
    const running = status.state === "running";
    $<HTMLButtonElement>("run").disabled = running;
    $("progress-card").hidden = !running;
    if (running) {
      const pct = status.percent ?? 0;
      $<HTMLProgressElement>("progress").value = pct;
      $("progress-card").dataset.percent = String(pct);
      $("progress-text").textContent = t("wi.progress", {
        percent: formatNumber(pct, 0),
        phase: t(status.phase === "reading" ? "wi.phase.reading" : status.phase === "finishing" ? "wi.phase.finishing" : "wi.phase.replaying"),
        elapsed: formatNumber(status.elapsed_s ?? 0, 0),
        user: status.user ?? "",
      });
      $<HTMLButtonElement>("cancel").disabled = status.cancelling === true;
    } else {
      $<HTMLButtonElement>("cancel").disabled = false;
    }
    if (status.state === "failed") {
      this.say(() => t("wi.failed", { error: status.error ?? "" }), "error");
    } else if (status.state === "cancelled") {
      this.say(() => t("wi.cancelled"));
    } else if (status.state === "done" && was?.state === "running") {
      this.say(() => t("wi.done", { elapsed: formatNumber(status.elapsed_s ?? 0, 0) }), "ok");
    }
    $("result-card").hidden = !(status.state === "done" && status.result);
    if (status.state === "done" && status.result && (!was || was.result !== status.result)) {
      this.showResult(status.result);
    }
  }

  private showResult(r: Result): void {
    const currency = r.currency ?? "EUR";
    const card = $("result-card");
    if (r.period) {
      const d = (ms: number) => new Date(ms).toLocaleDateString(locale());
      $("period-text").textContent = t("wi.periodText", {
        from: d(Date.parse(r.period.from)),
        // The period ends before `to`: the last day shown is the one before.
        to: d(Date.parse(r.period.to) - 1),
        days: formatNumber(r.period.days, r.period.days < 10 ? 1 : 0),
      });
    }
    const base = r.baseline;
    const rec = r.recorded;
    const baseline = $("baseline");
    const warning = $("warning");
    if (base && rec) {
      const pct = (v: number | null) => (v == null ? "–" : `${v > 0 ? "+" : ""}${formatNumber(v, 2)} %`);
      baseline.textContent = t("wi.baseline", {
        recImport: formatEnergyKwh(rec.import_kwh),
        recExport: formatEnergyKwh(rec.export_kwh),
        import: formatEnergyKwh(base.kpis.import_kwh ?? NaN),
        export: formatEnergyKwh(base.kpis.export_kwh ?? NaN),
        importError: pct(base.import_error_pct),
        exportError: pct(base.export_error_pct),
      });
      baseline.dataset.importErrorPct = String(base.import_error_pct);
      baseline.dataset.exportErrorPct = String(base.export_error_pct);
      const off =
        !base.reproduces_recorded ||
        Math.abs(base.import_error_pct ?? 0) > kToleranceOk ||
        Math.abs(base.export_error_pct ?? 0) > kToleranceOk;
      warning.hidden = !off;
      warning.textContent = off ? t("wi.warning") : "";
    }
    // One column per varied key, in the order of the first variant's set.
    const keys = r.variants.length > 0 ? Object.keys(r.variants[0].set) : [];
    const head = document.createElement("tr");
    for (const text of [...keys.map(keyLabel), t("wi.col.import"), t("wi.col.export"), t("wi.col.selfSufficiency"), t("wi.col.cost"), t("wi.col.savings"), t("wi.col.payback")]) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = text;
      head.append(th);
    }
    $("table").querySelector("thead")!.replaceChildren(head);
    const cell = (text: string, num = true) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (num) {
        td.className = "num";
      }
      return td;
    };
    const row = (label: HTMLElement[], k: Kpis) => {
      const tr = document.createElement("tr");
      tr.append(
        ...label,
        cell(formatEnergyKwh(k.import_kwh ?? NaN)),
        cell(formatEnergyKwh(k.export_kwh ?? NaN)),
        cell(formatPercent(k.self_sufficiency_pct)),
        cell(formatMoney(k.cost, currency)),
        cell(k.savings_per_year === undefined ? "" : formatMoney(k.savings_per_year, currency)),
        cell(k.payback_years == null ? "–" : t("wi.years", { years: formatNumber(k.payback_years, 1) })),
      );
      return tr;
    };
    const rows: HTMLTableRowElement[] = [];
    if (base) {
      const th = document.createElement("th");
      th.scope = "row";
      th.colSpan = Math.max(1, keys.length);
      th.textContent = t("wi.asInstalled");
      const tr = row([th], base.kpis);
      tr.className = "baseline";
      tr.dataset.baseline = "";
      rows.push(tr);
    }
    r.variants.forEach((v, i) => {
      const labels = keys.map((key, k) => {
        const el = document.createElement(k === 0 ? "th" : "td");
        if (k === 0) {
          (el as HTMLTableCellElement).scope = "row";
        }
        el.textContent = valueLabel(key, v.set[key]);
        return el;
      });
      const tr = row(labels, v.kpis);
      tr.dataset.variant = String(i);
      tr.dataset.set = JSON.stringify(v.set);
      tr.dataset.savingsPerYear = String(v.kpis.savings_per_year ?? "");
      if (i === r.best) {
        tr.classList.add("best");
        tr.dataset.best = "";
        const mark = document.createElement("span");
        mark.className = "best-mark";
        mark.textContent = ` ${t("wi.best")}`;
        (tr.firstElementChild as HTMLElement).append(mark);
      }
      rows.push(tr);
    });
    $("table").querySelector("tbody")!.replaceChildren(...rows);
    card.dataset.currency = currency;
    this.drawChart(r, keys, currency);
    void this.showReportLink();
  }

  // Savings per year against the first numeric key varied, one line per
  // combination of the other keys.
  private drawChart(r: Result, keys: string[], currency: string): void {
    this.chart?.destroy();
    this.chart = undefined;
    const el = $("chart");
    const xKey = keys.find((k) => r.variants.every((v) => typeof v.set[k] === "number"));
    const usable = xKey !== undefined && r.variants.some((v) => v.kpis.savings_per_year != null);
    $("chart-none").hidden = usable;
    el.hidden = !usable;
    $("chart-title").hidden = !usable;
    if (!usable || xKey === undefined) {
      return;
    }
    const xs = [...new Set(r.variants.map((v) => v.set[xKey] as number))].sort((a, b) => a - b);
    const groups = new Map<string, (number | null)[]>();
    for (const v of r.variants) {
      const rest = keys.filter((k) => k !== xKey).map((k) => `${keyLabel(k)}: ${valueLabel(k, v.set[k])}`).join(", ");
      const line = groups.get(rest) ?? xs.map(() => null);
      line[xs.indexOf(v.set[xKey] as number)] = v.kpis.savings_per_year ?? null;
      groups.set(rest, line);
    }
    const muted = getComputedStyle(document.documentElement).getPropertyValue("--muted").trim() || "#6b7280";
    const colours = ["#2563eb", "#d97706", "#16a34a", "#dc2626", "#7c3aed", "#0891b2"];
    const names = [...groups.keys()];
    this.chart = new uPlot(
      {
        width: this.chartWidth(),
        height: 240,
        legend: { show: names.length > 1 },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false } },
        series: [
          { label: keyLabel(xKey) },
          ...names.map((name, i) => ({
            label: name || t("wi.col.savings"),
            stroke: colours[i % colours.length],
            width: 2,
            points: { show: true, size: 8 },
            value: (_u: uPlot, v: number | null) => (v == null ? "–" : formatMoney(v, currency)),
          })),
        ],
        axes: [
          { stroke: muted, label: keyLabel(xKey), values: (_u, ticks) => ticks.map((v) => formatNumber(v, Number.isInteger(v) ? 0 : 1)) },
          { stroke: muted, size: 84, values: (_u, ticks) => ticks.map((v) => formatMoney(v, currency)) },
        ],
      },
      [xs, ...groups.values()] as uPlot.AlignedData,
      el,
    );
    const canvas = el.querySelector("canvas");
    canvas?.setAttribute("role", "img");
    canvas?.setAttribute("aria-label", t("wi.chart.label", { key: keyLabel(xKey) }));
  }

  private chartWidth(): number {
    return Math.max(200, $("chart").clientWidth || $("result-card").clientWidth - 32 || 300);
  }

  // The report's link, when this daemon renders reports (its API describes
  // the route).
  private async showReportLink(): Promise<void> {
    if (this.reportRoute === undefined) {
      const spec = await fetch("/api/v1/openapi.json")
        .then((r) => r.json() as Promise<{ paths?: Record<string, unknown> }>)
        .catch(() => ({ paths: {} as Record<string, unknown> }));
      this.reportRoute = spec.paths?.["/api/v1/whatif/report"] !== undefined;
    }
    $("report").hidden = !this.reportRoute;
  }

  show(): void {
    this.build();
    void this.refresh();
  }

  hide(): void {
    window.clearTimeout(this.timer);
    this.timer = undefined;
  }

  language(): void {
    if (!this.built) {
      return;
    }
    translateDom(document.querySelector<HTMLElement>(".page[data-page='whatif']")!);
    this.texts();
    $("message").textContent = this.message();
    const status = this.status;
    if (status) {
      this.status = undefined;
      this.render(status);
    }
  }
}

export const whatifPage: Page = new WhatIfPage();
