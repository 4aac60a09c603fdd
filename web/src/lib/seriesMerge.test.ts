import { describe, expect, it } from "vitest";
import { type LoadedRun, type RunSeries, fromApi, lastX, lowerBound, mergeTail, planFetch } from "./seriesMerge";

const series = (run: string, x: number[], y: number[], extra: Partial<RunSeries> = {}): RunSeries => ({
  run,
  x,
  y,
  ymin: y.slice(),
  ymax: y.slice(),
  rawPoints: x.length,
  reduced: false,
  ...extra,
});

describe("fromApi", () => {
  it("fills missing extremes from y", () => {
    const s = fromApi({ run: "a", key: "k", x: [0, 1], y: [1, null], raw_points: 2, returned: 2, reduced: false });
    expect(s.ymin).toEqual([1, null]);
    expect(s.ymax).toEqual([1, null]);
    expect(s.rawPoints).toBe(2);
  });
});

describe("mergeTail", () => {
  it("appends new points and replaces the overlap", () => {
    const merged = mergeTail(series("a", [0, 1, 2], [5, 4, 3]), series("a", [2, 3, 4], [3.5, 2, 1]));
    expect(merged.x).toEqual([0, 1, 2, 3, 4]);
    expect(merged.y).toEqual([5, 4, 3.5, 2, 1]);
    expect(merged.rawPoints).toBe(5);
    expect(merged.reduced).toBe(false);
  });

  it("is idempotent when the same tail arrives twice", () => {
    const base = series("a", [0, 1], [1, 1]);
    const tail = series("a", [1, 2], [2, 2]);
    expect(mergeTail(mergeTail(base, tail), tail)).toEqual(mergeTail(base, tail));
  });

  it("keeps everything for an empty tail and takes the tail when nothing is held", () => {
    const base = series("a", [0], [1]);
    expect(mergeTail(base, series("a", [], []))).toBe(base);
    const tail = series("a", [3], [4]);
    expect(mergeTail(undefined, tail)).toBe(tail);
  });

  it("carries the reduced flag and raw counts", () => {
    const base = series("a", [0, 10], [1, 1], { rawPoints: 1000, reduced: true });
    const merged = mergeTail(base, series("a", [10, 11], [1, 2]));
    expect(merged.reduced).toBe(true);
    expect(merged.rawPoints).toBe(1001);
    expect(mergeTail(base, series("a", [0, 1], [1, 2])).reduced).toBe(false);
  });

  it("handles a non-monotonic x (a metric as x-axis)", () => {
    const merged = mergeTail(series("a", [3, 1, 2], [1, 2, 3]), series("a", [2.5], [9]));
    expect(merged.x).toEqual([1, 2, 2.5]);
    expect(merged.y).toEqual([2, 3, 9]);
  });
});

describe("planFetch", () => {
  const loaded = new Map<string, LoadedRun>([
    ["a", { series: series("a", [0, 5, 9], [1, 1, 1]), fetchedStep: 9 }],
    ["b", { series: series("b", [0, 5], [1, 1]), fetchedStep: 5 }],
    ["c", { series: series("c", [], []), fetchedStep: null }],
  ]);

  it("fetches new runs whole, grown runs from their last x, and leaves the rest", () => {
    const plan = planFetch(loaded, [
      { id: "a", last_step: 9 },
      { id: "b", last_step: 12 },
      { id: "c", last_step: 3 },
      { id: "d", last_step: 1 },
    ]);
    expect(plan).toEqual({ full: ["c", "d"], tails: [{ run: "b", xmin: 5 }] });
  });

  it("re-fetches whole a series past its budget", () => {
    expect(planFetch(loaded, [{ id: "a", last_step: 20 }], 2)).toEqual({ full: ["a"], tails: [] });
  });

  it("finds the last x and lower bounds", () => {
    expect(lastX(series("a", [1, 7, 3], [0, 0, 0]))).toBe(7);
    expect(lastX(undefined)).toBeUndefined();
    expect(lowerBound([0, 2, 2, 4], 2)).toBe(1);
    expect(lowerBound([0, 2], 5)).toBe(2);
  });
});
