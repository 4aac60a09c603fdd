// The page's first chart with points drawn: what the start-up work that does not draw it
// waits for. A workspace of 10,000 runs shows its first 200 runs and their first panel
// before it asks for the rest of the list, whose answer (~9 MB of JSON) costs the server
// most of a second of CPU and would otherwise be encoded while the first panel's
// /series or /groups request waits behind it (the same server process).

let drawn = false;
const waiting = new Set<() => void>();

/** Called when a chart published drawn points (lib/chartRegistry). */
export function noteFirstDraw(): void {
  if (drawn) return;
  drawn = true;
  for (const resolve of waiting) resolve();
  waiting.clear();
}

/** Stop waiting without a chart: the page knows none will draw before the run list. */
export const skipFirstDraw = noteFirstDraw;

export function firstDrawDone(): boolean {
  return drawn;
}

/**
 * Resolves once a chart has drawn points, or after `maxMs` (a workspace without charts,
 * or one whose panels wait for something else, is not held up longer than that).
 */
export function afterFirstDraw(maxMs: number): Promise<void> {
  if (drawn) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiting.delete(done);
      resolve();
    };
    const timer = setTimeout(done, maxMs);
    waiting.add(done);
  });
}

/** How long start-up work that waits for the first chart waits at most (see afterFirstDraw). */
export const FIRST_DRAW_MAX_MS = 1500;
