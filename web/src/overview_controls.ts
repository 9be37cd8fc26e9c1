// The overview's device cards besides the cars: the battery (state of
// charge, power, and its reserve with a slider and a Set button), the heat
// pump (its SG Ready state in words, and for owners a hold/auto choice) and
// the relays (on/off switches) with the inputs' readings. Viewers see the
// states only. Each change shows its result, or the API's error, beside the
// control. Built once, updated in place: a live update never resets what a
// person is choosing.
import { ApiError, type Battery, type HeatPump, type Snapshot, setBatteryReserve, setSgReady, switchOutput } from "./api";
import { formatNumber, formatPercent, formatPower } from "./format";
import { t, tOr } from "./i18n";
import type { Key } from "./strings/index";

function make<K extends keyof HTMLElementTagNameMap>(tag: K, className = ""): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className) {
    e.className = className;
  }
  return e;
}

function errorText(e: unknown): string {
  return t("ov.error", { error: e instanceof ApiError || e instanceof Error ? e.message : String(e) });
}

function setResult(el: HTMLElement, kind: "" | "ok" | "error", text: string): void {
  el.className = kind ? `result ${kind}` : "result";
  el.textContent = text;
}

// Texts a card sets once are set again when the language changes.
class Texts {
  private readonly setters: (() => void)[] = [];
  text(node: HTMLElement, key: Key): void {
    const apply = () => {
      node.textContent = t(key);
    };
    apply();
    this.setters.push(apply);
  }
  relabel(): void {
    for (const set of this.setters) {
      set();
    }
  }
}

export class BatteryCard {
  private readonly texts = new Texts();
  private readonly bar: HTMLDivElement;
  private readonly fill: HTMLDivElement;
  private readonly soc: HTMLSpanElement;
  private readonly power: HTMLSpanElement;
  private readonly reserveNow: HTMLParagraphElement;
  private readonly form: HTMLFormElement;
  private readonly slider: HTMLInputElement;
  private readonly output: HTMLOutputElement;
  private readonly result: HTMLSpanElement;
  private touched = false; // the slider keeps a person's choice until it is set
  private reserve: number | null = null;

  constructor(
    private readonly card: HTMLElement,
    box: HTMLElement,
    private readonly changed: () => void,
  ) {
    const row = make("div", "battery-soc");
    this.bar = make("div", "soc-bar");
    this.bar.setAttribute("role", "meter");
    this.bar.setAttribute("aria-valuemin", "0");
    this.bar.setAttribute("aria-valuemax", "100");
    this.fill = make("div", "soc-fill");
    const mark = make("div", "soc-reserve");
    this.bar.append(this.fill, mark);
    this.soc = make("span", "soc-value");
    row.append(this.bar, this.soc);
    this.power = make("span", "battery-power");
    this.reserveNow = make("p", "battery-reserve");

    this.form = make("form", "reserve-form");
    const label = make("label", "reserve-label");
    const labelText = make("span");
    this.texts.text(labelText, "ov.battery.reserve");
    this.slider = make("input");
    this.slider.type = "range";
    this.slider.name = "reserve";
    this.slider.min = "0";
    this.slider.max = "100";
    this.slider.step = "5";
    this.slider.value = "20";
    this.output = make("output");
    label.append(labelText, this.slider);
    const set = make("button");
    set.type = "submit";
    this.texts.text(set, "ov.battery.set");
    this.result = make("span", "result");
    this.result.setAttribute("role", "status");
    const hint = make("p", "hint");
    this.texts.text(hint, "ov.battery.reserveHint");
    const controls = make("div", "reserve-controls");
    controls.append(label, this.output, set);
    this.form.append(controls, hint, this.result);
    box.append(row, this.power, this.reserveNow, this.form);

    const showOutput = () => {
      this.output.textContent = formatPercent(Number(this.slider.value));
    };
    this.slider.addEventListener("input", () => {
      this.touched = true;
      showOutput();
    });
    showOutput();
    this.form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const pct = Number(this.slider.value);
      set.disabled = true;
      setResult(this.result, "", t("ov.saving"));
      try {
        await setBatteryReserve(pct);
        setResult(this.result, "ok", t("ov.battery.reserveSet", { pct: formatPercent(pct) }));
        this.touched = false;
        this.changed();
      } catch (e) {
        setResult(this.result, "error", errorText(e));
      } finally {
        set.disabled = false;
      }
    });
  }

  relabel(): void {
    this.texts.relabel();
    this.output.textContent = formatPercent(Number(this.slider.value));
  }

  show(batteries: Battery[], canSteer: boolean): void {
    this.card.hidden = batteries.length === 0;
    if (batteries.length === 0) {
      return;
    }
    const socs = batteries.map((b) => b.soc_pct);
    const soc = socs.reduce((a, b) => a + b, 0) / socs.length;
    const power = batteries.reduce((a, b) => a + b.power_w, 0);
    const reserves = batteries.map((b) => b.reserve_pct).filter((v): v is number => v != null);
    this.reserve = reserves.length > 0 ? reserves[0] : null;
    const pct = Math.max(0, Math.min(100, soc));
    this.fill.style.width = `${pct}%`;
    this.fill.className = `soc-fill ${pct < 20 ? "low" : pct < 50 ? "mid" : "high"}`;
    this.bar.setAttribute("aria-valuenow", String(Math.round(pct)));
    this.bar.setAttribute("aria-label", t("ov.battery.soc"));
    const mark = this.bar.querySelector<HTMLElement>(".soc-reserve")!;
    mark.hidden = this.reserve === null;
    mark.style.left = `${this.reserve ?? 0}%`;
    this.soc.textContent = formatPercent(soc);
    this.power.textContent =
      power >= 5
        ? t("ov.battery.discharging", { power: formatPower(power) })
        : power <= -5
          ? t("ov.battery.charging", { power: formatPower(-power) })
          : t("ov.battery.idle");
    this.reserveNow.textContent = t("ov.battery.reserveNow", { pct: formatPercent(this.reserve) });
    this.form.hidden = !canSteer;
    if (!this.touched && this.reserve !== null && document.activeElement !== this.slider) {
      this.slider.value = String(Math.round(this.reserve));
      this.output.textContent = formatPercent(this.reserve);
    }
  }
}

