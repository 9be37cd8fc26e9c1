// Settings: the language (the header's switch too) and the theme, the
// server's state and the history's disk usage, the tariff, for installers
// the accounts, and for everyone their own password.
import "../settings.css";
import {
  addUser,
  ApiError,
  changePassword,
  historyUsage,
  type HistoryUsage,
  installation,
  prices,
  type Prices,
  removeUser,
  serverHealth,
  type ServerHealth,
  users,
  type Account,
} from "../api";
import { formatNumber } from "../format";
import { language, languageOptions, locale, t, tOr } from "../i18n";
import type { Key } from "../strings/index";
import "../strings/settings";
import type { Page } from "./page";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const kHealthRefreshMs = 10000;

let role = "viewer";
let me = "";
let timer: number | undefined;
let lastHealth: ServerHealth | undefined;
let lastUsage: HistoryUsage | undefined;
let lastPrices: Prices | undefined;
let lastYaml: string | undefined;
let lastAccounts: Account[] | undefined;
// Messages beside the forms, rebuilt when the language changes (an API's
// error text stays as the daemon wrote it).
let accountMessage: () => string = () => "";
let passwordMessage: () => string = () => "";
const darkScheme = window.matchMedia("(prefers-color-scheme: dark)");

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// A definition list of facts; each value carries an English key in
// data-field whatever the language.
function facts(id: string, rows: [field: string, term: string, value: string][]): void {
  $(id).replaceChildren(
    ...rows.flatMap(([field, term, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      dd.dataset.field = field;
      return [dt, dd];
    }),
  );
}

// 807 kB, 46.6 GB: three significant figures, decimal units (as disks are sold).
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) {
    return "–";
  }
  const units = t("set.bytes").split(",");
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${formatNumber(value, digits)} ${units[unit]}`;
}

// "3 d 4 h", "4 h 12 min", "12 min", "45 s": the two largest units.
function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const parts: [number, Key][] = [
    [Math.floor(s / 86400), "set.dur.d"],
    [Math.floor((s % 86400) / 3600), "set.dur.h"],
    [Math.floor((s % 3600) / 60), "set.dur.min"],
    [s % 60, "set.dur.s"],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) {
    return t("set.dur.s", { n: 0 });
  }
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, key]) => t(key, { n }))
    .join(" ");
}

function onOff(value: boolean | undefined, on: Key, off: Key): string {
  return value === undefined ? t("set.unknown") : value ? t(on) : t(off);
}

function renderDisplay(): void {
  const select = $<HTMLSelectElement>("settings-language");
  if (select.options.length === 0) {
    select.replaceChildren(...languageOptions());
  }
  select.value = language();
  $("settings-theme").textContent = t(darkScheme.matches ? "set.themeDark" : "set.themeLight");
}

function renderServer(): void {
  const h = lastHealth;
  if (!h) {
    return;
  }
  facts("settings-server", [
    ["tls", t("set.tls"), onOff(h.tls, "set.on", "set.off")],
    ["local_only", t("set.localOnly"), onOff(h.local_only, "set.yes", "set.no")],
    ["version", t("set.version"), h.version ?? t("set.unknown")],
    ["uptime", t("set.uptime"), h.uptime_s === undefined ? t("set.unknown") : formatDuration(h.uptime_s)],
    ["history", t("set.history"), h.history ? tOr(`set.history.${h.history}`, h.history) : t("set.unknown")],
  ]);
}

function retentionText(retention: string): string {
  if (retention === "forever") {
    return t("set.forever");
  }
  const m = /^(\d+)(d|h|m|min)$/.exec(retention);
  if (!m) {
    return retention;
  }
  const key: Key = m[2] === "d" ? "set.dur.d" : m[2] === "h" ? "set.dur.h" : "set.dur.min";
  return t(key, { n: formatNumber(Number(m[1])) });
}

// A level's resolution: "1 s", "15 min", "1 h", "1 d" (raw is every second).
function levelText(level: string): string {
  return level === "raw" ? t("set.dur.s", { n: 1 }) : retentionText(level);
}

function renderUsage(): void {
  const u = lastUsage;
  if (!u) {
    return;
  }
  const rows: [string, string, string][] = [
    ["file", t("set.fileSize"), formatBytes(u.file_bytes)],
    ["free", t("set.free"), formatBytes(u.free_bytes)],
  ];
  if (u.reusable_bytes) {
    rows.push(["reusable", t("set.reusable"), formatBytes(u.reusable_bytes)]);
  }
  facts("settings-storage", rows);
  $<HTMLTableElement>("settings-levels").tBodies[0].replaceChildren(
    ...u.levels.map((level) => {
      const tr = document.createElement("tr");
      tr.dataset.level = level.level;
      const cells: [string, boolean][] = [
        [levelText(level.level), false],
        [formatNumber(level.points), true],
        [formatBytes(level.bytes), true],
        [level.points > 0 ? formatBytes(level.bytes_per_point) : "–", true],
        [retentionText(level.retention), false],
      ];
      for (const [text, numeric] of cells) {
        const td = document.createElement("td");
        td.textContent = text;
        td.className = numeric ? "num" : "";
        tr.append(td);
      }
      return tr;
    }),
  );
}

// A price per kWh: up to four decimals (dynamic prices have them).
function priceText(amount: number, currency: string): string {
  return new Intl.NumberFormat(locale(), {
    style: "currency",
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: 4,
  }).format(amount);
}

interface Span {
  from_ms: number;
  to_ms: number;
  import: number;
  export: number;
}

// Today's entries (local day), consecutive equal prices merged into spans.
function todaySpans(p: Prices): Span[] {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  const entries = p.prices
    .map((e) => ({ t: Date.parse(e.start), i: e.import_eur_per_kwh, x: e.export_eur_per_kwh }))
    .filter((e) => Number.isFinite(e.t))
    .sort((a, b) => a.t - b.t);
  // The step (15 or 60 min) is the smallest distance between two entries;
  // an entry lasts one step (the API leaves gaps out).
  let step = Infinity;
  for (let k = 1; k < entries.length; k++) {
    step = Math.min(step, entries[k].t - entries[k - 1].t);
  }
  if (!Number.isFinite(step) || step <= 0) {
    step = 900000;
  }
  const spans: Span[] = [];
  for (const e of entries) {
    const from = Math.max(e.t, start.getTime());
    const to = Math.min(e.t + step, end.getTime());
    if (to <= from) {
      continue;
    }
    const last = spans[spans.length - 1];
    if (last && last.to_ms === from && last.import === e.i && last.export === e.x) {
      last.to_ms = to;
    } else {
      spans.push({ from_ms: from, to_ms: to, import: e.i, export: e.x });
    }
  }
  return spans;
}

function hourMinute(ms: number): string {
  return new Date(ms).toLocaleTimeString(locale(), { hour: "numeric", minute: "2-digit" });
}

function renderTariff(): void {
  const p = lastPrices;
  if (p) {
    facts("settings-tariff", [
      ["currency", t("set.currency"), p.currency],
      ["source", t("set.source"), tOr(`set.source.${p.source}`, p.source)],
    ]);
    const spans = todaySpans(p);
    $<HTMLTableElement>("settings-prices").tBodies[0].replaceChildren(
      ...spans.map((s) => {
        const tr = document.createElement("tr");
        // Each time unbroken, so a narrow column breaks at the dash only.
        const time = document.createElement("td");
        const from = document.createElement("span");
        from.textContent = `${hourMinute(s.from_ms)}–`;
        const to = document.createElement("span");
        to.textContent = hourMinute(s.to_ms);
        time.append(from, to);
        tr.append(time);
        const cells: [string, boolean][] = [
          [priceText(s.import, p.currency), true],
          [priceText(s.export, p.currency), true],
        ];
        for (const [text, numeric] of cells) {
          const td = document.createElement("td");
          td.textContent = text;
          td.className = numeric ? "num" : "";
          tr.append(td);
        }
        return tr;
      }),
    );
    $("settings-prices-wrap").hidden = spans.length === 0;
    $("settings-prices-note").textContent = spans.length === 0 ? t("set.noPrices") : "";
  }
  if (lastYaml !== undefined) {
    const block = tariffBlock(lastYaml);
    $("settings-tariff-file").textContent = block
      ? t("set.tariffAt", { from: block.from, to: block.to })
      : t("set.tariffNone");
    $("settings-tariff-yaml").hidden = !block;
    $("settings-tariff-yaml").textContent = block?.text ?? "";
    $("settings-tariff-edit").hidden = role !== "installer";
  }
}

// The `tariff:` section of the installation file with its line numbers: the
// lines below it indented deeper than it (not a YAML parser; the daemon's
// checker owns the file's meaning).
export function tariffBlock(yaml: string): { from: number; to: number; text: string } | undefined {
  const lines = yaml.split("\n");
  const at = lines.findIndex((l) => /^\s*tariff:\s*(#.*)?$/.test(l));
  if (at < 0) {
    return undefined;
  }
  const indent = lines[at].search(/\S/);
  let last = at;
  for (let i = at + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l.trim() === "" || l.trim().startsWith("#")) {
      continue;
    }
    if (l.search(/\S/) <= indent) {
      break;
    }
    last = i;
  }
  return {
    from: at + 1,
    to: last + 1,
    text: lines
      .slice(at, last + 1)
      .map((l) => l.slice(indent))
      .join("\n"),
  };
}

// A text with `command` parts shown as code.
function withCode(el: HTMLElement, text: string): void {
  el.replaceChildren(
    ...text.split("`").map((part, i) => {
      if (i % 2 === 0) {
        return document.createTextNode(part);
      }
      const code = document.createElement("code");
      code.textContent = part;
      return code;
    }),
  );
}

