// The Cars card: per charger its state (car plugged in, charging, power, the
// session's energy), its charging mode (off, fast, min+PV, PV only) as a
// segmented control for owners and installers and as words for viewers, the
// charge session a person declared ("ready by 07:00 with 20 kWh") with the
// "Ready by" form and a Clear button. Each change says its result, or the
// API's error, beside the control. The rows are built once per charger and
// updated in place, so a live update every second does not wipe what is
// being typed or chosen.
import { ApiError, type Charger, type ChargerMode, clearSession, declareSession, setChargerMode } from "./api";
import { formatEnergyKwh, formatEnergyWh, formatPower } from "./format";
import { locale, t, tOr } from "./i18n";

export const kModes: ChargerMode[] = ["off", "now", "min+pv", "pv"];

// How long a chosen mode is shown while the daemon has not taken it yet (it
// does at its next cycle).
const kPendingMs = 5000;
// Arrow keys move through a radio group choosing each mode on the way: only
// the one the person stops at is sent.
const kSettleMs = 300;

interface Row {
  li: HTMLLIElement;
  name: HTMLHeadingElement;
  state: HTMLSpanElement;
  energy: HTMLSpanElement;
  modeText: HTMLParagraphElement;
  modes: HTMLFieldSetElement;
  radios: Map<string, HTMLInputElement>;
  hint: HTMLParagraphElement;
  result: HTMLSpanElement;
  session: HTMLSpanElement;
  form: HTMLFormElement;
  clear: HTMLButtonElement;
  error: HTMLSpanElement;
  pending?: { mode: string; until: number };
  settle?: number;
  texts: (() => void)[];
}

export const modeName = (mode: string) => tOr(`ov.mode.${mode}`, mode);

function errorText(e: unknown): string {
  return t("ov.error", { error: e instanceof ApiError || e instanceof Error ? e.message : String(e) });
}

function describeSession(c: Charger): string {
  if (!c.session) {
    return t("ov.session.none");
  }
  const by = new Date(c.session.departure).toLocaleString(locale(), { weekday: "short", hour: "2-digit", minute: "2-digit" });
  return t("ov.session.readyBy", {
    time: by,
    need: formatEnergyKwh(c.session.need_kwh),
    done: formatEnergyKwh(c.session.delivered_kwh),
  });
}

function stateText(c: Charger): string {
  const charging = c.charging ?? (c.plugged && c.power_w >= 5);
  const state = charging ? t("ov.car.charging") : c.plugged ? t("ov.car.plugged") : t("ov.car.unplugged");
  return `${state} · ${formatPower(c.power_w)}`;
}

let rowCount = 0;

export class ChargersCard {
  private rows = new Map<string, Row>();
  private canSteer = false;

  constructor(
    private readonly card: HTMLElement,
    private readonly list: HTMLUListElement,
    private readonly changed: () => void,
  ) {}

  // The language changed: texts set once when a row was built are set again.
  relabel(): void {
    for (const row of this.rows.values()) {
      for (const set of row.texts) {
        set();
      }
    }
  }

  show(chargers: Charger[], canSteer: boolean): void {
    this.canSteer = canSteer;
    this.card.hidden = chargers.length === 0;
    const seen = new Set<string>();
    const now = Date.now();
    for (const c of chargers) {
      seen.add(c.load);
      const row = this.rows.get(c.load) ?? this.add(c.load);
      row.li.dataset.mode = c.mode;
      row.li.dataset.charging = String(c.charging ?? (c.plugged && c.power_w >= 5));
      row.state.textContent = stateText(c);
      const energy = c.session_energy_wh;
      // Nothing to say for a session that has not started (no car, nothing charged).
      row.energy.hidden = energy == null || (!c.plugged && energy === 0);
      row.energy.textContent = energy == null ? "" : t("ov.charger.sessionEnergy", { energy: formatEnergyWh(energy) });
      if (row.pending && (row.pending.mode === c.mode || now > row.pending.until)) {
        row.pending = undefined;
      }
      const shown = row.pending?.mode ?? c.mode;
      for (const [mode, radio] of row.radios) {
        radio.checked = mode === shown;
      }
      row.modeText.textContent = t("ov.mode.current", { mode: modeName(c.mode) });
      row.hint.textContent = tOr(`ov.mode.hint.${shown}`, "");
      row.modes.hidden = !canSteer;
      row.modeText.hidden = canSteer;
      row.session.textContent = describeSession(c);
      row.session.dataset.declared = c.session ? "yes" : "no";
      row.form.hidden = !canSteer;
      row.clear.hidden = !canSteer || !c.session;
    }
    for (const [load, row] of this.rows) {
      if (!seen.has(load)) {
        row.li.remove();
        this.rows.delete(load);
      }
    }
  }

  private async chooseMode(load: string, row: Row, mode: ChargerMode): Promise<void> {
    if (!this.canSteer) {
      return;
    }
    row.pending = { mode, until: Date.now() + kPendingMs };
    row.result.className = "result";
    row.result.textContent = t("ov.saving");
    row.hint.textContent = tOr(`ov.mode.hint.${mode}`, "");
    try {
      await setChargerMode(load, mode);
      row.result.className = "result ok";
      row.result.textContent = t("ov.mode.set", { mode: modeName(mode) });
      this.changed();
    } catch (e) {
      row.pending = undefined;
      row.result.className = "result error";
      row.result.textContent = errorText(e);
    }
  }

