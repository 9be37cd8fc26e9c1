// The daemon's HTTP API, as the dashboard uses it. The session lives in an
// HttpOnly cookie; the CSRF token for state-changing calls is kept in
// sessionStorage (it is not a secret from this page, only from other sites).

export interface PhaseValues {
  phase: string;
  input: string;
  p_w: number;
  q_var: number;
  s_va: number;
  pf: number;
  i_a: number;
}

export interface LoadValues {
  name: string;
  kind: "grid" | "solar" | "battery" | "ev" | "heatpump" | "consumer";
  p_w: number;
  q_var: number;
  s_va: number;
  pf: number;
  energy_import_wh: number;
  energy_export_wh: number;
  phases: PhaseValues[];
}

export interface Snapshot {
  time_ms: number;
  frequency_hz: number;
  voltages: Record<string, { v_ln: number; v_ll: number }>;
  loads: LoadValues[];
  inputs: { module: string; input: number; name: string; kind: string; total?: number; unit?: string; closed?: boolean }[];
  outputs: { module: string; output: number; name: string; energised: boolean }[];
  control: { controller: string; reason: string; alarm?: boolean }[];
  chargers?: Charger[];
  heat_pumps?: HeatPump[];
  batteries?: Battery[];
  alarms?: Alarm[];
  devices?: DeviceValues[];
}

// A charger the energy manager steers, with the session a person declared.
export interface ChargeSession {
  departure: string; // ISO 8601 UTC
  need_kwh: number;
  delivered_kwh: number;
}
export interface Charger {
  load: string;
  mode: string;
  plugged: boolean;
  current_a: number;
  power_w: number;
  charging?: boolean;
  session_energy_wh?: number | null;
  session?: ChargeSession | null;
}

// A heat pump on SG Ready contacts: 1 blocked, 2 normal, 3 recommended, 4 forced;
// `manual` while a person holds it in a state.
export interface HeatPump {
  load: string;
  sg_ready: number;
  manual: boolean;
}

// A battery the energy manager steers; power_w + discharge.
export interface Battery {
  load: string;
  soc_pct: number;
  power_w: number;
  reserve_pct?: number | null;
}

// A real device (P1, SunSpec, Modbus) as the daemon's poller last saw it.
export interface DeviceValues {
  name: string;
  driver: string;
  load: string;
  connected: boolean;
  stale: boolean;
  last_reading_ms: number;
  age_ms: number;
  last_error: string;
  polls: number;
  failures: number;
  last_poll_ms: number;
}

export interface Alarm {
  id: string;
  severity: "critical" | "major" | "minor" | "warning";
  message: string;
  since_ms: number;
  // What a person should check, from the daemon's alarm catalogue.
  advice?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly payload: unknown = {},
  ) {
    super(message);
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  const csrf = sessionStorage.getItem("kirchhoff.csrf");
  if (method !== "GET" && csrf) {
    headers["X-CSRF-Token"] = csrf;
  }
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new ApiError(response.status, (payload as { error?: string }).error ?? response.statusText, payload);
  }
  return payload as T;
}

export async function login(username: string, password: string): Promise<{ user: string; role: string }> {
  const result = await call<{ user: string; role: string; csrf_token: string }>("POST", "/api/v1/login", {
    username,
    password,
  });
  sessionStorage.setItem("kirchhoff.csrf", result.csrf_token);
  return result;
}

export async function logout(): Promise<void> {
  try {
    await call("POST", "/api/v1/logout");
  } finally {
    sessionStorage.removeItem("kirchhoff.csrf");
  }
}

// The MQTT link as /api/v1/health reports it (docs/mqtt.md).
export interface MqttStatus {
  broker: string;
  connected: boolean;
  connected_since_ms?: number;
  last_error?: string;
  prefix: string;
  read_only: boolean;
  uplink: boolean;
  outbox_points?: number;
  outbox_bytes?: number;
  oldest_unsent_ms?: number | null;
  dropped_points?: number;
}

export const health = () =>
  call<{ status: string; local_only?: boolean; tls?: boolean; mqtt?: MqttStatus }>("GET", "/api/v1/health");
export const me = () => call<{ user: string; role: string }>("GET", "/api/v1/me");
export const live = () => call<Snapshot>("GET", "/api/v1/live");
export const devices = () => call<{ devices: DeviceValues[] }>("GET", "/api/v1/devices");

export interface HistoryData {
  series: string;
  step: string;
  columns: string[];
  rows: number[][];
}

