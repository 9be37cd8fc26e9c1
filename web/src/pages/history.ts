// History: any recorded series over a range, and the events.
import { events, type Snapshot } from "../api";
import { HistoryCard } from "../history";
import type { Page } from "./page";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let card: HistoryCard | undefined;

export async function showEvents(): Promise<void> {
  const list = await events().catch(() => []);
  $("events").replaceChildren(
    ...list.map((e) => {
      const li = document.createElement("li");
      li.textContent = `${new Date(e.t_ms).toLocaleString()} · ${e.kind} · ${e.message}${e.user ? ` (${e.user})` : ""}`;
      return li;
    }),
  );
}

export const historyPage: Page = {
  start() {
    card ??= new HistoryCard(
      $<HTMLSelectElement>("history-load"),
      $("history-chart"),
      $("history-meta"),
      $<HTMLAnchorElement>("history-csv"),
      document.querySelectorAll<HTMLButtonElement>("button[data-range]"),
    );
    void showEvents();
  },
  show() {
    void showEvents();
  },
  snapshot(snapshot: Snapshot) {
    card?.offer(snapshot);
  },
};
