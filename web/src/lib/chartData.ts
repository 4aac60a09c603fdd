// Turns a panel's per-run series into what uPlot draws: one shared, sorted x
// array and, per run, its (smoothed) line, the faint raw line when smoothing, and
// the min/max band when the server reduced the series, so spikes stay visible.
import { withAlpha } from "./runColor";
import type { RunSeries } from "./seriesMerge";
import { type SmoothingSetting, isSmoothing, readSmoothing, smoothLine } from "./smoothing";

export interface ChartRun {
  run: string;
  label: string;
  color: string;
  series: RunSeries;
}

export type ColumnKind = "line" | "raw" | "min" | "max";

export interface ChartColumn {
  kind: ColumnKind;
  run: string;
  label: string;
  color: string;
  values: (number | null)[];
}

export interface ChartData {
  x: number[];
  columns: ChartColumn[];
  /** Pairs of column indexes (upper, lower) to fill between, with a fill colour. */
  bands: { upper: number; lower: number; fill: string }[];
}

export interface ChartOptions {
  /** A smoothing setting, or a bare EMA weight (0: none). */
  smoothing: SmoothingSetting | number;
  logY: boolean;
}

interface Point {
  x: number;
  y: number | null;
  lo: number | null;
  hi: number | null;
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

/** A run's points sorted by x, one per x (the last one wins; extremes are combined). */
export function sortedPoints(series: RunSeries, logY: boolean): Point[] {
  const keepY = (v: number | null | undefined): number | null =>
    v === null || v === undefined || !Number.isFinite(v) || (logY && v <= 0) ? null : v;
  const points: Point[] = [];
  for (let i = 0; i < series.x.length; i++) {
    const x = series.x[i];
    if (!Number.isFinite(x)) continue;
    points.push({ x, y: keepY(series.y[i]), lo: keepY(series.ymin[i]), hi: keepY(series.ymax[i]) });
  }
  let sorted = true;
  for (let i = 1; i < points.length; i++) if (points[i].x < points[i - 1].x) sorted = false;
  if (!sorted) points.sort((a, b) => a.x - b.x); // Array.prototype.sort is stable
  const unique: Point[] = [];
  for (const p of points) {
    const last = unique[unique.length - 1];
    if (last && last.x === p.x) {
      unique[unique.length - 1] = { x: p.x, y: p.y ?? last.y, lo: minOf(last.lo, p.lo), hi: maxOf(last.hi, p.hi) };
    } else unique.push(p);
  }
  return unique;
}

/** The sorted union of x values of several runs. */
export function unionX(runs: readonly Point[][]): number[] {
  let total = 0;
  for (const points of runs) total += points.length;
  const all = new Float64Array(total);
  let n = 0;
  for (const points of runs) for (const p of points) all[n++] = p.x;
  all.sort();
  const out: number[] = [];
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[i - 1]) out.push(all[i]);
  return out;
}

/** A run's values placed on the shared x array (null where the run has no point). */
function spread(
  xs: readonly number[],
  points: readonly Point[],
  pick: (p: Point, i: number) => number | null,
): (number | null)[] {
  const values: (number | null)[] = new Array(xs.length).fill(null);
  let j = 0;
  points.forEach((p, i) => {
    while (xs[j] < p.x) j++;
    values[j] = pick(p, i);
  });
  return values;
}

/** A setting from either form (the number is the old EMA weight). */
export function asSmoothing(value: SmoothingSetting | number): SmoothingSetting {
  return typeof value === "number" ? readSmoothing(value) : value;
}

export function buildChartData(runs: readonly ChartRun[], options: ChartOptions): ChartData {
  const perRun = runs.map((run) => sortedPoints(run.series, options.logY));
  const x = unionX(perRun);
  const smoothing = asSmoothing(options.smoothing);
  const smoothed = isSmoothing(smoothing);
  const columns: ChartColumn[] = [];
  const bands: ChartData["bands"] = [];
  runs.forEach((run, r) => {
    const points = perRun[r];
    const base = { run: run.run, label: run.label, color: run.color };
    const raw = points.map((p) => p.y);
    const values = smoothed ? smoothLine(smoothing, points.map((p) => p.x), raw) : raw;
    const line = values.map((v) => (v !== null && options.logY && v <= 0 ? null : v));
    columns.push({ ...base, kind: "line", values: spread(x, points, (_p, i) => line[i]) });
    if (smoothed) {
      columns.push({ ...base, kind: "raw", color: withAlpha(run.color, 0.25), values: spread(x, points, (p) => p.y) });
    }
    const hasBand = run.series.reduced && points.some((p) => p.lo !== p.y || p.hi !== p.y);
    if (hasBand) {
      columns.push({ ...base, kind: "max", values: spread(x, points, (p) => p.hi) });
      columns.push({ ...base, kind: "min", values: spread(x, points, (p) => p.lo) });
      bands.push({ upper: columns.length - 2, lower: columns.length - 1, fill: withAlpha(run.color, 0.18) });
    }
  });
  return { x, columns, bands };
}

/** What each run's line actually shows, as [x, y] pairs (for tests and debugging). */
export function drawnPoints(data: ChartData, kind: ColumnKind = "line"): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const column of data.columns) {
    if (column.kind !== kind) continue;
    const points: [number, number][] = [];
    column.values.forEach((v, i) => {
      if (v !== null) points.push([data.x[i], v]);
    });
    out.set(column.run, points);
  }
  return out;
}

/** One group's line for a metric as a ChartRun: the aggregate as the line, the band
 * (lo, hi) drawn where a reduced run's min/max would be. */
export function groupChartRun(
  id: string,
  label: string,
  color: string,
  line: { x: readonly number[]; y: readonly (number | null)[]; lo: readonly (number | null)[]; hi: readonly (number | null)[]; raw_points: number },
  band: boolean,
): ChartRun {
  return {
    run: id,
    label,
    color,
    series: {
      run: id,
      x: line.x.slice(),
      y: line.y.slice(),
      ymin: band ? line.lo.slice() : line.y.slice(),
      ymax: band ? line.hi.slice() : line.y.slice(),
      rawPoints: line.raw_points,
      reduced: band,
    },
  };
}
