// Energy: sources and uses per day, week, month or year (the period in the
// URL), the period's totals, self-sufficiency, self-consumption and cost;
// gas and water.
import type { Snapshot } from "../api";
import { EnergyCard } from "../energy";
import type { Route } from "../router";
import "../strings/energy";
import type { Page } from "./page";

let card: EnergyCard | undefined;
let visible = false;

export const energyPage: Page = {
  start() {
    card ??= new EnergyCard();
  },
  show(route: Route) {
    visible = true;
    card?.show(route.params);
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
  },
};