function showMessage(id: string, text: () => string, ok: boolean): void {
  const el = $(id);
  withCode(el, text());
  el.className = `form-message ${ok ? "ok" : "error"}`;
}

function renderAccounts(): void {
  const card = $("settings-accounts");
  card.hidden = role !== "installer";
  if (card.hidden) {
    return;
  }
  const managed = lastAccounts !== undefined;
  $("accounts-managed").hidden = !managed;
  $("accounts-cli").hidden = managed;
  withCode($("accounts-cli"), t("set.accountsCli"));
  withCode($("account-message"), accountMessage());
  if (!lastAccounts) {
    return;
  }
  $("accounts-list").replaceChildren(
    ...lastAccounts.map((a) => {
      const li = document.createElement("li");
      li.dataset.user = a.user;
      const name = document.createElement("span");
      name.className = "account-name";
      name.textContent = a.user === me ? `${a.user} ${t("set.you")}` : a.user;
      const roleText = document.createElement("span");
      roleText.className = "account-role";
      roleText.textContent = tOr(`set.role.${a.role}`, a.role);
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary";
      remove.textContent = t("set.remove");
      remove.setAttribute("aria-label", t("set.removeUser", { user: a.user }));
      remove.onclick = () => void remove_(a.user);
      li.append(name, roleText, remove);
      return li;
    }),
  );
}

