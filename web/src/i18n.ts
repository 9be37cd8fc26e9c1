// The dashboard's language: English, Dutch, French or German, chosen from the
// browser's languages until a person picks one with the switch (kept in
// localStorage). Static markup names its text with data-i18n="key" (and
// data-i18n-aria-label, -title, -placeholder); code calls t(key).
import type { Lang } from "./strings/define";
import "./strings/index"; // the shared and Overview tables, in the first bundle
import type { Key } from "./strings/index";
import { merged, onTableAdded } from "./strings/registry";

export type { Lang };
export const kLanguages: { code: Lang; name: string }[] = [
  { code: "en", name: "English" },
  { code: "nl", name: "Nederlands" },
  { code: "fr", name: "Français" },
  { code: "de", name: "Deutsch" },
];

const kStorageKey = "kirchhoff.language";
const kAttributes = ["aria-label", "title", "placeholder"] as const;

// Keys asked for that no table has: a browser test reads these and fails on
// any (the compiler catches them in code; markup is only checked here).
// Markup whose page has not loaded yet keeps its English text until it does.
const missing = new Set<string>();
(window as unknown as { kirchhoffMissingTexts: Set<string> }).kirchhoffMissingTexts = missing;
(window as unknown as { kirchhoffUnresolvedTexts: () => string[] }).kirchhoffUnresolvedTexts = () =>
  [...document.querySelectorAll<HTMLElement>("[data-i18n]")]
    .map((el) => el.dataset.i18n ?? "")
    .concat(kAttributes.flatMap((a) => [...document.querySelectorAll(`[data-i18n-${a}]`)].map((el) => el.getAttribute(`data-i18n-${a}`) ?? "")))
    .filter((key) => merged.en[key] === undefined);

function isLang(value: string | null): value is Lang {
  return value !== null && kLanguages.some((l) => l.code === value);
}

// The first of the browser's languages we speak ("nl-BE" → "nl"), else English.
function browserLanguage(): Lang {
  for (const tag of navigator.languages ?? [navigator.language]) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLang(base)) {
      return base;
    }
  }
  return "en";
}

function stored(): Lang | null {
  try {
    const value = localStorage.getItem(kStorageKey);
    return isLang(value) ? value : null;
  } catch {
    return null; // storage disabled: follow the browser
  }
}

let current: Lang = stored() ?? browserLanguage();
const listeners: (() => void)[] = [];

// The options of a language switch (the header's and the Settings page's),
// each name in its own language.
export function languageOptions(): HTMLOptionElement[] {
  return kLanguages.map(({ code, name }) => {
    const option = document.createElement("option");
    option.value = code;
    option.textContent = name;
    option.lang = code;
    return option;
  });
}

export function language(): Lang {
  return current;
}

// The BCP 47 tag for Intl formatting: the language with the browser's region
// when it names one for that language ("nl-BE"), so numbers and dates look local.
export function locale(): string {
  for (const tag of navigator.languages ?? [navigator.language]) {
    if (tag.toLowerCase().split("-")[0] === current) {
      return tag;
    }
  }
  return current;
}

export function t(key: Key, params?: Record<string, string | number>): string {
  let text = merged[current][key] ?? merged.en[key];
  if (text === undefined) {
    missing.add(key);
    return key;
  }
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
  }
  return text;
}

// Untyped lookup for keys built at run time (an alarm severity, a mode):
// the same as t() for a known key, the fallback text otherwise.
export function tOr(key: string, fallback: string): string {
  return merged[current][key] ?? merged.en[key] ?? fallback;
}

// Fills every data-i18n element below root (the whole page by default)
// whose table has loaded.
export function translateDom(root: ParentNode = document): void {
  const text = (key: string) => merged[current][key] ?? merged.en[key];
  for (const el of root.querySelectorAll<HTMLElement>("[data-i18n]")) {
    const value = text(el.dataset.i18n ?? "");
    if (value !== undefined) {
      el.textContent = value;
    }
  }
  for (const attribute of kAttributes) {
    for (const el of root.querySelectorAll<HTMLElement>(`[data-i18n-${attribute}]`)) {
      const value = text(el.getAttribute(`data-i18n-${attribute}`) ?? "");
      if (value !== undefined) {
        el.setAttribute(attribute, value);
      }
    }
  }
}

// A page's table arrived with its code: its markup takes the language.
onTableAdded(() => {
  if (document.readyState !== "loading") {
    translateDom();
  }
});

export function setLanguage(lang: Lang): void {
  current = lang;
  try {
    localStorage.setItem(kStorageKey, lang);
  } catch {
    // storage disabled: the choice lasts until the page is reloaded
  }
  document.documentElement.lang = lang;
  translateDom();
  for (const listener of listeners) {
    listener();
  }
}

// Code that renders texts itself re-renders when the language changes.
export function onLanguageChange(listener: () => void): void {
  listeners.push(listener);
}

document.documentElement.lang = current;
