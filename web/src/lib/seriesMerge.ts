// A line panel's data per run, and how live updates extend it: fetch only the
// tail (x >= the last x already held) of runs whose last_step grew, and splice it
// on, replacing the overlap so re-fetched points are never doubled.
import type { Run, Series } from "../api/types";

export interface RunSeries {
  run: string;
  x: number[];
  y: (number | null)[];
  ymin: (number | null)[];
  ymax: (number | null)[];
  rawPoints: number;
  reduced: boolean;
}

export function fromApi(series: Series): RunSeries {
  const y = series.y.map((v) => (v === null || v === undefined ? null : Number(v)));
  return {
    run: series.run,
    x: series.x.map(Number),
    y,
    ymin: series.ymin ? series.ymin.map((v) => (v === null ? null : Number(v))) : y.slice(),
    ymax: series.ymax ? series.ymax.map((v) => (v === null ? null : Number(v))) : y.slice(),
    rawPoints: series.raw_points ?? series.x.length,
    reduced: Boolean(series.reduced),
  };
}

export function emptySeries(run: string): RunSeries {
  return { run, x: [], y: [], ymin: [], ymax: [], rawPoints: 0, reduced: false };
}

export function lastX(series: RunSeries | undefined): number | undefined {
  if (!series || series.x.length === 0) return undefined;
  let max = -Infinity;
  for (const x of series.x) if (x > max) max = x; // x may not be monotonic for a metric x-axis
  return max;
}

/** First index i with xs[i] >= value (xs ascending). */
export function lowerBound(xs: readonly number[], value: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isAscending(xs: readonly number[]): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i] < xs[i - 1]) return false;
  return true;
}

/** Splice a tail onto the series: points at or after the tail's first x are replaced. */
export function mergeTail(existing: RunSeries | undefined, tail: RunSeries): RunSeries {
  if (!existing) return tail;
  if (tail.x.length === 0) return existing;
  const start = tail.x[0];
  let keep: number[];
  if (isAscending(existing.x)) {
    const cut = lowerBound(existing.x, start);
    keep = Array.from({ length: cut }, (_, i) => i);
  } else {
    keep = [];
    existing.x.forEach((x, i) => {
      if (x < start) keep.push(i);
    });
  }
  const dropped = existing.x.length - keep.length;
  const pick = <T>(values: T[]) => keep.map((i) => values[i]);
  return {
    run: existing.run,
    x: [...pick(existing.x), ...tail.x],
    y: [...pick(existing.y), ...tail.y],
    ymin: [...pick(existing.ymin), ...tail.ymin],
    ymax: [...pick(existing.ymax), ...tail.ymax],
    rawPoints: Math.max(keep.length, existing.rawPoints - dropped) + tail.rawPoints,
    reduced: (existing.reduced && keep.length > 0) || tail.reduced,
  };
}

/** What a panel holds for one run: the series and the run's last_step when it was asked for. */
export interface LoadedRun {
  series: RunSeries;
  fetchedStep: number | null;
}

export interface FetchPlan {
  /** Runs to fetch whole (new to the panel, or grown too big to keep appending). */
  full: string[];
  /** Runs whose history grew: fetch from `xmin` on and merge. */
  tails: { run: string; xmin: number }[];
}

/**
 * Decide what a panel must fetch for the runs it shows, given what it holds.
 * `budget`: a series holding more than this many points is fetched whole again
 * (re-reduced) instead of growing without bound.
 */
export function planFetch(
  loaded: ReadonlyMap<string, LoadedRun>,
  runs: readonly Pick<Run, "id" | "last_step">[],
  budget = Infinity,
): FetchPlan {
  const plan: FetchPlan = { full: [], tails: [] };
  for (const run of runs) {
    const held = loaded.get(run.id);
    if (!held) {
      plan.full.push(run.id);
      continue;
    }
    const grew = run.last_step !== null && (held.fetchedStep === null || run.last_step > held.fetchedStep);
    if (!grew) continue;
    const x = lastX(held.series);
    if (x === undefined || held.series.x.length > budget) plan.full.push(run.id);
    else plan.tails.push({ run: run.id, xmin: x });
  }
  return plan;
}