const kSgStates = [1, 2, 3, 4] as const;

export class HeatPumpCard {
  private readonly texts = new Texts();
  private readonly state: HTMLParagraphElement;
  private readonly detail: HTMLParagraphElement;
  private readonly form: HTMLFormElement;
  private readonly select: HTMLSelectElement;
  private readonly result: HTMLSpanElement;
  private touched = false;

  constructor(
    private readonly card: HTMLElement,
    box: HTMLElement,
    private readonly changed: () => void,
  ) {
    this.state = make("p", "sg-state");
    this.detail = make("p", "hint");
    this.form = make("form", "sg-form");
    const label = make("label");
    const labelText = make("span");
    this.texts.text(labelText, "ov.hp.control");
    this.select = make("select");
    this.select.name = "sg-ready";
    const auto = make("option");
    auto.value = "auto";
    this.select.append(auto);
    for (const n of kSgStates) {
      const option = make("option");
      option.value = String(n);
      this.select.append(option);
    }
    this.fillOptions();
    label.append(labelText, this.select);
    const apply = make("button");
    apply.type = "submit";
    this.texts.text(apply, "ov.hp.apply");
    this.result = make("span", "result");
    this.result.setAttribute("role", "status");
    const controls = make("div", "sg-controls");
    controls.append(label, apply);
    this.form.append(controls, this.result);
    box.append(this.state, this.detail, this.form);
    this.select.addEventListener("change", () => {
      this.touched = true;
    });
    this.form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const value = this.select.value;
      const state = value === "auto" ? "auto" : (Number(value) as 1 | 2 | 3 | 4);
      apply.disabled = true;
      setResult(this.result, "", t("ov.saving"));
      try {
        await setSgReady(state);
        setResult(
          this.result,
          "ok",
          state === "auto" ? t("ov.hp.doneAuto") : t("ov.hp.done", { state: tOr(`ov.sg.${state}`, String(state)) }),
        );
        this.touched = false;
        this.changed();
      } catch (e) {
        setResult(this.result, "error", errorText(e));
      } finally {
        apply.disabled = false;
      }
    });
  }

  private fillOptions(): void {
    const [auto, ...states] = [...this.select.options];
    auto.textContent = t("ov.hp.auto");
    states.forEach((option, i) => {
      option.textContent = t("ov.hp.hold", { state: tOr(`ov.sg.${kSgStates[i]}`, String(kSgStates[i])) });
    });
  }

  relabel(): void {
    this.texts.relabel();
    this.fillOptions();
  }

  show(pumps: HeatPump[], canSteer: boolean): void {
    this.card.hidden = pumps.length === 0;
    if (pumps.length === 0) {
      return;
    }
    const hp = pumps[0];
    const name = tOr(`ov.sg.${hp.sg_ready}`, `SG Ready ${hp.sg_ready}`);
    this.state.textContent = t(hp.manual ? "ov.hp.stateManual" : "ov.hp.stateAuto", { state: name });
    this.state.dataset.sgReady = String(hp.sg_ready);
    this.detail.textContent = tOr(`ov.sg.desc.${hp.sg_ready}`, "");
    this.form.hidden = !canSteer;
    if (!this.touched && document.activeElement !== this.select) {
      this.select.value = hp.manual ? String(hp.sg_ready) : "auto";
    }
  }
}

