// Every page's table, merged. A page adds its table here (one import, one
// entry) and its keys become valid arguments of t().
import common from "./common";
import overview from "./overview";

export const tables = [common, overview] as const;

type KeysOf<T> = T extends { en: infer E } ? keyof E : never;
export type Key = KeysOf<(typeof tables)[number]>;