async function loadAccounts(): Promise<void> {
  if (role !== "installer") {
    renderAccounts();
    return;
  }
  try {
    lastAccounts = await users();
  } catch (e) {
    // 404: a daemon without the accounts API; accounts are managed on the box.
    lastAccounts = undefined;
    if (!(e instanceof ApiError && e.status === 404)) {
      const error = errorText(e);
      accountMessage = () => error;
    }
  }
  renderAccounts();
}

async function remove_(user: string): Promise<void> {
  if (!window.confirm(t("set.confirmRemove", { user }))) {
    return;
  }
  try {
    await removeUser(user);
    accountMessage = () => t("set.removed", { user });
    showMessage("account-message", accountMessage, true);
  } catch (e) {
    const error = errorText(e);
    accountMessage = () => error;
    showMessage("account-message", accountMessage, false);
  }
  await loadAccounts();
}

function setupForms(): void {
  const add = $<HTMLFormElement>("account-add");
  add.onsubmit = async (event) => {
    event.preventDefault();
    const form = new FormData(add);
    const username = String(form.get("username") ?? "").trim();
    const password = String(form.get("password") ?? "");
    if (password !== String(form.get("password2") ?? "")) {
      accountMessage = () => t("set.differ");
      showMessage("account-message", accountMessage, false);
      return;
    }
    try {
      await addUser(username, password, String(form.get("role") ?? "viewer"));
      accountMessage = () => t("set.added", { user: username });
      showMessage("account-message", accountMessage, true);
      add.reset();
    } catch (e) {
      const error = e instanceof ApiError && e.status === 404 ? t("set.accountsCli") : errorText(e);
      accountMessage = () => error;
      showMessage("account-message", accountMessage, false);
    }
    await loadAccounts();
  };
  const password = $<HTMLFormElement>("password-form");
  password.onsubmit = async (event) => {
    event.preventDefault();
    const form = new FormData(password);
    const fresh = String(form.get("new") ?? "");
    if (fresh !== String(form.get("new2") ?? "")) {
      passwordMessage = () => t("set.differ");
      showMessage("password-message", passwordMessage, false);
      return;
    }
    try {
      await changePassword(String(form.get("old") ?? ""), fresh);
      passwordMessage = () => t("set.changed");
      showMessage("password-message", passwordMessage, true);
      password.reset();
    } catch (e) {
      const error = e instanceof ApiError && e.status === 404 ? null : errorText(e);
      passwordMessage = () => error ?? t("set.accountsCli");
      showMessage("password-message", passwordMessage, false);
    }
  };
}

