// The installer's "live electricity values" table: one row per CT input with
// its channel (load), phase, P, Q, PF, I and the phase's line and phase
// voltages. The channel is the row's first cell on every row: on a phone the
// table scrolls sideways within its card with that column fixed (devices.css).
import type { Snapshot } from "./api";
import { formatNumber } from "./format";

function cell(text: string, numeric = false): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (numeric) {
    td.className = "num";
  }
  return td;
}

export function fillLiveTable(body: HTMLTableSectionElement, snapshot: Snapshot): void {
  const rows: HTMLTableRowElement[] = [];
  for (const load of snapshot.loads) {
    load.phases.forEach((p, index) => {
      const v = snapshot.voltages[p.phase];
      const tr = document.createElement("tr");
      tr.dataset.input = p.input;
      // A channel's first phase starts a group (a rule above it).
      tr.className = index === 0 ? "first" : "";
      tr.append(
        cell(load.name),
        cell(p.phase),
        cell(formatNumber(p.p_w, 0), true),
        cell(formatNumber(p.q_var, 0), true),
        cell(formatNumber(p.pf, 2), true),
        cell(formatNumber(p.i_a, 2), true),
        cell(v ? formatNumber(v.v_ll, 1) : "–", true),
        cell(v ? formatNumber(v.v_ln, 1) : "–", true),
      );
      rows.push(tr);
    });
  }
  body.replaceChildren(...rows);
}
