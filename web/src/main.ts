// The dashboard: log in, then follow the site live (energy flow, the live
// values table, a rolling chart, inputs and outputs), refreshed every second.
import "./style.css";
import { installationSaved, setupInstallation } from "./installation";
import { setupDiagnostics } from "./diagnostics";
import { ApiError, events, health, type MqttStatus, live, login, logout, me, switchOutput, type Alarm, type DeviceValues, type Snapshot, devices } from "./api";
import { drawFlow, flows } from "./flow";
import { fillLiveTable } from "./live_table";
import { EnergyCard } from "./energy";
import { HistoryCard } from "./history";
import { setupPlan } from "./plan";
import { Trend } from "./trend";
import { ChargersCard } from "./chargers";
import { kLanguages, language, setLanguage, t, tOr, translateDom, type Lang } from "./i18n";
import { onRoute, parseRoute, type Route } from "./router";
import type { Key } from "./strings/index";
import { formatTime } from "./format";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const energyCard = new EnergyCard(
  $("energy-chart"),
  $("energy-meta"),
  $<HTMLSelectElement>("meter-select"),
  $("meter-chart"),
  $<HTMLAnchorElement>("meter-csv"),
  document.querySelectorAll<HTMLButtonElement>("button[data-energy]"),
);

// Chargers and their declared sessions; a change shows in the events soon.
const chargersCard = new ChargersCard($("chargers-card"), $<HTMLUListElement>("chargers"), () =>
  window.setTimeout(() => void showEvents(), 1500),
);

let timer: number | undefined;
let trend: Trend | undefined;
let socket: WebSocket | undefined;
let role = "viewer";
const historyCard = new HistoryCard(
  $<HTMLSelectElement>("history-load"),
  $("history-chart"),
  $("history-meta"),
  $<HTMLAnchorElement>("history-csv"),
  document.querySelectorAll<HTMLButtonElement>("button[data-range]"),
);

function show(view: "login" | "live"): void {
  $("login-view").hidden = view !== "login";
  $("live-view").hidden = view !== "live";
  $("session").hidden = view !== "live";
  $("nav").hidden = view !== "live";
  if (view === "login") {
    window.clearInterval(timer);
    timer = undefined;
    socket?.close();
    socket = undefined;
    $<HTMLInputElement>("login-form").querySelector("input")?.focus();
  }
}

// The alarms in force, most severe first, above everything else, each with
// what to check.
function showAlarms(alarms: Alarm[]): void {
  const order = ["critical", "major", "minor", "warning"];
  const sorted = [...alarms].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
  const banner = $("alarms");
  banner.hidden = sorted.length === 0;
  banner.replaceChildren(
    ...sorted.map((a) => {
      const li = document.createElement("li");
      li.className = a.severity;
      li.dataset.alarm = a.id;
      li.textContent = `${tOr(`alarm.${a.severity}`, a.severity)}: ${a.message} (${t("alarms.since", { time: formatTime(a.since_ms) })})`;
      // What to check, under the message in small text.
      if (a.advice) {
        const advice = document.createElement("small");
        advice.className = "advice";
        advice.textContent = a.advice;
        li.append(advice);
      }
      return li;
    }),
  );
}

