// Devices: each real device's connection state, last reading and error; the
// MQTT link and uplink; the live electricity values per channel and phase.
import { type DeviceValues, health, type MqttStatus, type Snapshot } from "../api";
import { fillLiveTable } from "../live_table";
import type { Page } from "./page";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let healthTimer: number | undefined;

// Each real device: connected or not, the age of its last reading, its last error.
export function showDevices(devices: DeviceValues[]): void {
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
}

export const devicesPage: Page = {
  show() {
    pollHealth();
    window.clearInterval(healthTimer);
    healthTimer = window.setInterval(pollHealth, 5000);
  },
  hide() {
    window.clearInterval(healthTimer);
    healthTimer = undefined;
  },
  snapshot(snapshot: Snapshot) {
    fillLiveTable($<HTMLTableElement>("live-table").tBodies[0], snapshot);
    $("meta").textContent = `Frequency ${snapshot.frequency_hz.toFixed(3)} Hz`;
    showDevices(snapshot.devices ?? []);
  },
};
