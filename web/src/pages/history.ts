// History: any recorded series over any range (the view in the URL), and
// the events.
import { events, type Snapshot } from "../api";
import { formatDateTime } from "../format";
import { HistoryCard } from "../history";
import { t, tOr } from "../i18n";
import type { Route } from "../router";
import "../strings/history";
import type { Page } from "./page";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let card: HistoryCard | undefined;
let visible = false;
let shown: Awaited<ReturnType<typeof events>> = [];

// Each event as a small block: time and kind on one line, the daemon's
// message below it (it wraps on a phone).
function renderEvents(): void {
  const list = $("events");
  if (shown.length === 0) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = t("events.none");
    list.replaceChildren(li);
    return;
  }
  list.replaceChildren(
    ...shown.map((e) => {
      const li = document.createElement("li");
      li.dataset.kind = e.kind;
      const head = document.createElement("span");
      head.className = "event-head";
      const time = document.createElement("time");
      time.dateTime = new Date(e.t_ms).toISOString();
      time.textContent = formatDateTime(e.t_ms);
      const kind = document.createElement("span");
      kind.className = "event-kind";
      kind.textContent = tOr(`event.${e.kind}`, e.kind);
      head.append(time, " · ", kind);
      const message = document.createElement("span");
      message.className = "event-message";
      // The daemon's own words (with the user in brackets, as it logs them).
      message.textContent = `${e.message}${e.user ? ` (${e.user})` : ""}`;
      if (e.user) {
        message.title = t("event.by", { user: e.user });
      }
      li.append(head, message);
      return li;
    }),
  );
}

export async function showEvents(): Promise<void> {
  shown = await events().catch(() => shown);
  renderEvents();
}

export const historyPage: Page = {
  start() {
    card ??= new HistoryCard($("history-card"));
    void showEvents();
  },
  show(route: Route) {
    visible = true;
    card?.show(route.params);
    void showEvents();
  },
  snapshot(snapshot: Snapshot) {
    card?.offer(snapshot);
  },
  hide() {
    visible = false;
  },
  language() {
    if (visible) {
      card?.language();
    }
    renderEvents();
  },
};