// Each real device: connected or not, the age of its last reading, its last error.
function showDevices(devices: DeviceValues[]): void {
  $("devices-card").hidden = devices.length === 0;
  const rows = devices.map((d) => {
    const tr = document.createElement("tr");
    tr.dataset.device = d.name;
    const state = d.stale ? "not answering" : d.connected ? "connected" : "retrying";
    const age = d.age_ms < 0 ? "never" : `${(d.age_ms / 1000).toFixed(1)} s ago`;
    for (const text of [d.name, d.driver, d.load || "-", state, age, d.last_error || "-"]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    tr.className = d.stale ? "stale" : "";
    return tr;
  });
  $<HTMLTableElement>("devices-table").tBodies[0].replaceChildren(...rows);
}

function render(snapshot: Snapshot): void {
  showAlarms(snapshot.alarms ?? []);
  const f = flows(snapshot);
  const present = new Set<string>(snapshot.loads.map((l) => `${l.kind}_w`));
  drawFlow($("flow") as unknown as SVGSVGElement, f, present);
  fillLiveTable($<HTMLTableElement>("live-table").tBodies[0], snapshot);
  trend ??= new Trend($("trend"));
  historyCard.offer(snapshot);
  energyCard.offer(snapshot);
  trend.add(snapshot.time_ms, f);
  $("status").textContent = t("status.live", { time: formatTime(snapshot.time_ms) });
  $("meta").textContent = `Frequency ${snapshot.frequency_hz.toFixed(3)} Hz`;
  const io = $("io");
  const items: HTMLLIElement[] = [];
  for (const input of snapshot.inputs) {
    const li = document.createElement("li");
    li.textContent =
      input.kind === "pulse"
        ? `${input.name}: ${input.total?.toFixed(3)} ${input.unit ?? ""}`
        : `${input.name}: ${input.closed ? "closed" : "open"}`;
    items.push(li);
  }
  for (const output of snapshot.outputs) {
    const li = document.createElement("li");
    li.textContent = `${output.name}: relay ${output.energised ? "on" : "off"}`;
    if (role === "owner" || role === "installer") {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "switch";
      button.dataset.output = `${output.module}/${output.output}`;
      button.textContent = output.energised ? "Switch off" : "Switch on";
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await switchOutput(output.module, output.output, !output.energised);
          window.setTimeout(() => void showEvents(), 1500);
        } catch (e) {
          $("status").textContent = e instanceof Error ? e.message : "switching failed";
        }
      });
      li.append(" ", button);
    }
    items.push(li);
  }
  io.replaceChildren(...items);
  chargersCard.show(snapshot.chargers ?? [], role === "owner" || role === "installer");
  showDevices(snapshot.devices ?? []);
  const decisions = snapshot.control.map((d) => {
    const li = document.createElement("li");
    li.textContent = `${d.controller}: ${d.reason}`;
    if (d.alarm) {
      li.className = "alarm";
    }
    return li;
  });
  if (decisions.length === 0) {
    const li = document.createElement("li");
    li.textContent = "No limits active: every device runs as it wants.";
    decisions.push(li);
  }
  $("control").replaceChildren(...decisions);
}

async function refresh(): Promise<void> {
  try {
    render(await live());
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      show("login");
    } else if (e instanceof ApiError && e.status === 503) {
      $("status").textContent = t("status.waiting");
      // The devices say why nothing is measured yet.
      showDevices((await devices().catch(() => ({ devices: [] }))).devices);
    } else {
      $("status").textContent = t("status.lost");
    }
  }
}

// Live values arrive on the WebSocket stream; while it is down the page
// polls every second and tries the stream again after five seconds.
function poll(): void {
  document.body.dataset.transport = "polling";
  window.clearInterval(timer);
  timer = window.setInterval(() => void refresh(), 1000);
}

