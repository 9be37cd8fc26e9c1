// Energy: consumption and production per day, week, month or year; gas and water.
import type { Snapshot } from "../api";
import { EnergyCard } from "../energy";
import type { Page } from "./page";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

let card: EnergyCard | undefined;

export const energyPage: Page = {
  start() {
    card ??= new EnergyCard(
      $("energy-chart"),
      $("energy-meta"),
      $<HTMLSelectElement>("meter-select"),
      $("meter-chart"),
      $<HTMLAnchorElement>("meter-csv"),
      document.querySelectorAll<HTMLButtonElement>("button[data-energy]"),
    );
  },
  snapshot(snapshot: Snapshot) {
    card?.offer(snapshot);
  },
};
