import { describe, expect, it } from "vitest";
import { bestRuns, cellOf, densityOf, higherIsBetter } from "./seriesDensity";
import type { RunSeries } from "./seriesMerge";

function line(run: string, x: number[], y: (number | null)[]): RunSeries {
  return { run, x, y, ymin: y, ymax: y, rawPoints: x.length, reduced: false };
}

function grid(counts: Uint32Array, columns: number, rows: number): number[][] {
  // top row first, as drawn
  return Array.from({ length: rows }, (_, r) => Array.from(counts.subarray((rows - 1 - r) * columns, (rows - r) * columns)));
}

describe("densityOf", () => {
  it("counts each run once per cell its line passes through", () => {
    // a rising diagonal and a flat line at the bottom, over a 4 x 4 grid of [0, 4] x [0, 4];
    // the diagonal leaves each column on a cell corner, which belongs to the next row up
    const d = densityOf([line("up", [0, 4], [0, 4]), line("flat", [0, 4], [0, 0])], { columns: 4, rows: 4 });
    expect([d.xmin, d.xmax, d.ymin, d.ymax, d.runs, d.max]).toEqual([0, 4, 0, 4, 2, 2]);
    expect(grid(d.counts, 4, 4)).toEqual([
      [0, 0, 1, 1],
      [0, 1, 1, 0],
      [1, 1, 0, 0],
      [2, 1, 1, 1],
    ]);
  });

  it("spans the rows a steep segment crosses inside one column, and breaks lines at gaps", () => {
    const d = densityOf([line("spike", [0, 1, 2, 3], [0, 8, null, 0]), line("floor", [0, 3], [0, 0])], { columns: 3, rows: 4 });
    // column 0 holds x in [0, 1): the segment 0 -> 8 spans every row there; column 1 holds
    // only the point (1, 8) (the line breaks at the null); column 2 the lone point (3, 0)
    expect(grid(d.counts, 3, 4)).toEqual([
      [1, 1, 0],
      [1, 0, 0],
      [1, 0, 0],
      [2, 1, 2],
    ]);
  });

  it("draws log10 of positive values on a log scale and skips the others", () => {
    const d = densityOf([line("a", [0, 1, 2], [1, 100, -1])], { columns: 2, rows: 2, logY: true });
    expect([d.ymin, d.ymax]).toEqual([0, 2]);
    expect(d.runs).toBe(1);
  });

  it("is empty without drawable points", () => {
    const d = densityOf([line("a", [0], [null])]);
    expect(d.runs).toBe(0);
    expect(d.max).toBe(0);
  });
});

describe("cellOf", () => {
  it("puts hi in the last cell and clamps", () => {
    expect([cellOf(0, 0, 4, 4), cellOf(3.99, 0, 4, 4), cellOf(4, 0, 4, 4), cellOf(-1, 0, 4, 4), cellOf(5, 5, 5, 3)]).toEqual([0, 3, 3, 0, 0]);
  });
});

describe("bestRuns", () => {
  const runs = [line("a", [0, 1], [5, 1]), line("b", [0, 1], [5, 3]), line("c", [0, 1, 2], [5, 0.5, null]), line("d", [0], [null])];
  it("ranks by the last value: smallest for losses, largest for accuracies", () => {
    expect(bestRuns(runs, "train/loss", 2)).toEqual(["c", "a"]);
    expect(bestRuns(runs, "val/accuracy", 2)).toEqual(["b", "a"]);
    expect(higherIsBetter("reward")).toBe(true);
    expect(higherIsBetter("loss")).toBe(false);
  });
});
