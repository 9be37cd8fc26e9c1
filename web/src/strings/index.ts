// Every page's table. The shared and Overview tables load with the first
// bundle; the other pages import their own table (pages/<page>.ts), so it
// loads with them. The types of all tables make every key a valid argument
// of t(), checked by the compiler.
import "./common";
import "./overview";
import type common from "./common";
import type overview from "./overview";
import type history from "./history";
import type energy from "./energy";
import type devices from "./devices";
import type installation from "./installation";
import type settings from "./settings";
import type whatif from "./whatif";

type Tables = typeof common | typeof overview | typeof history | typeof energy | typeof devices | typeof installation | typeof settings | typeof whatif;
type KeysOf<T> = T extends { en: infer E } ? keyof E : never;
export type Key = KeysOf<Tables>;
