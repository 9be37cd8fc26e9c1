// The energy-flow picture: the sources (grid, solar, battery) above the
// home, the big consumers the energy manager steers (each car, the heat
// pump) below it. A line per node runs to the home; its dashes move the way
// the energy flows, its width grows with the power, and its colour says what
// flows (import red, export green, solar amber, battery cyan, use blue).
// The battery carries a ring filled to its state of charge. Nodes for kinds
// the installation lacks are left out.
//
// Built with DOM calls only (names come from the installation file; no HTML
// is ever parsed from data). The picture is built once per set of nodes and
// then updated in place, so the dash animation runs on smoothly while live
// values arrive up to ten times a second.
import type { Snapshot } from "./api";
import { formatPercent, formatPower } from "./format";
import { t, tOr } from "./i18n";

const SVG = "http://www.w3.org/2000/svg";

export interface Flows {
  grid_w: number; // + import
  solar_w: number; // + production
  battery_w: number; // + discharge
  ev_w: number;
  heatpump_w: number;
  home_w: number; // everything else the house uses
}

const sumOf = (snapshot: Snapshot, kind: string) =>
  snapshot.loads.filter((l) => l.kind === kind).reduce((acc, l) => acc + l.p_w, 0);

// Sums per kind; the home is what the balance leaves: grid + solar + battery
// - EV - heat pump (it includes circuits no CT measures).
export function flows(snapshot: Snapshot): Flows {
  const f = {
    grid_w: sumOf(snapshot, "grid"),
    solar_w: sumOf(snapshot, "solar"),
    battery_w: sumOf(snapshot, "battery"),
    ev_w: sumOf(snapshot, "ev"),
    heatpump_w: sumOf(snapshot, "heatpump"),
    home_w: 0,
  };
  f.home_w = f.grid_w + f.solar_w + f.battery_w - f.ev_w - f.heatpump_w;
  return f;
}

export { formatPower } from "./format";

type Kind = "grid" | "solar" | "battery" | "home" | "ev" | "heatpump";

interface NodeSpec {
  id: string; // data-node: "grid", "solar", "battery", "home", "ev:<load>", "heatpump:<load>"
  kind: Kind;
  name: string; // the installation's load name (cars, heat pumps) or empty
  power_w: number;
  // +1 when positive power flows towards the home (sources), -1 away from it.
  towardsHome: number;
  soc_pct?: number | null;
  status: string;
}

// Below this a line is drawn idle: meters read a few watts of noise.
const kIdleW = 5;

function carStatus(snapshot: Snapshot, load: string, power_w: number): string {
  const c = snapshot.chargers?.find((x) => x.load === load);
  if (!c) {
    return power_w >= kIdleW ? t("ov.car.charging") : "";
  }
  if (c.charging ?? c.power_w >= kIdleW) {
    return t("ov.car.charging");
  }
  return c.plugged ? t("ov.car.plugged") : t("ov.car.unplugged");
}

function nodesOf(snapshot: Snapshot): { top: NodeSpec[]; bottom: NodeSpec[]; home: NodeSpec } {
  const kinds = new Set(snapshot.loads.map((l) => l.kind));
  const f = flows(snapshot);
  const top: NodeSpec[] = [];
  if (kinds.has("grid")) {
    const status = f.grid_w >= kIdleW ? t("ov.flow.importing") : f.grid_w <= -kIdleW ? t("ov.flow.exporting") : "";
    top.push({ id: "grid", kind: "grid", name: "", power_w: f.grid_w, towardsHome: 1, status });
  }
  if (kinds.has("solar")) {
    top.push({ id: "solar", kind: "solar", name: "", power_w: f.solar_w, towardsHome: 1, status: "" });
  }
  const batteries = snapshot.batteries ?? [];
  if (kinds.has("battery") || batteries.length > 0) {
    const power = kinds.has("battery") ? f.battery_w : batteries.reduce((a, b) => a + b.power_w, 0);
    const socs = batteries.map((b) => b.soc_pct).filter((v) => Number.isFinite(v));
    const soc = socs.length > 0 ? socs.reduce((a, b) => a + b, 0) / socs.length : null;
    const status = power >= kIdleW ? t("ov.flow.discharging") : power <= -kIdleW ? t("ov.flow.charging") : "";
    top.push({ id: "battery", kind: "battery", name: "", power_w: power, towardsHome: 1, soc_pct: soc, status });
  }
  const bottom: NodeSpec[] = [];
  for (const load of snapshot.loads.filter((l) => l.kind === "ev")) {
    bottom.push({
      id: `ev:${load.name}`,
      kind: "ev",
      name: load.name,
      power_w: load.p_w,
      towardsHome: -1,
      status: carStatus(snapshot, load.name, load.p_w),
    });
  }
  for (const load of snapshot.loads.filter((l) => l.kind === "heatpump")) {
    const hp = snapshot.heat_pumps?.find((h) => h.load === load.name) ?? snapshot.heat_pumps?.[0];
    bottom.push({
      id: `heatpump:${load.name}`,
      kind: "heatpump",
      name: load.name,
      power_w: load.p_w,
      towardsHome: -1,
      status: hp ? tOr(`ov.sg.${hp.sg_ready}`, `SG ${hp.sg_ready}`) : "",
    });
  }
  const home: NodeSpec = { id: "home", kind: "home", name: "", power_w: f.home_w, towardsHome: -1, status: "" };
  return { top, bottom, home };
}

