// The dashboard: log in, then one page at a time (see docs/dashboard.md),
// with live values from the stream (polling while it is down) handed to the
// page on screen at most once per animation frame.
import "./style.css";
import { ApiError, type Alarm, devices, type DeviceValues, health, live, login, logout, me, type Snapshot } from "./api";
import { language, languageOptions, setLanguage, t, tOr, translateDom, type Lang } from "./i18n";
import { onRoute, parseRoute, type PageId, type Route } from "./router";
import type { Key } from "./strings/index";
import { formatTime } from "./format";
import type { Page, PageContext } from "./pages/page";
import { overviewPage } from "./pages/overview";
import { recordTrend } from "./trend";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

// The Overview is in the first bundle; every other page (its code, charts
// and texts) is fetched when it is first opened, so a phone on a slow link
// downloads only what it shows.
const devicesModule = () => import("./pages/devices");
const historyModule = () => import("./pages/history");
const loaders: Record<PageId, () => Promise<Page>> = {
  overview: async () => overviewPage,
  history: () => historyModule().then((m) => m.historyPage),
  energy: () => import("./pages/energy").then((m) => m.energyPage),
  devices: () => devicesModule().then((m) => m.devicesPage),
  installation: () => import("./pages/installation").then((m) => m.installationPage),
  whatif: () => import("./pages/whatif").then((m) => m.whatifPage),
  settings: () => import("./pages/settings").then((m) => m.settingsPage),
};
const pages = new Map<PageId, Page>();
let context: PageContext | undefined;
let latestDevices: DeviceValues[] | undefined;

// The page's module, loaded once and started for the session in force.
async function pageFor(id: PageId): Promise<Page> {
  let page = pages.get(id);
  if (!page) {
    page = await loaders[id]();
    pages.set(id, page);
    if (context) {
      page.start?.(context);
    }
    if (id === "devices" && latestDevices) {
      (await devicesModule()).showDevices(latestDevices);
    }
  }
  return page;
}

// The devices' states, from the stream or while nothing is measured: kept
// for the Devices page, drawn at once when it is loaded.
function showDevices(list: DeviceValues[]): void {
  latestDevices = list;
  if (pages.has("devices")) {
    void devicesModule().then((m) => m.showDevices(list));
  }
}

let timer: number | undefined;
let socket: WebSocket | undefined;
let role = "viewer";
let current: PageId | undefined;
let latest: Snapshot | undefined;
let frameRequested = false;

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
    if (current) {
      pages.get(current)?.hide?.();
      current = undefined;
    }
    $<HTMLInputElement>("login-form").querySelector("input")?.focus();
  }
}

// The alarms in force, most severe first, above every page, each with what
// to check.
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

// Renders the newest snapshot once per frame: at a 100 ms cycle snapshots
// that arrive between two frames are not drawn twice.
function renderFrame(): void {
  frameRequested = false;
  const snapshot = latest;
  if (!snapshot || current === undefined) {
    return;
  }
  showAlarms(snapshot.alarms ?? []);
  $("status").textContent = t("status.live", { time: formatTime(snapshot.time_ms) });
  pages.get(current)?.snapshot?.(snapshot);
  document.body.dataset.rendered = String(Number(document.body.dataset.rendered ?? 0) + 1);
}

function offer(snapshot: Snapshot): void {
  latest = snapshot;
  recordTrend(snapshot); // the overview's last minutes, whichever page is shown
  document.body.dataset.received = String(Number(document.body.dataset.received ?? 0) + 1);
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(renderFrame);
  }
}

async function refresh(): Promise<void> {
  try {
    offer(await live());
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      show("login");
    } else if (e instanceof ApiError && e.status === 503) {
      $("status").textContent = t("status.waiting");
      // The devices say why nothing is measured yet.
      showDevices((await devices().catch(() => ({ devices: [] as DeviceValues[] }))).devices);
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
      offer(message.data as Snapshot);
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

// Shows the route's page and marks its link; the installer's page stays
// hidden from other roles (the API refuses its calls anyway).
async function showPage(route: Route): Promise<void> {
  let page = route.page;
  if ((page === "installation" || page === "whatif") && role !== "installer") {
    page = "overview";
  }
  if (current !== page) {
    if (current) {
      pages.get(current)?.hide?.();
    }
    current = page;
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
  const module = await pageFor(page);
  if (current !== page) {
    return; // another page was chosen while this one loaded
  }
  module.show?.(route);
  if (latest) {
    module.snapshot?.(latest);
  }
}

onRoute((route) => {
  if ($("live-view").hidden) {
    return; // the page opens after login
  }
  void showPage(route);
  // Keyboard and screen-reader users land on the new page's content.
  $("content").focus({ preventScroll: true });
});

function setupLanguageSwitch(): void {
  const select = $<HTMLSelectElement>("language");
  select.replaceChildren(...languageOptions());
  select.value = language();
  select.addEventListener("change", () => {
    setLanguage(select.value as Lang);
    for (const page of pages.values()) {
      page.language?.();
    }
    if (latest) {
      $("status").textContent = t("status.live", { time: formatTime(latest.time_ms) });
    }
    if (current) {
      document.title = `${t(`nav.${current}` as Key)} · Kirchhoff`;
      if (latest) {
        pages.get(current)?.snapshot?.(latest);
      }
    }
  });
  translateDom();
}
setupLanguageSwitch();

function startLive(user: string, userRole: string): void {
  role = userRole;
  context = {
    role,
    user,
    canSteer: role === "owner" || role === "installer",
    // The events list is on the History page: refreshed if it is loaded
    // (it refreshes itself whenever it is opened).
    eventsChanged: () =>
      window.setTimeout(() => {
        if (pages.has("history")) {
          void historyModule().then((m) => m.showEvents());
        }
      }, 1500),
  };
  document.querySelector<HTMLElement>("#nav a[data-nav='installation']")!.hidden = role !== "installer";
  document.querySelector<HTMLElement>("#nav a[data-nav='whatif']")!.hidden = role !== "installer";
  $("who").textContent = `${user} (${role})`;
  // Set in code, not by data-i18n: a page's texts arriving later must not
  // turn a live status back into "waiting".
  $("status").textContent = latest ? t("status.live", { time: formatTime(latest.time_ms) }) : t("status.waiting");
  show("live");
  for (const page of pages.values()) {
    page.start?.(context);
  }
  void showPage(parseRoute());
  void refresh();
  poll();
  connectStream();
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
