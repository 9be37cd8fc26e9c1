// The energy-flow picture: grid, solar, battery, EV and heat pump around the
// home, each with its power and an arrow showing which way energy flows.
// Built with DOM calls only (names come from the installation file; no HTML
// is ever parsed from data).
import type { Snapshot } from "./api";
import { formatPower } from "./format";

const SVG = "http://www.w3.org/2000/svg";

export interface Flows {
  grid_w: number; // + import
  solar_w: number; // + production
  battery_w: number; // + discharge
  ev_w: number;
  heatpump_w: number;
  home_w: number; // everything else the house uses
}

// Sums per kind; the home is what the balance leaves: grid + solar + battery
// - EV - heat pump (it includes circuits no CT measures).
export function flows(snapshot: Snapshot): Flows {
  const sum = (kind: string) =>
    snapshot.loads.filter((l) => l.kind === kind).reduce((acc, l) => acc + l.p_w, 0);
  const f = {
    grid_w: sum("grid"),
    solar_w: sum("solar"),
    battery_w: sum("battery"),
    ev_w: sum("ev"),
    heatpump_w: sum("heatpump"),
    home_w: 0,
  };
  f.home_w = f.grid_w + f.solar_w + f.battery_w - f.ev_w - f.heatpump_w;
  return f;
}

export { formatPower } from "./format";

interface Node {
  id: keyof Flows;
  label: string;
  x: number;
  y: number;
  // +1 when positive power flows towards the home, -1 when away from it.
  towardsHome: number;
}

const NODES: Node[] = [
  { id: "grid_w", label: "Grid", x: 60, y: 50, towardsHome: 1 },
  { id: "solar_w", label: "Solar", x: 300, y: 50, towardsHome: 1 },
  { id: "battery_w", label: "Battery", x: 60, y: 210, towardsHome: 1 },
  { id: "ev_w", label: "EV", x: 300, y: 210, towardsHome: -1 },
  { id: "heatpump_w", label: "Heat pump", x: 180, y: 235, towardsHome: -1 },
];
const HOME = { x: 180, y: 120 };

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number>) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) {
    e.setAttribute(k, String(v));
  }
  return e;
}

export function drawFlow(svg: SVGSVGElement, f: Flows, present: Set<string>): void {
  svg.replaceChildren();
  const defs = el("defs", {});
  const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 5, refY: 5, markerWidth: 5, markerHeight: 5, orient: "auto" });
  marker.appendChild(el("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead" }));
  defs.appendChild(marker);
  svg.appendChild(defs);
  for (const node of NODES) {
    if (!present.has(node.id)) {
      continue;
    }
    const w = f[node.id];
    const inward = w * node.towardsHome > 0;
    const active = Math.abs(w) >= 1;
    const [x1, y1, x2, y2] = inward ? [node.x, node.y, HOME.x, HOME.y] : [HOME.x, HOME.y, node.x, node.y];
    svg.appendChild(
      el("line", {
        x1, y1, x2: (x1 + x2) / 2, y2: (y1 + y2) / 2,
        class: active ? "flow active" : "flow",
        "marker-end": active ? "url(#arrow)" : "",
      }),
    );
    svg.appendChild(el("line", { x1: (x1 + x2) / 2, y1: (y1 + y2) / 2, x2, y2, class: active ? "flow active" : "flow" }));
  }
  const drawNode = (x: number, y: number, label: string, value: string, id: string) => {
    const g = el("g", { class: "node", "data-node": id });
    g.appendChild(el("circle", { cx: x, cy: y, r: 30 }));
    const t1 = el("text", { x, y: y - 4, class: "label" });
    t1.textContent = label;
    const t2 = el("text", { x, y: y + 12, class: "value" });
    t2.textContent = value;
    g.append(t1, t2);
    svg.appendChild(g);
  };
  for (const node of NODES) {
    if (present.has(node.id)) {
      drawNode(node.x, node.y, node.label, formatPower(f[node.id]), node.id);
    }
  }
  drawNode(HOME.x, HOME.y, "Home", formatPower(f.home_w), "home_w");
}
