// The density view of a line panel with many runs (issue 20): instead of 1,000 lines
// drawn over each other, a grid of cells counting how many runs' lines pass through
// each one (computed by the server from every run's raw points: GET …/density,
// src/runyard/server/density.py), with a few runs (the best, the baseline, the hovered)
// drawn on top as lines.

/** From this many runs on, a line panel draws the density view unless asked for lines.
 * The workspace's first page of runs (useLiveRuns' FIRST_PAGE) holds as many, so a big
 * project's panels start with the density instead of fetching 200 runs' lines first. */
export const DENSITY_THRESHOLD = 200;
/** The grid's size: columns (x) and rows (y). */
export const DENSITY_COLUMNS = 160;
export const DENSITY_ROWS = 64;
/** How many of the best runs (by the panel's metric) are drawn as lines on top. */
export const BEST_RUNS = 5;

/** Whether larger values of `metric` are better (accuracy, reward…); else smaller (loss). */
export function higherIsBetter(metric: string): boolean {
  return /acc|auc|score|f1|precision|recall|reward|return|bleu|rouge|iou|map\b|top\d|success/i.test(metric);
}

/** Fill colour of a cell counting `n` of at most `max` runs (square-root scale, so one
 * run stays visible beside hundreds). */
export function cellColor(n: number, max: number, dark: boolean): string {
  const t = max > 0 ? Math.sqrt(n / max) : 0;
  const lightness = dark ? 20 + 55 * t : 92 - 62 * t;
  return `hsl(215 70% ${lightness.toFixed(1)}%)`;
}