// Relays as switches (role="switch", on/off in words too) and the inputs'
// readings (pulse totals, open/closed contacts).
export class IoCard {
  private readonly relays = new Map<string, { li: HTMLLIElement; text: HTMLSpanElement; button: HTMLButtonElement; result: HTMLSpanElement; on: boolean; name: string }>();
  private readonly inputs = new Map<string, HTMLLIElement>();

  constructor(
    private readonly card: HTMLElement,
    private readonly list: HTMLUListElement,
    private readonly changed: () => void,
  ) {}

  show(snapshot: Snapshot, canSteer: boolean): void {
    this.card.hidden = snapshot.inputs.length === 0 && snapshot.outputs.length === 0;
    const items: HTMLLIElement[] = [];
    for (const output of snapshot.outputs) {
      const id = `${output.module}/${output.output}`;
      let relay = this.relays.get(id);
      if (!relay) {
        relay = this.addRelay(id, output.module, output.output);
      }
      relay.on = output.energised;
      relay.name = output.name;
      relay.text.textContent = t("ov.io.relay", { name: output.name, state: t(output.energised ? "ov.io.on" : "ov.io.off") });
      relay.button.hidden = !canSteer;
      relay.button.setAttribute("aria-checked", String(output.energised));
      relay.button.setAttribute("aria-label", output.name);
      const word = relay.button.querySelector("span.switch-text")!;
      word.textContent = t(output.energised ? "ov.io.on" : "ov.io.off");
      items.push(relay.li);
    }
    for (const input of snapshot.inputs) {
      const id = `${input.module}/${input.input}`;
      let li = this.inputs.get(id);
      if (!li) {
        li = make("li", "input");
        li.dataset.input = id;
        this.inputs.set(id, li);
      }
      const text =
        input.kind === "pulse"
          ? t("ov.io.input", { name: input.name, state: `${formatNumber(input.total ?? 0, 3)} ${input.unit ?? ""}`.trim() })
          : t("ov.io.input", { name: input.name, state: t(input.closed ? "ov.io.closed" : "ov.io.open") });
      if (li.textContent !== text) {
        li.textContent = text;
      }
      items.push(li);
    }
    // Keep the nodes (focus stays on a switch); only reorder when needed.
    const current = [...this.list.children];
    if (current.length !== items.length || items.some((li, i) => current[i] !== li)) {
      this.list.replaceChildren(...items);
    }
  }

  private addRelay(id: string, module: string, output: number) {
    const li = make("li", "relay");
    li.dataset.relay = id;
    const text = make("span", "relay-state");
    const button = make("button", "switch");
    button.type = "button";
    button.dataset.output = id;
    button.setAttribute("role", "switch");
    const track = make("span", "switch-track");
    track.setAttribute("aria-hidden", "true");
    const word = make("span", "switch-text");
    word.setAttribute("aria-hidden", "true");
    button.append(track, word);
    const result = make("span", "result");
    result.setAttribute("role", "status");
    li.append(text, button, result);
    const relay = { li, text, button, result, on: false, name: "" };
    this.relays.set(id, relay);
    button.addEventListener("click", async () => {
      const on = !relay.on;
      button.disabled = true;
      setResult(result, "", t("ov.saving"));
      try {
        await switchOutput(module, output, on);
        setResult(result, "ok", t("ov.io.switched", { state: t(on ? "ov.io.on" : "ov.io.off") }));
        this.changed();
      } catch (e) {
        setResult(result, "error", errorText(e));
      } finally {
        button.disabled = false;
      }
    });
    return relay;
  }
}