function loadServer(): void {
  void serverHealth()
    .then((h) => {
      lastHealth = h;
      renderServer();
    })
    .catch((e) => facts("settings-server", [["error", t("set.server"), t("set.loadFailed", { error: errorText(e) })]]));
}

function loadAll(): void {
  loadServer();
  void historyUsage()
    .then((u) => {
      lastUsage = u;
      renderUsage();
    })
    .catch(() => undefined);
  void prices()
    .then((p) => {
      lastPrices = p;
      renderTariff();
    })
    .catch(() => undefined);
  void installation()
    .then((inst) => {
      lastYaml = inst.yaml;
      renderTariff();
    })
    .catch(() => undefined);
  void loadAccounts();
}

function renderAll(): void {
  renderDisplay();
  renderServer();
  renderUsage();
  renderTariff();
  renderAccounts();
  withCode($("password-message"), passwordMessage());
}

let wired = false;

export const settingsPage: Page = {
  start(context) {
    role = context.role;
    me = context.user;
    lastAccounts = undefined;
    accountMessage = () => "";
    passwordMessage = () => "";
    $<HTMLInputElement>("password-form").querySelector<HTMLInputElement>("input[name=username]")!.value = me;
    renderAccounts();
    if (!wired) {
      wired = true;
      setupForms();
      // The same choice as the header's switch: that switch re-renders every page.
      $<HTMLSelectElement>("settings-language").addEventListener("change", (event) => {
        const header = $<HTMLSelectElement>("language");
        header.value = (event.target as HTMLSelectElement).value;
        header.dispatchEvent(new Event("change"));
      });
      darkScheme.addEventListener("change", renderDisplay);
    }
  },
  show() {
    renderAll();
    loadAll();
    window.clearInterval(timer);
    timer = window.setInterval(loadServer, kHealthRefreshMs);
  },
  hide() {
    window.clearInterval(timer);
    timer = undefined;
  },
  language() {
    renderAll();
  },
};
