// Responses started before the app's code arrived. index.html's inline script asks, as
// soon as the page is parsed, for what a workspace URL (/<entity>/<project>) draws its
// first panel from — the saved settings, the first page of runs, the metric keys — so
// these requests run while the JavaScript chunks download and compile. `request()`
// (client.ts) adopts such a response, once, for the very same GET instead of asking
// again. They are plain same-origin GETs of the API, with the page's own cookies: the
// server checks them as it checks the app's.

/** What index.html's script leaves on `window.__runyardEarly`. */
export interface EarlyRequests {
  /** Date.now() when they were started. */
  at: number;
  /** Full request path (with the /api/v1 prefix and query) -> the fetch in flight. */
  responses: Record<string, Promise<Response>>;
  /** The workspace's entity and project (decoded from the URL). */
  entity?: string;
  project?: string;
  /** Copies of the /workspace and /keys responses, for src/earlyGroups.ts. */
  copies?: Record<string, Promise<Response>>;
  /** Paths the app asked for that had no early response (none is started for them later). */
  missed?: string[];
}

declare global {
  interface Window {
    __runyardEarly?: EarlyRequests;
  }
}

/** Responses older than this are not adopted (the app asks afresh). */
export const EARLY_MAX_AGE_MS = 20_000;

function holder(): { __runyardEarly?: EarlyRequests } | null {
  return typeof window === "undefined" ? null : window;
}

/** The early response for `url` (taken: a second caller fetches), or null. */
export function takeEarly(url: string, now: number = Date.now()): Promise<Response> | null {
  const early = holder()?.__runyardEarly;
  if (!early) return null;
  const response = early.responses[url];
  if (!response) {
    if (now - early.at <= EARLY_MAX_AGE_MS) (early.missed ??= []).push(url);
    return null;
  }
  delete early.responses[url];
  return now - early.at <= EARLY_MAX_AGE_MS ? response : null;
}

/** Forget every early response (after a 401: a login makes them stale). */
export function dropEarly(): void {
  const w = holder();
  if (w) delete w.__runyardEarly;
}

/** Start an early GET of `url` for the app to adopt, unless the app asked for it already. */
export function startEarly(url: string, now: number = Date.now()): boolean {
  const early = holder()?.__runyardEarly;
  if (!early || now - early.at > EARLY_MAX_AGE_MS) return false;
  if (url in early.responses || early.missed?.includes(url)) return false;
  const response = fetch(url, { credentials: "same-origin" });
  response.catch(() => undefined);
  early.responses[url] = response;
  return true;
}
