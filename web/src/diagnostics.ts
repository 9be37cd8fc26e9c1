// The installer's diagnostics card: per CT input the manual's validation
// table (I, P, Q, PF, angle, V_LN, V_LL) beside the daemon's verdict on its
// phase and direction, and "Apply the fix" that saves the corrected
// installation through the editor's own path (PUT /api/v1/installation).
// Refreshed every 5 s while the card is on screen and the page visible.
import { ApiError, diagnostics, saveInstallation, type Diagnostics, type InputDiagnosis, type Problem } from "./api";
import { formatNumber } from "./format";
import { t, tOr } from "./i18n";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const kRefreshMs = 5000;

// Words beside the colour, so the verdict never rests on colour alone.
function verdictText(verdict: string): string {
  return tOr(`diag.verdict.${verdict}`, verdict);
}

let timer: number | undefined;
let onScreen = false;
let corrected: string | null = null;
let lastResult: Diagnostics | undefined;
// The status line's text, rebuilt when the language changes.
let statusText: () => string = () => "";
let afterSave: ((yaml: string) => void) | undefined;
let watching = false;

function num(value: number | null | undefined, digits: number): string {
  return value === null || value === undefined ? "–" : formatNumber(value, digits);
}

function phaseText(phase: string | null, reversed: boolean): string {
  return phase === null ? "–" : reversed ? t("diag.phaseReversed", { phase }) : phase;
}

function cell(text: string, className = ""): HTMLTableCellElement {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) {
    td.className = className;
  }
  return td;
}

function evidenceText(d: InputDiagnosis): string {
  const basis = d.evidence.basis.length > 0 ? t("diag.basis", { list: d.evidence.basis.join(", ") }) : "";
  const residual =
    d.evidence.kcl_residual_a !== undefined
      ? `; ${t("diag.kcl", { a: formatNumber(d.evidence.kcl_residual_a, 2) })}`
      : "";
  const conductor = d.evidence.conductor ? `; ${t("diag.conductor", { name: d.evidence.conductor })}` : "";
  const why = d.why ? (basis ? `; ${d.why}` : d.why) : "";
  return `${basis}${residual}${conductor}${why}` || "–";
}

function row(d: InputDiagnosis): HTMLTableRowElement {
  const tr = document.createElement("tr");
  tr.dataset.input = d.input;
  tr.dataset.verdict = d.verdict;
  const th = document.createElement("th");
  th.scope = "row";
  th.textContent = d.input;
  const live = d.live;
  const verdict = cell(verdictText(d.verdict), `verdict ${d.verdict}`);
  tr.append(
    th,
    cell(d.load),
    cell(phaseText(d.configured_phase, d.configured_reversed)),
    cell(num(live?.i_a, 2), "num"),
    cell(num(live?.p_w, 0), "num"),
    cell(num(live?.q_var, 0), "num"),
    cell(num(live?.pf, 2), "num"),
    cell(num(live ? live.angle_deg : d.evidence.angle_deg, 1), "num"),
    cell(num(live?.v_ln, 1), "num"),
    cell(num(live?.v_ll, 1), "num"),
    verdict,
    cell(phaseText(d.detected_phase, d.reversed)),
    cell(evidenceText(d), "evidence"),
  );
  return tr;
}

function show(result: Diagnostics): void {
  lastResult = result;
  const note = $("diagnostics-note");
  const table = $<HTMLTableElement>("diagnostics-table");
  const apply = $<HTMLButtonElement>("diagnostics-apply");
  if (!result.available) {
    note.textContent = t("diag.unavailable", { why: result.why ?? t("diag.noMeasurements") });
    table.tBodies[0].replaceChildren();
    $("diagnostics-wrap").hidden = true;
    apply.hidden = true;
    corrected = null;
    return;
  }
  $("diagnostics-wrap").hidden = false;
  const fixes = result.fixes ?? 0;
  const span = t("diag.window", { s: formatNumber(Math.round(result.window_s)) });
  note.textContent =
    fixes === 0
      ? `${span} ${t("diag.nothing")}`
      : `${span} ${fixes === 1 ? t("diag.fixOne") : t("diag.fixMany", { n: fixes })}` +
        (result.installation_error ? ` ${t("diag.notWritten", { error: result.installation_error })}` : "");
  table.tBodies[0].replaceChildren(...(result.inputs ?? []).map(row));
  corrected = result.installation ?? null;
  apply.hidden = corrected === null;
}

async function refresh(): Promise<void> {
  try {
    show(await diagnostics());
  } catch (e) {
    if (!(e instanceof ApiError && (e.status === 401 || e.status === 403))) {
      $("diagnostics-note").textContent = t("diag.loadFailed");
    }
  }
}

function tick(): void {
  if (onScreen && document.visibilityState === "visible") {
    void refresh();
  }
}

// `saved` is told the file that was saved (the editor follows it).
export function setupDiagnostics(role: string, saved?: (yaml: string) => void): void {
  const card = $("diagnostics-card");
  card.hidden = role !== "installer";
  window.clearInterval(timer);
  timer = undefined;
  if (card.hidden) {
    return;
  }
  afterSave = saved;
  if (!watching) {
    watching = true;
    new IntersectionObserver((entries) => {
      const was = onScreen;
      onScreen = entries.some((e) => e.isIntersecting);
      if (onScreen && !was) {
        void refresh();
      }
    }).observe(card);
    document.addEventListener("visibilitychange", tick);
  }
  timer = window.setInterval(tick, kRefreshMs);
  const apply = $<HTMLButtonElement>("diagnostics-apply");
  apply.onclick = async () => {
    if (corrected === null) {
      return;
    }
    const yaml = corrected;
    const status = $("diagnostics-status");
    apply.disabled = true;
    try {
      const result = await saveInstallation(yaml);
      status.className = "ok";
      statusText = () => t("diag.applied", { summary: result.summary });
      status.textContent = statusText();
      afterSave?.(yaml);
      window.setTimeout(() => void refresh(), 1500);
    } catch (e) {
      status.className = "error";
      if (e instanceof ApiError && e.status === 422) {
        const body = e.payload as { error: string; problems: Problem[] };
        const text = `${body.error}: ${body.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join("; ")}`;
        statusText = () => text;
      } else {
        const error = e instanceof Error ? e.message : "";
        statusText = () => error || t("inst.notSaved");
      }
      status.textContent = statusText();
    } finally {
      apply.disabled = false;
    }
  };
  void refresh();
}

// The language changed: the note, the rows and the status in the new one.
export function diagnosticsLanguage(): void {
  if (lastResult) {
    show(lastResult);
  }
  $("diagnostics-status").textContent = statusText();
}