export function historyUrl(series: string, fromS: number, toS: number, format = "json", step = ""): string {
  const q = new URLSearchParams({ series, from: String(Math.floor(fromS)), to: String(Math.ceil(toS)) });
  if (format !== "json") {
    q.set("format", format);
  }
  if (step) {
    q.set("step", step);
  }
  return `/api/v1/history?${q.toString()}`;
}

// Rollup rows: [t_ms, mean, min, max, first, last, count].
export const rollups = (series: string, fromS: number, toS: number, step: "1h" | "1d") =>
  call<HistoryData>("GET", historyUrl(series, fromS, toS, "json", step));

export const history = (series: string, fromS: number, toS: number) =>
  call<HistoryData>("GET", historyUrl(series, fromS, toS));

export const switchOutput = (module: string, output: number, on: boolean) =>
  call<{ status: string }>("POST", `/api/v1/outputs/${encodeURIComponent(module)}/${output}`, { on });

// "Ready by": HH:MM (the next such local time) with kWh, or a share of the battery.
export type SessionRequest = { departure: string; need_kwh: number } | { departure: string; need_pct: number };
export const declareSession = (load: string, request: SessionRequest) =>
  call<{ status: string }>("POST", `/api/v1/chargers/${encodeURIComponent(load)}/session`, request);
export const clearSession = (load: string) =>
  call<{ status: string }>("DELETE", `/api/v1/chargers/${encodeURIComponent(load)}/session`);

export type ChargerMode = "off" | "now" | "min+pv" | "pv";
export const setChargerMode = (load: string, mode: ChargerMode) =>
  call<{ status: string }>("POST", `/api/v1/chargers/${encodeURIComponent(load)}/mode`, { mode });
export const setBatteryReserve = (reserve_pct: number) =>
  call<{ status: string }>("POST", "/api/v1/battery/reserve", { reserve_pct });
export const setSgReady = (state: 1 | 2 | 3 | 4 | "auto") =>
  call<{ status: string }>("POST", "/api/v1/heat-pump/sg-ready", { state });

// GET /api/v1/summary (viewer): today's and this month's energy, shares and
// money, computed by the daemon in the site's time zone. Any figure may be null.
export interface SummaryPeriod {
  from: string;
  to: string;
  import_kwh: number | null;
  export_kwh: number | null;
  solar_kwh: number | null;
  consumption_kwh: number | null;
  battery_charge_kwh: number | null;
  battery_discharge_kwh: number | null;
  self_sufficiency_pct: number | null;
  self_consumption_pct: number | null;
  import_cost: number | null;
  export_earnings: number | null;
  net_cost: number | null;
  capacity: {
    peak_kw: number | null;
    peak_at: string | null;
    limit_kw: number | null;
    billed_kw: number | null;
    cost: number | null;
  } | null;
}
export interface Summary {
  time_ms: number;
  currency: string;
  timezone: string;
  today: SummaryPeriod;
  month: SummaryPeriod;
}
export const summary = () => call<Summary>("GET", "/api/v1/summary");

export const events = () =>
  call<{ t_ms: number; kind: string; user: string; message: string }[]>("GET", "/api/v1/events?limit=5");

export interface Problem {
  line: number;
  column: number;
  severity: "error" | "warning";
  message: string;
}

export interface Installation {
  name: string;
  topology: string;
  gateway: string;
  main_breaker_a: number;
  describe: string;
  yaml: string;
}

export const installation = () => call<Installation>("GET", "/api/v1/installation");

export const checkInstallation = (yaml: string) =>
  call<{ valid: boolean; summary: string; problems: Problem[] }>("POST", "/api/v1/installation/check", { yaml });

// Resolves with the warnings when saved; an invalid file rejects with an
// ApiError whose payload holds {error, problems}.
export const saveInstallation = (yaml: string) =>
  call<{ status: string; summary: string; problems: Problem[] }>("PUT", "/api/v1/installation", { yaml });

// The what-if replay (installers; docs/whatif.md): started, followed and
// cancelled; the page keeps its own types of the result (pages/whatif.ts).
export const whatifStatus = <T>() => call<T>("GET", "/api/v1/whatif");
export const whatifStart = <T>(body: unknown) => call<T>("POST", "/api/v1/whatif", body);
export const whatifCancel = <T>() => call<T>("DELETE", "/api/v1/whatif");

// GET /api/v1/diagnostics (installer): which phase each CT measures and
// which way round it sits, from the last minutes of samples (docs/diagnostics.md).
export type Verdict = "ok" | "wrong_phase" | "reversed" | "wrong_phase_reversed" | "no_current" | "overrange" | "undecided";