function label(n: NodeSpec): string {
  return n.name || t(`ov.node.${n.kind}` as "ov.node.grid");
}

function el<K extends keyof SVGElementTagNameMap>(name: K, attrs: Record<string, string | number> = {}) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) {
    e.setAttribute(k, String(v));
  }
  return e;
}

function setText(node: Node, text: string): void {
  if (node.textContent !== text) {
    node.textContent = text;
  }
}

// A long load name is cut to fit under its circle; the full name is in the title.
function short(name: string, max = 14): string {
  return name.length <= max ? name : `${name.slice(0, max - 1)}…`;
}

interface Drawn {
  spec: NodeSpec;
  x: number;
  y: number;
  r: number;
  line?: SVGPathElement;
  value: SVGTextElement;
  status: SVGTextElement;
  label: SVGTextElement;
  title: SVGTitleElement;
  soc?: SVGTextElement;
  arc?: SVGCircleElement;
}

const kR = 32;
const kHomeR = 38;
const kLineClasses = ["import", "export", "solar", "battery", "use", "idle"];

export class FlowView {
  private key = "";
  private drawn = new Map<string, Drawn>();

  constructor(private readonly svg: SVGSVGElement) {}

  // Forget the picture: it is rebuilt (with the new language's labels) at the next render.
  relabel(): void {
    this.key = "";
  }

  render(snapshot: Snapshot): void {
    const { top, bottom, home } = nodesOf(snapshot);
    const key = [...top, ...bottom].map((n) => n.id).join("\u0000");
    if (key !== this.key) {
      this.build(top, bottom, home);
      this.key = key;
    }
    for (const spec of [...top, ...bottom, home]) {
      const d = this.drawn.get(spec.id);
      if (d) {
        d.spec = spec;
        this.update(d);
      }
    }
    this.svg.setAttribute("aria-label", this.describe([...top, home, ...bottom]));
  }

  private build(top: NodeSpec[], bottom: NodeSpec[], home: NodeSpec): void {
    const width = Math.max(360, 90 * Math.max(top.length, bottom.length));
    const height = bottom.length > 0 ? 370 : 260;
    const yTop = 70;
    const yHome = 185;
    const yBottom = 290;
    this.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.svg.replaceChildren();
    this.drawn.clear();
    const defs = el("defs");
    for (const cls of kLineClasses) {
      const marker = el("marker", {
        id: `flow-arrow-${cls}`,
        viewBox: "0 0 10 10",
        refX: 5,
        refY: 5,
        markerWidth: 12,
        markerHeight: 12,
        markerUnits: "userSpaceOnUse",
        orient: "auto",
      });
      marker.appendChild(el("path", { d: "M0,0 L10,5 L0,10 z", class: `arrowhead ${cls}` }));
      defs.appendChild(marker);
    }
    this.svg.appendChild(defs);
    const lines = el("g", { class: "lines" });
    const nodes = el("g", { class: "nodes" });
    this.svg.append(lines, nodes);
    const hx = width / 2;
    const place = (row: NodeSpec[], y: number, below: boolean) => {
      row.forEach((spec, i) => {
        // Rows of one or two keep to the middle; three and more spread out.
        const slots = Math.max(row.length, 3);
        const offset = (slots - row.length) / 2;
        const x = (width * (i + offset + 0.5)) / slots;
        this.drawn.set(spec.id, this.node(nodes, lines, spec, x, y, kR, below ? "below" : "above", hx, yHome));
      });
    };
    place(top, yTop, false);
    place(bottom, yBottom, true);
    this.drawn.set(home.id, this.node(nodes, undefined, home, hx, yHome, kHomeR, "inside", hx, yHome));
  }

