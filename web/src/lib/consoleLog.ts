// The Logs tab's lines as pages arrive: the first pages from line 0, then, for a
// running run, its tail re-read every few seconds from the last line held (a
// progress bar rewrites its line in place, so that line is read again). Lines are
// kept sorted by line number; a re-read line replaces the one held.
import type { LogLine, LogsPage } from "../api/types";

/** Lines per request (the route's limit). */
export const LOG_PAGE = 5000;
/** Lines held in the page at most; beyond, the tab says so and offers output.log. */
export const LOG_CAP = 200_000;

export interface LogState {
  lines: LogLine[];
  /** Lines in the run. */
  total: number;
  /** Lines matching the search (null without one). */
  matched: number | null;
  /** Every line up to the end known so far is held (further lines come from the tail). */
  complete: boolean;
  /** Loading stopped at LOG_CAP lines. */
  capped: boolean;
}

export const EMPTY_LOG: LogState = { lines: [], total: 0, matched: null, complete: false, capped: false };

/** `held` and `page` (both sorted by line) merged; a line in both is taken from `page`. */
export function mergeLines(held: readonly LogLine[], page: readonly LogLine[]): LogLine[] {
  if (page.length === 0) return held as LogLine[];
  const first = page[0].line;
  // the common case, appending past the end: binary-search where the page starts
  let lo = 0;
  let hi = held.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (held[mid].line < first) lo = mid + 1;
    else hi = mid;
  }
  const out = held.slice(0, lo);
  let i = lo;
  let j = 0;
  while (i < held.length || j < page.length) {
    if (j >= page.length || (i < held.length && held[i].line < page[j].line)) out.push(held[i++]);
    else {
      if (i < held.length && held[i].line === page[j].line) i++;
      out.push(page[j++]);
    }
  }
  return out;
}

/** The state after one page asked for with `limit`: complete when the page was not full. */
export function applyPage(state: LogState, page: LogsPage, limit: number, cap: number = LOG_CAP): LogState {
  const lines = mergeLines(state.lines, [...page.lines].sort((a, b) => a.line - b.line));
  const capped = lines.length >= cap;
  return {
    lines: capped ? lines.slice(0, cap) : lines,
    total: page.total,
    matched: page.matched ?? null,
    complete: state.complete || page.lines.length < limit || capped,
    capped,
  };
}

/** Where the next request starts: after the last line while loading, at it for the tail. */
export function nextStart(state: LogState): number {
  const last = state.lines[state.lines.length - 1];
  if (!last) return 0;
  return state.complete ? last.line : last.line + 1;
}

/** Whether a scrolled box shows its end (within `slack` pixels). */
export function isAtBottom(scrollTop: number, clientHeight: number, scrollHeight: number, slack = 8): boolean {
  return scrollHeight - (scrollTop + clientHeight) <= slack;
}

/** "12:03:04.250" for a line's capture time (local time). */
export function formatLineTime(ts: number): string {
  if (!Number.isFinite(ts)) return "";
  const date = new Date(ts * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}