export interface InputDiagnosis {
  input: string;
  load: string;
  configured_phase: string;
  configured_reversed: boolean;
  detected_phase: string | null;
  reversed: boolean;
  verdict: Verdict;
  fixable: boolean; // false: the fix is to move the CT (3P-230), not to edit the file
  why?: string;
  evidence: {
    angle_deg: number;
    p_w: number;
    pf: number;
    i_a: number;
    basis: string[];
    kcl_residual_a?: number;
    conductor?: string;
  };
  live?: {
    i_a: number | null;
    p_w: number | null;
    q_var: number | null;
    pf: number | null;
    angle_deg: number | null; // null without current
    v_ln: number | null;
    v_ll: number | null;
  };
}

export interface Diagnostics {
  available: boolean;
  why?: string;
  window_s: number;
  fixes?: number;
  inputs?: InputDiagnosis[];
  installation?: string | null;
  installation_error?: string;
  voltages?: Record<string, { v_ln: number; v_ll: number }>;
}

export const diagnostics = () => call<Diagnostics>("GET", "/api/v1/diagnostics");

// GET /api/v1/plan (viewer): the planner's plan in force (docs/planner.md).
// Times are ISO 8601 UTC; powers are quarter-hour means in W.
export interface PlanSlot {
  start: string;
  import_eur_per_kwh: number;
  export_eur_per_kwh: number;
  load_w: number; // forecast household load (without the cars)
  pv_w: number; // forecast PV
  pv_used_w: number;
  grid_w: number; // + import
  battery_w: number; // + discharge
  soc_pct: number | null; // at the slot's end; null without a battery
  cars_w: number[]; // per charger, in the order of `cars`
}

export interface PlanCar {
  load: string;
  planned: boolean;
  departure?: string;
  need_kwh?: number;
  delivered_kwh?: number;
  planned_kwh?: number;
  expected_finish?: string | null;
  unmet_kwh?: number;
}

export interface Plan {
  status: "ok" | "none" | "failed";
  error?: string;
  made_at?: string;
  start?: string;
  slot_s?: number;
  currency?: string;
  solve_ms?: number;
  objective?: number;
  replans: number;
  failed_solves: number;
  solve_ms_median: number;
  solve_ms_worst: number;
  slots: PlanSlot[];
  cars: PlanCar[];
  actual: { start: string; load_w: number; pv_w: number }[];
  forecast_error: { day: string; pv_mae_w: number; load_mae_w: number; slots: number }[];
}

export const plan = () => call<Plan>("GET", "/api/v1/plan");

// Settings: the server's state, the history's disk usage, the prices in use
// and the accounts (docs/api.md).
export interface ServerHealth {
  status: string;
  version?: string;
  uptime_s?: number;
  snapshot_age_ms?: number;
  history?: string; // ok, disk-full, write-failing, damaged-moved, disk-low
  tls?: boolean;
  local_only?: boolean;
}
export const serverHealth = () => call<ServerHealth>("GET", "/api/v1/health");

export interface UsageLevel {
  level: string; // raw, 1m, 15m, 1h, 1d
  rows: number;
  points: number;
  bytes: number;
  bytes_per_point: number;
  retention: string; // "35d", "forever"
  oldest_ms: number;
  newest_ms: number;
}
export interface HistoryUsage {
  file_bytes: number;
  free_bytes: number;
  total_bytes?: number;
  reusable_bytes?: number;
  min_free_bytes?: number;
  levels: UsageLevel[];
}
export const historyUsage = () => call<HistoryUsage>("GET", "/api/v1/history/usage");

export interface Prices {
  currency: string;
  source: "file" | "url" | "mqtt" | "tariff" | string;
  prices: { start: string; import_eur_per_kwh: number; export_eur_per_kwh: number }[];
}
export const prices = () => call<Prices>("GET", "/api/v1/prices");

export interface Account {
  user: string;
  role: string;
}
export const users = () => call<Account[]>("GET", "/api/v1/users");
export const addUser = (username: string, password: string, role: string) =>
  call<unknown>("POST", "/api/v1/users", { username, password, role });
export const removeUser = (name: string) => call<unknown>("DELETE", `/api/v1/users/${encodeURIComponent(name)}`);
// Every session of the account ends; this one continues with the new
// session (cookie and CSRF token) the answer carries.
export async function changePassword(old_password: string, new_password: string): Promise<void> {
  const result = await call<{ csrf_token?: string }>("POST", "/api/v1/me/password", { old_password, new_password });
  if (result.csrf_token) {
    sessionStorage.setItem("kirchhoff.csrf", result.csrf_token);
  }
}