function connectStream(): void {
  const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/stream`;
  const ws = new WebSocket(url);
  socket = ws;
  ws.onopen = () => {
    window.clearInterval(timer);
    timer = undefined;
    document.body.dataset.transport = "stream";
  };
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data as string) as { type: string; data: unknown };
    if (message.type === "snapshot") {
      render(message.data as Snapshot);
    } else if (message.type === "alarms") {
      showAlarms(message.data as Alarm[]);
    } else if (message.type === "devices") {
      showDevices(message.data as DeviceValues[]);
    }
  };
  ws.onclose = () => {
    if (socket !== ws || $("live-view").hidden) {
      return; // logged out, or replaced by a newer connection
    }
    poll();
    window.setTimeout(() => {
      if (socket === ws && !$("live-view").hidden) {
        connectStream();
      }
    }, 5000);
  };
}

async function showEvents(): Promise<void> {
  const list = await events().catch(() => []);
  $("events").replaceChildren(
    ...list.map((e) => {
      const li = document.createElement("li");
      li.textContent = `${new Date(e.t_ms).toLocaleString()} · ${e.kind} · ${e.message}${e.user ? ` (${e.user})` : ""}`;
      return li;
    }),
  );
}

// The broker connection and the uplink's backlog: what an installer checks
// when Home Assistant or the fleet backend shows nothing new.
function showMqtt(mqtt: MqttStatus | undefined): void {
  $("mqtt-card").hidden = mqtt === undefined;
  if (mqtt === undefined) {
    return;
  }
  const rows: [string, string][] = [
    ["Broker", mqtt.broker],
    ["State", mqtt.connected ? "connected" : "not connected"],
    ["Topics", `${mqtt.prefix}/…${mqtt.read_only ? " (read only)" : ""}`],
  ];
  if (mqtt.last_error && !mqtt.connected) {
    rows.push(["Last error", mqtt.last_error]);
  }
  if (mqtt.uplink) {
    rows.push(["Uplink outbox", `${mqtt.outbox_points ?? 0} points waiting`]);
    rows.push([
      "Oldest unsent",
      mqtt.oldest_unsent_ms ? new Date(mqtt.oldest_unsent_ms).toLocaleString() : "none",
    ]);
    if (mqtt.dropped_points) {
      rows.push(["Dropped (outbox full)", `${mqtt.dropped_points} points`]);
    }
  } else {
    rows.push(["Uplink", "off"]);
  }
  $("mqtt-status").replaceChildren(
    ...rows.flatMap(([term, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      dd.dataset.field = term;
      return [dt, dd];
    }),
  );
}

function pollHealth(): void {
  void health()
    .then((h) => showMqtt(h.mqtt))
    .catch(() => undefined);
  window.setTimeout(pollHealth, 5000);
}

// Shows the route's page and marks its link; the installer's pages stay
// hidden from other roles (the API refuses them anyway).
function showPage(route: Route): void {
  let page = route.page;
  if (page === "installation" && role !== "installer") {
    page = "overview";
  }
  for (const el of document.querySelectorAll<HTMLElement>(".page[data-page]")) {
    el.hidden = el.dataset.page !== page;
  }
  for (const link of document.querySelectorAll<HTMLAnchorElement>("#nav a[data-nav]")) {
    if (link.dataset.nav === page) {
      link.setAttribute("aria-current", "page");
    } else {
      link.removeAttribute("aria-current");
    }
  }
  document.body.dataset.page = page;
  document.title = `${t(`nav.${page}` as Key)} · Kirchhoff`;
}

onRoute((route) => {
  showPage(route);
  // Keyboard and screen-reader users land on the new page's content.
  $("content").focus({ preventScroll: true });
});

function setupLanguageSwitch(): void {
  const select = $<HTMLSelectElement>("language");
  select.replaceChildren(
    ...kLanguages.map(({ code, name }) => {
      const option = document.createElement("option");
      option.value = code;
      option.textContent = name;
      option.lang = code;
      return option;
    }),
  );
  select.value = language();
  select.addEventListener("change", () => {
    setLanguage(select.value as Lang);
    showPage(parseRoute());
  });
  translateDom();
}
setupLanguageSwitch();

function startLive(user: string, userRole: string): void {
  role = userRole;
  document.querySelector<HTMLElement>("#nav a[data-nav='installation']")!.hidden = userRole !== "installer";
  showPage(parseRoute());
  void setupInstallation(userRole);
  setupDiagnostics(userRole, (yaml) => void installationSaved(yaml));
  $("who").textContent = `${user} (${userRole})`;
  void showEvents();
  show("live");
  void refresh();
  poll();
  connectStream();
  pollHealth();
  setupPlan();
}

$<HTMLFormElement>("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  $("login-error").textContent = "";
  try {
    const who = await login(String(form.get("username")), String(form.get("password")));
    startLive(who.user, who.role);
  } catch (e) {
    $("login-error").textContent = e instanceof Error ? e.message : t("login.failed");
  }
});

$("logout").addEventListener("click", async () => {
  await logout().catch(() => undefined);
  show("login");
});

health()
  .then((h) => {
    $("local-only").hidden = !h.local_only;
  })
  .catch(() => undefined);
me()
  .then((who) => startLive(who.user, who.role))
  .catch(() => show("login"));
