// One URL per page and per view: "#/history?series=load/Grid/p_w&from=…&to=…".
// The hash keeps every URL served by the daemon's one index.html, so a view
// can be bookmarked, shared and reloaded.
export const kPages = ["overview", "history", "energy", "devices", "installation", "whatif", "settings"] as const;
export type PageId = (typeof kPages)[number];

export interface Route {
  page: PageId;
  params: URLSearchParams;
}

export function parseRoute(hash: string = location.hash): Route {
  const text = hash.replace(/^#\/?/, "");
  const [path, query = ""] = text.split("?", 2);
  const page = (kPages as readonly string[]).includes(path) ? (path as PageId) : "overview";
  return { page, params: new URLSearchParams(query) };
}

export function routeHref(page: PageId, params?: Record<string, string> | URLSearchParams): string {
  const query = params ? new URLSearchParams(params).toString() : "";
  return `#/${page}${query ? `?${query}` : ""}`;
}

// Opens a page (a new history entry).
export function navigate(page: PageId, params?: Record<string, string>): void {
  location.hash = routeHref(page, params);
}

// Records a page's view (a range, a series) in the URL without a new history
// entry and without the page being opened again.
export function replaceParams(params: Record<string, string>): void {
  const { page } = parseRoute();
  history.replaceState(null, "", routeHref(page, params));
}

export function onRoute(listener: (route: Route) => void): void {
  window.addEventListener("hashchange", () => listener(parseRoute()));
}
