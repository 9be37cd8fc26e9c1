// The installer's "live electricity values" table: one row per CT input with
// its load, phase, P, Q, PF, I and the phase's line and phase voltages.
import type { Snapshot } from "./api";

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
    for (const p of load.phases) {
      const v = snapshot.voltages[p.phase];
      const tr = document.createElement("tr");
      tr.dataset.input = p.input;
      tr.append(
        cell(load.name),
        cell(p.phase),
        cell(p.p_w.toFixed(0), true),
        cell(p.q_var.toFixed(0), true),
        cell(p.pf.toFixed(2), true),
        cell(p.i_a.toFixed(3), true),
        cell(v ? v.v_ll.toFixed(1) : "–", true),
        cell(v ? v.v_ln.toFixed(1) : "–", true),
      );
      rows.push(tr);
    }
  }
  body.replaceChildren(...rows);
}
