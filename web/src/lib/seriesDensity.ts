// The density view of a line panel with many runs (issue 20): instead of 1,000 lines
// drawn over each other, a grid of cells counting how many runs' lines pass through
// each one, with a few runs (hovered, baseline, best) drawn on top as lines.
//
// A run passes through a cell when its line (straight segments between consecutive
// points; a null or non-finite value breaks it, a lone point counts as itself) has a
// point inside the cell's x range whose y falls in the cell. Per column, a run's line
// spans one y interval: the min and max of its points inside the column and of the
// line where it crosses the column's edges; every row of that interval counts the run
// once. tests/browser/test_density.py recomputes the grid with numpy from the same
// data, so the expressions below are written to be repeated exactly there.
import type { RunSeries } from "./seriesMerge";

/** Past this many runs, a line panel draws the density view unless asked for lines. */
export const DENSITY_THRESHOLD = 200;
export const DENSITY_COLUMNS = 160;
export const DENSITY_ROWS = 64;
/** How many of the best runs (by the panel's metric) are drawn as lines on top. */
export const BEST_RUNS = 5;

export interface Density {
  columns: number;
  rows: number;
  xmin: number;
  xmax: number;
  /** The y range of the grid (log10 of the values when `logY`). */
  ymin: number;
  ymax: number;
  logY: boolean;
  /** Runs counted per cell, row-major with row 0 at ymin: `counts[row * columns + column]`. */
  counts: Uint32Array;
  /** The largest count (the colour scale's top). */
  max: number;
  /** How many runs have at least one point drawn. */
  runs: number;
}

/** The cell index of `v` in `n` equal cells over [lo, hi] (hi belongs to the last one). */
export function cellOf(v: number, lo: number, hi: number, n: number): number {
  if (hi <= lo) return 0;
  const k = Math.floor(((v - lo) / (hi - lo)) * n);
  return k < 0 ? 0 : k >= n ? n - 1 : k;
}

/** The y value drawn for a stored value (log10 on a log scale), or null when not drawn. */
function drawnY(v: number | null, logY: boolean): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  if (!logY) return v;
  return v > 0 ? Math.log10(v) : null;
}

/** The line of `s` at `x` between (x0, y0) and (x1, y1), x0 < x1. */
function lerp(x0: number, y0: number, x1: number, y1: number, x: number): number {
  return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
}

export function densityOf(
  series: readonly RunSeries[],
  options: { columns?: number; rows?: number; logY?: boolean } = {},
): Density {
  const columns = options.columns ?? DENSITY_COLUMNS;
  const rows = options.rows ?? DENSITY_ROWS;
  const logY = options.logY ?? false;
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymin = Infinity;
  let ymax = -Infinity;
  const lines: { x: number[]; y: number[] }[] = [];
  for (const s of series) {
    // Split into the drawn pieces: consecutive drawable points (x ascending).
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < s.x.length; i++) {
      const y = drawnY(s.y[i], logY);
      const x = s.x[i];
      if (y === null || !Number.isFinite(x)) {
        xs.push(NaN);
        ys.push(NaN);
        continue;
      }
      xs.push(x);
      ys.push(y);
      if (x < xmin) xmin = x;
      if (x > xmax) xmax = x;
      if (y < ymin) ymin = y;
      if (y > ymax) ymax = y;
    }
    lines.push({ x: xs, y: ys });
  }
  const counts = new Uint32Array(columns * rows);
  const empty: Density = { columns, rows, xmin: 0, xmax: 0, ymin: 0, ymax: 0, logY, counts, max: 0, runs: 0 };
  if (!(xmin <= xmax)) return empty;
  const lo = new Float64Array(columns);
  const hi = new Float64Array(columns);
  const edge = (c: number) => xmin + ((xmax - xmin) * c) / columns;
  let drawnRuns = 0;
  for (const { x, y } of lines) {
    lo.fill(Infinity);
    hi.fill(-Infinity);
    let any = false;
    const touch = (c: number, v: number) => {
      if (v < lo[c]) lo[c] = v;
      if (v > hi[c]) hi[c] = v;
      any = true;
    };
    for (let i = 0; i < x.length; i++) {
      if (Number.isNaN(x[i])) continue;
      const c = cellOf(x[i], xmin, xmax, columns);
      touch(c, y[i]);
      const j = i + 1;
      if (j >= x.length || Number.isNaN(x[j]) || !(x[j] > x[i])) continue;
      // The segment to the next point crosses the edges between their columns.
      const c1 = cellOf(x[j], xmin, xmax, columns);
      for (let k = c + 1; k <= c1; k++) {
        const v = lerp(x[i], y[i], x[j], y[j], edge(k));
        touch(k - 1, v);
        touch(k, v);
      }
    }
    if (!any) continue;
    drawnRuns++;
    for (let c = 0; c < columns; c++) {
      if (lo[c] > hi[c]) continue;
      const r0 = cellOf(lo[c], ymin, ymax, rows);
      const r1 = cellOf(hi[c], ymin, ymax, rows);
      for (let r = r0; r <= r1; r++) counts[r * columns + c]++;
    }
  }
  let max = 0;
  for (const n of counts) if (n > max) max = n;
  return { columns, rows, xmin, xmax, ymin, ymax, logY, counts, max, runs: drawnRuns };
}

/** Whether larger values of `metric` are better (accuracy, reward…); else smaller (loss). */
export function higherIsBetter(metric: string): boolean {
  return /acc|auc|score|f1|precision|recall|reward|return|bleu|rouge|iou|map\b|top\d|success/i.test(metric);
}

/** The ids of the `n` best runs by their last value of the metric (NaN/missing last). */
export function bestRuns(series: readonly RunSeries[], metric: string, n = BEST_RUNS): string[] {
  const sign = higherIsBetter(metric) ? -1 : 1;
  const scored: [string, number][] = [];
  for (const s of series) {
    let last: number | null = null;
    for (let i = s.y.length - 1; i >= 0; i--) {
      const v = s.y[i];
      if (v !== null && Number.isFinite(v)) {
        last = v;
        break;
      }
    }
    if (last !== null) scored.push([s.run, sign * last]);
  }
  scored.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
  return scored.slice(0, n).map(([run]) => run);
}
