// Devices: where the measurements come from (the gateway) and each real
// device's connection state, last reading, polls and error; the MQTT link
// and uplink; the live electricity values per channel and phase.
import "../devices.css";
import { type DeviceValues, health, installation, type MqttStatus, type Snapshot } from "../api";
import { formatDateTime, formatNumber } from "../format";
import { t, tOr } from "../i18n";
import { fillLiveTable } from "../live_table";
import type { Key } from "../strings/index";
import "../strings/devices";
import type { Page } from "./page";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

// The gateway counts as answering while snapshots keep arriving: a control
// cycle is at most a few seconds.
const kGatewayFreshMs = 5000;

let healthTimer: number | undefined;
let gateway = "";
// performance.now() when a snapshot with a newer measurement time arrived
// (the browser's own clock, so a box with a wrong clock does not make the
// age wrong; a repeated snapshot does not count as a reading).
let lastSnapshotAt: number | undefined;
let lastSnapshotTimeMs = 0;
let lastDevices: DeviceValues[] = [];
let lastMqtt: MqttStatus | undefined;

// "0.8 s", "3 min", "2 h": the age of a reading in words a person reads.
function ageText(ms: number): string {
  if (ms < 0) {
    return t("devices.never");
  }
  const s = ms / 1000;
  const amount =
    s < 60
      ? t("devices.s", { n: formatNumber(s, s < 10 ? 1 : 0) })
      : s < 3600
        ? t("devices.min", { n: formatNumber(s / 60, 0) })
        : t("devices.h", { n: formatNumber(s / 3600, 0) });
  return t("devices.ago", { age: amount });
}

type State = "connected" | "retrying" | "stale";

function stateCell(state: State): HTMLTableCellElement {
  const td = document.createElement("td");
  td.dataset.label = t("devices.col.state");
  const pill = document.createElement("span");
  pill.className = `state ${state}`;
  pill.textContent = t(`devices.state.${state}` as Key);
  td.append(pill);
  return td;
}

const kColumns = ["device", "driver", "load", "state", "age", "polls", "error"] as const;

function row(texts: (string | State)[], stateIndex: number): HTMLTableRowElement {
  const tr = document.createElement("tr");
  texts.forEach((text, i) => {
    if (i === stateIndex) {
      tr.append(stateCell(text as State));
      return;
    }
    const td = document.createElement("td");
    td.textContent = text;
    // The column's name, shown beside the value when rows become cards.
    td.dataset.label = t(`devices.col.${kColumns[i]}` as Key);
    if (kColumns[i] === "polls") {
      td.className = "num";
    }
    tr.append(td);
  });
  return tr;
}

// The gateway as the measurement source, when no device is polled (with
// devices, they are the sources and have their own rows).
function gatewayRow(): HTMLTableRowElement | undefined {
  if (!gateway || lastDevices.length > 0) {
    return undefined;
  }
  const age = lastSnapshotAt === undefined ? -1 : performance.now() - lastSnapshotAt;
  const state: State = age >= 0 && age < kGatewayFreshMs ? "connected" : "stale";
  const tr = row(
    [t("devices.gateway", { name: gateway }), t("devices.gatewayDriver"), t("devices.allLoads"), state, ageText(age), "–", "–"],
    3,
  );
  tr.dataset.source = "gateway";
  tr.className = state === "stale" ? "stale" : "";
  return tr;
}

function render(): void {
  const rows: HTMLTableRowElement[] = [];
  const gw = gatewayRow();
  if (gw) {
    rows.push(gw);
  }
  for (const d of lastDevices) {
    const state: State = d.stale ? "stale" : d.connected ? "connected" : "retrying";
    const tr = row(
      [
        d.name,
        d.driver,
        d.load || "–",
        state,
        ageText(d.age_ms),
        t("devices.pollCount", { polls: formatNumber(d.polls), failures: formatNumber(d.failures) }),
        d.last_error || "–",
      ],
      3,
    );
    tr.dataset.device = d.name;
    tr.className = d.stale ? "stale" : "";
    rows.push(tr);
  }
  $("devices-card").hidden = rows.length === 0;
  $<HTMLTableElement>("devices-table").tBodies[0].replaceChildren(...rows);
  $("devices-none").hidden = lastDevices.length > 0;
}

// Each real device: connected or not, the age of its last reading, its last
// error (from the snapshot, the stream's "devices" message, or
// /api/v1/devices while nothing is measured).
export function showDevices(devices: DeviceValues[]): void {
  lastDevices = devices;
  render();
}

// The broker connection and the uplink's backlog: what an installer checks
// when Home Assistant or the fleet backend shows nothing new. Each value
// keeps its English key in data-field whatever the language.
function showMqtt(mqtt: MqttStatus | undefined): void {
  lastMqtt = mqtt;
  $("mqtt-card").hidden = mqtt === undefined;
  if (mqtt === undefined) {
    return;
  }
  const rows: [string, string][] = [
    ["Broker", mqtt.broker],
    ["State", mqtt.connected ? t("mqtt.connected") : t("mqtt.notConnected")],
    ["Topics", `${mqtt.prefix}/…${mqtt.read_only ? ` ${t("mqtt.readOnly")}` : ""}`],
  ];
  if (mqtt.last_error && !mqtt.connected) {
    rows.push(["Last error", mqtt.last_error]);
  }
  if (mqtt.uplink) {
    rows.push(["Uplink outbox", t("mqtt.points", { n: formatNumber(mqtt.outbox_points ?? 0) })]);
    rows.push(["Oldest unsent", mqtt.oldest_unsent_ms ? formatDateTime(mqtt.oldest_unsent_ms) : t("mqtt.none")]);
    if (mqtt.dropped_points) {
      rows.push(["Dropped (outbox full)", t("mqtt.dropped", { n: formatNumber(mqtt.dropped_points) })]);
    }
  } else {
    rows.push(["Uplink", t("mqtt.off")]);
  }
  $("mqtt-status").replaceChildren(
    ...rows.flatMap(([field, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = tOr(`mqtt.${field}`, field);
      const dd = document.createElement("dd");
      dd.textContent = value;
      dd.dataset.field = field;
      return [dt, dd];
    }),
  );
}

function pollHealth(): void {
  void health()
    .then((h) => showMqtt(h.mqtt))
    .catch(() => undefined);
}

export const devicesPage: Page = {
  start() {
    // The gateway's name for the source row; an installation without one
    // (or an API that refuses) leaves only the devices.
    void installation()
      .then((inst) => {
        gateway = inst.gateway;
        render();
      })
      .catch(() => undefined);
  },
  show() {
    pollHealth();
    render();
    window.clearInterval(healthTimer);
    // The health (MQTT) every 5 s; the source row's age every second even
    // when no snapshot arrives.
    let ticks = 0;
    healthTimer = window.setInterval(() => {
      render();
      if (++ticks % 5 === 0) {
        pollHealth();
      }
    }, 1000);
  },
  hide() {
    window.clearInterval(healthTimer);
    healthTimer = undefined;
  },
  snapshot(snapshot: Snapshot) {
    if (snapshot.time_ms > lastSnapshotTimeMs) {
      lastSnapshotTimeMs = snapshot.time_ms;
      lastSnapshotAt = performance.now();
    }
    fillLiveTable($<HTMLTableElement>("live-table").tBodies[0], snapshot);
    $("meta").textContent = t("live.frequency", { hz: formatNumber(snapshot.frequency_hz, 3) });
    lastDevices = snapshot.devices ?? lastDevices;
    render();
  },
  language() {
    render();
    showMqtt(lastMqtt);
  },
};
