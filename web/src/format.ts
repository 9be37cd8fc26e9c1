// Numbers as people read them: power in W, kW or MW and energy in Wh, kWh or
// MWh by magnitude, money in the site's currency, times and dates, all in the
// dashboard's language (decimal comma in nl, fr and de).
import { locale } from "./i18n";

const formatters = new Map<string, Intl.NumberFormat>();

function number(value: number, digits: number): string {
  const key = `${locale()}|${digits}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits });
    formatters.set(key, f);
  }
  return f.format(value);
}

// Three significant figures at most, never fewer decimals than needed to tell
// 1.25 kW from 1.2 kW: 850 W, 1.25 kW, 12.5 kW, 125 kW, 1.25 MW.
function scaled(value: number, units: [string, string, string]): string {
  if (!Number.isFinite(value)) {
    return "–";
  }
  const a = Math.abs(value);
  if (a < 1000) {
    return `${number(value, 0)} ${units[0]}`;
  }
  const [v, unit] = a < 1e6 ? [value / 1000, units[1]] : [value / 1e6, units[2]];
  const av = Math.abs(v);
  return `${number(v, av >= 100 ? 0 : av >= 10 ? 1 : 2)} ${unit}`;
}

export function formatPower(w: number): string {
  return scaled(w, ["W", "kW", "MW"]);
}

export function formatReactivePower(v: number): string {
  return scaled(v, ["var", "kvar", "Mvar"]);
}

export function formatEnergyWh(wh: number): string {
  return scaled(wh, ["Wh", "kWh", "MWh"]);
}

export function formatEnergyKwh(kwh: number): string {
  return formatEnergyWh(kwh * 1000);
}

export function formatNumber(value: number, digits = 0): string {
  return Number.isFinite(value) ? number(value, digits) : "–";
}

export function formatPercent(pct: number | null | undefined): string {
  return pct == null || !Number.isFinite(pct) ? "–" : `${number(pct, 0)} %`;
}

export function formatMoney(amount: number | null | undefined, currency = "EUR"): string {
  if (amount == null || !Number.isFinite(amount)) {
    return "–";
  }
  return new Intl.NumberFormat(locale(), { style: "currency", currency }).format(amount);
}

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(locale());
}

export function formatDateTime(ms: number): string {
  return new Date(ms).toLocaleString(locale());
}

// A tick label for a time axis spanning `span_s` seconds: seconds for a
// minute, hours and minutes within a day, days within a few months, months
// beyond. uPlot calls it with each tick's unix seconds.
export function timeTick(t_s: number, span_s: number): string {
  const d = new Date(t_s * 1000);
  const lc = locale();
  if (span_s <= 120) {
    return d.toLocaleTimeString(lc, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }
  if (span_s <= 2 * 86400) {
    return d.toLocaleTimeString(lc, { hour: "2-digit", minute: "2-digit" });
  }
  if (span_s <= 120 * 86400) {
    return d.toLocaleDateString(lc, { day: "numeric", month: "short" });
  }
  return d.toLocaleDateString(lc, { month: "short", year: "numeric" });
}