  private node(
    parent: SVGGElement,
    lines: SVGGElement | undefined,
    spec: NodeSpec,
    x: number,
    y: number,
    r: number,
    labelAt: "above" | "below" | "inside",
    hx: number,
    hy: number,
  ): Drawn {
    let line: SVGPathElement | undefined;
    if (lines) {
      line = el("path", { class: "line idle", "data-line": spec.id });
      lines.appendChild(line);
    }
    const g = el("g", { class: `node ${spec.kind}`, "data-node": spec.id });
    const title = el("title");
    g.appendChild(title);
    let arc: SVGCircleElement | undefined;
    let soc: SVGTextElement | undefined;
    if (spec.kind === "battery") {
      // The state of charge as a ring around the node, filled clockwise from the top.
      g.appendChild(el("circle", { cx: x, cy: y, r: r + 5, class: "soc-track" }));
      arc = el("circle", {
        cx: x,
        cy: y,
        r: r + 5,
        class: "soc-arc",
        pathLength: 100,
        transform: `rotate(-90 ${x} ${y})`,
      });
      g.appendChild(arc);
    }
    g.appendChild(el("circle", { cx: x, cy: y, r, class: "disc" }));
    const inside = labelAt === "inside";
    const value = el("text", { x, y: inside ? y + 6 : y + 1, class: "value" });
    const status = el("text", { x, y: inside ? y + 21 : y + 16, class: "status" });
    const name = el("text", {
      x,
      y: inside ? y - 12 : labelAt === "above" ? y - r - (arc ? 14 : 9) : y + r + 18,
      class: inside ? "label inside" : "label",
    });
    g.append(value, status, name);
    if (spec.kind === "battery") {
      // The state of charge takes the status line; charging or discharging
      // is what the line's direction shows.
      soc = status;
      soc.setAttribute("class", "status soc");
    }
    parent.appendChild(g);
    const drawn: Drawn = { spec, x, y, r, line, value, status, label: name, title, soc, arc };
    if (line) {
      drawn.line = line;
      line.dataset.hx = String(hx);
      line.dataset.hy = String(hy);
    }
    return drawn;
  }

  private update(d: Drawn): void {
    const { spec } = d;
    setText(d.value, formatPower(Math.abs(spec.power_w)));
    setText(d.label, short(label(spec)));
    if (d.soc) {
      const soc = spec.soc_pct;
      setText(d.soc, formatPercent(soc));
      d.soc.dataset.soc = soc == null ? "" : String(Math.round(soc));
      if (d.arc) {
        const pct = soc == null ? 0 : Math.max(0, Math.min(100, soc));
        d.arc.setAttribute("stroke-dasharray", `${pct} 100`);
        d.arc.setAttribute("class", `soc-arc ${pct < 20 ? "low" : pct < 50 ? "mid" : "high"}`);
      }
    } else {
      setText(d.status, spec.status);
    }
    const titleText = [label(spec), formatPower(spec.power_w), spec.soc_pct != null ? formatPercent(spec.soc_pct) : "", spec.status]
      .filter((s) => s)
      .join(" · ");
    setText(d.title, titleText);
    if (!d.line) {
      return;
    }
    const w = spec.power_w;
    const active = Math.abs(w) >= kIdleW;
    const inward = w * spec.towardsHome > 0;
    const hx = Number(d.line.dataset.hx);
    const hy = Number(d.line.dataset.hy);
    // From edge to edge, source to destination, through a midpoint that carries the arrow.
    const dx = hx - d.x;
    const dy = hy - d.y;
    const len = Math.hypot(dx, dy) || 1;
    const ux = dx / len;
    const uy = dy / len;
    const ax = d.x + ux * (d.r + (d.arc ? 8 : 3));
    const ay = d.y + uy * (d.r + (d.arc ? 8 : 3));
    const bx = hx - ux * (kHomeR + 3);
    const by = hy - uy * (kHomeR + 3);
    const [x1, y1, x2, y2] = inward || !active ? [ax, ay, bx, by] : [bx, by, ax, ay];
    const path = `M${x1.toFixed(1)},${y1.toFixed(1)} L${((x1 + x2) / 2).toFixed(1)},${((y1 + y2) / 2).toFixed(1)} L${x2.toFixed(1)},${y2.toFixed(1)}`;
    if (d.line.getAttribute("d") !== path) {
      d.line.setAttribute("d", path);
    }
    let cls = "idle";
    if (active) {
      if (spec.kind === "grid") {
        cls = w > 0 ? "import" : "export";
      } else if (spec.kind === "solar") {
        cls = "solar";
      } else if (spec.kind === "battery") {
        cls = "battery";
      } else {
        cls = "use";
      }
    }
    const className = `line ${cls}`;
    if (d.line.getAttribute("class") !== className) {
      d.line.setAttribute("class", className);
      if (active) {
        d.line.setAttribute("marker-mid", `url(#flow-arrow-${cls})`);
      } else {
        d.line.removeAttribute("marker-mid");
      }
    }
    // 2 px idle, 4.5 px at 1 kW, 7 px at 4 kW, 10 px from 10 kW.
    const width = active ? 2 + 8 * Math.min(1, Math.sqrt(Math.abs(w) / 10000)) : 1.5;
    d.line.setAttribute("stroke-width", width.toFixed(1));
  }

  // The picture in words, for screen readers.
  private describe(specs: NodeSpec[]): string {
    return specs
      .map((s) => {
        const parts = [label(s), formatPower(s.power_w)];
        if (s.soc_pct != null) {
          parts.push(formatPercent(s.soc_pct));
        }
        if (s.status) {
          parts.push(s.status);
        }
        return parts.join(" ");
      })
      .join("; ");
  }
}
