// A page's texts in the four languages of the markets Kirchhoff is sold in.
// Each page owns one such table (strings/<page>.ts); the compiler refuses a
// table where one language lacks a key another has, so no text is ever left
// untranslated. A table is registered when its module loads. `{name}` in a text is replaced by t()'s parameter `name`.
import { addTable } from "./registry";

export type Lang = "en" | "nl" | "fr" | "de";

export type Table<K extends string> = Record<K, string>;

export function defineStrings<K extends string>(strings: {
  en: Table<K>;
  nl: Table<K>;
  fr: Table<K>;
  de: Table<K>;
}): { en: Table<K>; nl: Table<K>; fr: Table<K>; de: Table<K> } {
  addTable(strings); // known from the moment the page's code is loaded
  return strings;
}
