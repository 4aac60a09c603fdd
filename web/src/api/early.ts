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
  /** The /workspace, /runs and /keys bodies parsed as they arrive (null: not OK), for
   * src/earlyGroups.ts; it deletes them once read. */
  bodies?: Record<string, Promise<unknown>>;
  /** The first panels' GET /series started by src/earlyGroups.ts (see takeEarlySeries). */
  series?: EarlySeries[];
  /** The app asked /series with no early one to take: none is started after that. */
  seriesMissed?: boolean;
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

/** A GET /series started before the app asked (src/earlyGroups.ts): its runs, x-axis and
 * points as asked, and the keys no panel has taken yet. */
export interface EarlySeries {
  /** The project's API path (API + projectPath). */
  base: string;
  runs: string[];
  x: string;
  points: number;
  /** Keys asked for and not taken yet. */
  left: string[];
  response: Promise<Response>;
  /** The body read once, shared by every taker (see takeEarlySeries). */
  body?: Promise<unknown>;
}

/** What the app asks of /series (the subset of api/client SeriesParams matched here). */
export interface SeriesAsk {
  runs: readonly string[];
  keys: readonly string[];
  x: string;
  xmin?: number;
  xmax?: number;
  points?: number;
}

/**
 * The early /series answering some of `ask`'s keys: the same project, runs (in any
 * order), x-axis and points, whole range. Its keys are taken (asked twice, a key is
 * fetched afresh); `read` reads the body, once for every taker. Null when none fits.
 */
export function takeEarlySeries<T>(
  base: string,
  ask: SeriesAsk,
  read: (response: Response) => Promise<T>,
  now: number = Date.now(),
): { keys: string[]; body: Promise<T> } | null {
  const early = holder()?.__runyardEarly;
  if (!early?.series || now - early.at > EARLY_MAX_AGE_MS) return null;
  if (ask.xmin !== undefined || ask.xmax !== undefined) return null;
  const runs = [...new Set(ask.runs)].sort().join(",");
  for (const entry of early.series) {
    if (entry.base !== base || entry.x !== ask.x || entry.points !== ask.points) continue;
    if ([...new Set(entry.runs)].sort().join(",") !== runs) continue;
    const keys = ask.keys.filter((k) => entry.left.includes(k));
    if (keys.length === 0) continue;
    entry.left = entry.left.filter((k) => !keys.includes(k));
    entry.body ??= entry.response.then(read);
    early.series = early.series.filter((e) => e.left.length > 0);
    return { keys, body: entry.body as Promise<T> };
  }
  early.seriesMissed = true;
  return null;
}
