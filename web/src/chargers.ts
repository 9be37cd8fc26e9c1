// The Chargers card: each charger's mode, car and power, the charge session a
// person declared ("ready by 07:00 with 20 kWh"), and for owners a "Ready by"
// form and a Clear button. The rows are built once per charger and updated in
// place, so a live update every second does not wipe what is being typed.
import { ApiError, type Charger, clearSession, declareSession } from "./api";

interface Row {
  li: HTMLLIElement;
  state: HTMLSpanElement;
  session: HTMLSpanElement;
  form: HTMLFormElement;
  clear: HTMLButtonElement;
  error: HTMLSpanElement;
}

function describeSession(c: Charger): string {
  if (!c.session) {
    return "No session declared.";
  }
  const by = new Date(c.session.departure).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" });
  return `Ready by ${by}: ${c.session.need_kwh.toFixed(1)} kWh, ${c.session.delivered_kwh.toFixed(1)} kWh charged so far.`;
}

export class ChargersCard {
  private rows = new Map<string, Row>();

  constructor(
    private readonly card: HTMLElement,
    private readonly list: HTMLUListElement,
    private readonly changed: () => void,
  ) {}

  show(chargers: Charger[], canSteer: boolean): void {
    this.card.hidden = chargers.length === 0;
    const seen = new Set<string>();
    for (const c of chargers) {
      seen.add(c.load);
      const row = this.rows.get(c.load) ?? this.add(c.load);
      row.state.textContent =
        `${c.load}: ${c.mode}, ${c.plugged ? "car plugged in" : "no car"}, ${(c.power_w / 1000).toFixed(1)} kW`;
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

  private add(load: string): Row {
    const li = document.createElement("li");
    li.dataset.charger = load;
    const state = document.createElement("span");
    state.className = "charger-state";
    const session = document.createElement("span");
    session.className = "charger-session";
    const form = document.createElement("form");
    form.className = "ready-by";
    form.dataset.load = load;
    const time = document.createElement("input");
    time.type = "time";
    time.name = "departure";
    time.required = true;
    time.value = "07:00";
    time.setAttribute("aria-label", `${load}: ready by (local time)`);
    const amount = document.createElement("input");
    amount.type = "number";
    amount.name = "amount";
    amount.required = true;
    amount.min = "0.1";
    amount.step = "any";
    amount.value = "20";
    amount.setAttribute("aria-label", `${load}: energy needed`);
    const unit = document.createElement("select");
    unit.name = "unit";
    unit.setAttribute("aria-label", `${load}: in kWh or % of the battery`);
    for (const [value, text] of [
      ["kwh", "kWh"],
      ["pct", "% of battery"],
    ]) {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = text;
      unit.append(option);
    }
    const submit = document.createElement("button");
    submit.type = "submit";
    submit.textContent = "Ready by";
    const clear = document.createElement("button");
    clear.type = "button";
    clear.className = "clear-session";
    clear.textContent = "Clear";
    const error = document.createElement("span");
    error.className = "form-error";
    error.setAttribute("role", "alert");
    const label = document.createElement("span");
    label.textContent = "Ready by ";
    form.append(label, time, " with ", amount, unit, " ", submit, " ", clear, " ", error);

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      error.textContent = "";
      const value = Number(amount.value);
      const request =
        unit.value === "pct"
          ? { departure: time.value, need_pct: value }
          : { departure: time.value, need_kwh: value };
      submit.disabled = true;
      try {
        await declareSession(load, request);
        this.changed();
      } catch (e) {
        error.textContent = e instanceof ApiError || e instanceof Error ? e.message : "not declared";
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
        error.textContent = e instanceof Error ? e.message : "not cleared";
      } finally {
        clear.disabled = false;
      }
    });
    li.append(state, document.createElement("br"), session, form);
    this.list.append(li);
    const row = { li, state, session, form, clear, error };
    this.rows.set(load, row);
    return row;
  }
}
