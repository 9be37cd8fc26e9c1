// Every page's table, merged. A page adds its table here (one import, one
// entry) and its keys become valid arguments of t().
import common from "./common";
import overview from "./overview";
import history from "./history";
import energy from "./energy";
import devices from "./devices";
import installation from "./installation";
import settings from "./settings";

export const tables = [common, overview, history, energy, devices, installation, settings] as const;

type KeysOf<T> = T extends { en: infer E } ? keyof E : never;
export type Key = KeysOf<(typeof tables)[number]>;
