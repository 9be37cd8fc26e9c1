// Overview: the energy flow, the last minutes, the chargers, inputs and
// outputs, the energy manager's decisions and the plan.
import { type Snapshot, switchOutput } from "../api";
import { ChargersCard } from "../chargers";
import { drawFlow, flows } from "../flow";
import { setupPlan } from "../plan";
import { Trend } from "../trend";
import type { Page, PageContext } from "./page";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let context: PageContext | undefined;
let trend: Trend | undefined;
let chargersCard: ChargersCard | undefined;

function showIo(snapshot: Snapshot): void {
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
    if (context?.canSteer) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "switch";
      button.dataset.output = `${output.module}/${output.output}`;
      button.textContent = output.energised ? "Switch off" : "Switch on";
      button.addEventListener("click", async () => {
        button.disabled = true;
        try {
          await switchOutput(output.module, output.output, !output.energised);
          context?.eventsChanged();
        } catch (e) {
          $("status").textContent = e instanceof Error ? e.message : "switching failed";
        }
      });
      li.append(" ", button);
    }
    items.push(li);
  }
  $("io").replaceChildren(...items);
}

function showDecisions(snapshot: Snapshot): void {
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

export const overviewPage: Page = {
  start(c) {
    context = c;
    chargersCard ??= new ChargersCard($("chargers-card"), $<HTMLUListElement>("chargers"), () => c.eventsChanged());
  },
  show() {
    setupPlan();
  },
  snapshot(snapshot) {
    const f = flows(snapshot);
    const present = new Set<string>(snapshot.loads.map((l) => `${l.kind}_w`));
    drawFlow($("flow") as unknown as SVGSVGElement, f, present);
    trend ??= new Trend($("trend"));
    trend.add(snapshot.time_ms, f);
    showIo(snapshot);
    chargersCard?.show(snapshot.chargers ?? [], context?.canSteer ?? false);
    showDecisions(snapshot);
  },
};