  private add(load: string): Row {
    const index = rowCount++;
    const texts: (() => void)[] = [];
    const text = <T extends HTMLElement | Text>(node: T, set: () => string): T => {
      const apply = () => {
        node.textContent = set();
      };
      apply();
      texts.push(apply);
      return node;
    };
    const attr = (node: HTMLElement, name: string, set: () => string) => {
      const apply = () => node.setAttribute(name, set());
      apply();
      texts.push(apply);
    };
    const make = <K extends keyof HTMLElementTagNameMap>(tag: K, className = "") => {
      const e = document.createElement(tag);
      if (className) {
        e.className = className;
      }
      return e;
    };

    const li = make("li", "charger");
    li.dataset.charger = load;
    const head = make("div", "charger-head");
    const name = make("h3");
    name.textContent = load;
    const state = make("span", "charger-state");
    head.append(name, state);
    const energy = make("span", "charger-energy");

    // The mode: four segments for those who may steer, words for viewers.
    const modeText = make("p", "charger-mode");
    const modes = make("fieldset", "segmented");
    const legend = make("legend");
    text(legend, () => t("ov.mode.label"));
    modes.append(legend);
    const radios = new Map<string, HTMLInputElement>();
    const segments = make("div", "segments");
    for (const mode of kModes) {
      const label = make("label");
      const radio = make("input");
      radio.type = "radio";
      radio.name = `charger-mode-${index}`;
      radio.value = mode;
      const span = make("span");
      text(span, () => modeName(mode));
      label.append(radio, span);
      segments.append(label);
      radios.set(mode, radio);
    }
    modes.append(segments);
    const hint = make("p", "charger-hint");
    const result = make("span", "result");
    result.setAttribute("role", "status");

    // "Ready by": a time and an amount in kWh or % of the car's battery.
    const session = make("span", "charger-session");
    const form = make("form", "ready-by");
    form.dataset.load = load;
    const lead = make("span");
    text(lead, () => t("ov.readyBy.label"));
    const time = make("input");
    time.type = "time";
    time.name = "departure";
    time.required = true;
    time.value = "07:00";
    attr(time, "aria-label", () => t("ov.readyBy.time", { load }));
    const withText = text(document.createTextNode(""), () => ` ${t("ov.readyBy.with")} `);
    const amount = make("input");
    amount.type = "number";
    amount.name = "amount";
    amount.required = true;
    amount.min = "0.1";
    amount.step = "any";
    amount.value = "20";
    amount.inputMode = "decimal";
    attr(amount, "aria-label", () => t("ov.readyBy.amount", { load }));
    const unit = make("select");
    unit.name = "unit";
    attr(unit, "aria-label", () => t("ov.readyBy.unit", { load }));
    const kwh = make("option");
    kwh.value = "kwh";
    kwh.textContent = "kWh";
    const pct = make("option");
    pct.value = "pct";
    text(pct, () => t("ov.readyBy.pct"));
    unit.append(kwh, pct);
    const submit = make("button");
    submit.type = "submit";
    text(submit, () => t("ov.readyBy.submit"));
    const clear = make("button", "clear-session secondary");
    clear.type = "button";
    text(clear, () => t("ov.readyBy.clear"));
    const error = make("span", "form-error");
    error.setAttribute("role", "alert");
    const fields = make("span", "ready-by-fields");
    fields.append(lead, time, withText, amount, unit);
    form.append(fields, submit, clear, error);

    li.append(head, energy, modeText, modes, hint, result, session, form);
    this.list.append(li);
    const row: Row = { li, name, state, energy, modeText, modes, radios, hint, result, session, form, clear, error, texts };
    this.rows.set(load, row);

    for (const [mode, radio] of radios) {
      radio.addEventListener("change", () => {
        if (!radio.checked) {
          return;
        }
        row.pending = { mode, until: Date.now() + kPendingMs + kSettleMs };
        row.hint.textContent = tOr(`ov.mode.hint.${mode}`, "");
        window.clearTimeout(row.settle);
        row.settle = window.setTimeout(() => void this.chooseMode(load, row, mode as ChargerMode), kSettleMs);
      });
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      const value = Number(amount.value);
      const request =
        unit.value === "pct" ? { departure: time.value, need_pct: value } : { departure: time.value, need_kwh: value };
      submit.disabled = true;
      try {
        await declareSession(load, request);
        this.changed();
      } catch (e) {
        error.textContent = e instanceof Error ? e.message : t("ov.readyBy.notDeclared");
      } finally {
        submit.disabled = false;
      }
    });
    clear.addEventListener("click", async () => {
      error.textContent = "";
      clear.disabled = true;
      try {
        await clearSession(load);
        this.changed();
      } catch (e) {
        error.textContent = e instanceof Error ? e.message : t("ov.readyBy.notCleared");
      } finally {
        clear.disabled = false;
      }
    });
    return row;
  }
}
