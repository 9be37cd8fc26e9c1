// Overview: what a homeowner sees first. The energy flow (grid, solar,
// battery with its state of charge, home, each car, the heat pump), tiles
// with today's and this month's figures, the controls of the cars, the
// battery's reserve, the heat pump and the relays (owners and installers;
// viewers see the states), the last ten minutes, the energy manager's
// decisions and the plan.
import "../overview.css";
import type { Snapshot } from "../api";
import { ChargersCard } from "../chargers";
import { flows, FlowView } from "../flow";
import { tOr, t } from "../i18n";
import { BatteryCard, HeatPumpCard, IoCard } from "../overview_controls";
import { relabelPlan, setupPlan, stopPlan } from "../plan";
import { Tiles } from "../tiles";
import { Trend } from "../trend";
import type { Page, PageContext } from "./page";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let context: PageContext | undefined;
let view:
  | {
      flow: FlowView;
      trend: Trend;
      tiles: Tiles;
      chargers: ChargersCard;
      battery: BatteryCard;
      heatPump: HeatPumpCard;
      io: IoCard;
    }
  | undefined;
let latest: Snapshot | undefined;

// A decision's text in the dashboard's language: the controller's name, and
// the reason whole or part by part ("; ") when the tables know it; the
// daemon's words otherwise.
function reasonText(reason: string): string {
  const whole = tOr(`control.reason.${reason}`, "");
  if (whole) {
    return whole;
  }
  return reason
    .split("; ")
    .map((part) => tOr(`control.reason.${part}`, part))
    .join("; ");
}

function showDecisions(snapshot: Snapshot): void {
  const decisions = snapshot.control.map((d) => {
    const li = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = tOr(`control.name.${d.controller}`, d.controller);
    li.append(name, `: ${reasonText(d.reason)}`);
    li.dataset.controller = d.controller;
    if (d.alarm) {
      li.className = "alarm";
    }
    return li;
  });
  if (decisions.length === 0) {
    const li = document.createElement("li");
    li.textContent = t("ov.control.none");
    decisions.push(li);
  }
  $("control").replaceChildren(...decisions);
}

function build(c: PageContext) {
  const changed = () => c.eventsChanged();
  return {
    flow: new FlowView($("flow") as unknown as SVGSVGElement),
    trend: new Trend($("trend")),
    tiles: new Tiles($("tiles"), $("tiles-note")),
    chargers: new ChargersCard($("chargers-card"), $<HTMLUListElement>("chargers"), changed),
    battery: new BatteryCard($("battery-card"), $("battery"), changed),
    heatPump: new HeatPumpCard($("heatpump-card"), $("heatpump"), changed),
    io: new IoCard($("io-card"), $<HTMLUListElement>("io"), changed),
  };
}

export const overviewPage: Page = {
  start(c) {
    context = c;
    view ??= build(c);
  },
  show() {
    view?.tiles.show();
    setupPlan();
  },
  hide() {
    view?.tiles.hide();
    stopPlan();
  },
  snapshot(snapshot) {
    if (!view) {
      return;
    }
    latest = snapshot;
    const canSteer = context?.canSteer ?? false;
    view.flow.render(snapshot);
    view.tiles.live(snapshot.loads.some((l) => l.kind === "grid") ? flows(snapshot).grid_w : null);
    view.chargers.show(snapshot.chargers ?? [], canSteer);
    view.battery.show(snapshot.batteries ?? [], canSteer);
    view.heatPump.show(snapshot.heat_pumps ?? [], canSteer);
    view.io.show(snapshot, canSteer);
    view.trend.render();
    showDecisions(snapshot);
  },
  language() {
    if (!view) {
      return;
    }
    view.flow.relabel();
    view.trend.relabel();
    view.chargers.relabel();
    view.battery.relabel();
    view.heatPump.relabel();
    view.tiles.render();
    relabelPlan();
    if (latest) {
      this.snapshot?.(latest);
    }
  },
};
