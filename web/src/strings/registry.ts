// The texts known so far. The Overview's and the shared texts are in the
// first bundle; every other page's table arrives with that page's code (a
// separate file the browser fetches when the page is first opened), so a
// phone on a slow link downloads only what it shows.
import type { Lang } from "./define";

export const merged: Record<Lang, Record<string, string>> = { en: {}, nl: {}, fr: {}, de: {} };
const listeners: (() => void)[] = [];

export function addTable(table: Record<Lang, Record<string, string>>): void {
  for (const lang of Object.keys(merged) as Lang[]) {
    Object.assign(merged[lang], table[lang]);
  }
  for (const listener of listeners) {
    listener();
  }
}

export function onTableAdded(listener: () => void): void {
  listeners.push(listener);
}
