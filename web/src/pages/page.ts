// What main.ts knows of a page. A page builds on the markup of its
// `.page[data-page=…]` section, fetches what it shows when it comes on
// screen, and renders live snapshots only while it is on screen.
import type { Snapshot } from "../api";
import type { Route } from "../router";

export interface PageContext {
  role: string; // "viewer", "owner" or "installer"
  user: string;
  canSteer: boolean; // owner or installer: may switch relays, modes, sessions
  eventsChanged(): void; // something was changed: the events list refreshes soon
}

export interface Page {
  // Once after login (again after a new login).
  start?(context: PageContext): void;
  // The page came on screen, or its URL's parameters changed while on it.
  show?(route: Route): void;
  // The page left the screen: stop timers.
  hide?(): void;
  // A live snapshot, at most once per animation frame while on screen (and
  // the latest one when the page comes on screen).
  snapshot?(snapshot: Snapshot): void;
  // The language changed: re-render texts built in code.
  language?(): void;
}
