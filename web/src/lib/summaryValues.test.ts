import { describe, expect, it } from "vitest";
import { quantileBars, summaryKind, tableSize, tensorLine, tensorStats } from "./summaryValues";

const ARANGE = {
  _type: "numpy.ndarray", var: 833.25, mean: 49.5, min: 0.0, max: 99.0,
  "10%": 9.9, "25%": 24.75, "75%": 74.25, "90%": 89.10000000000001, size: 100,
};

describe("summary values", () => {
  it("tells the kinds apart", () => {
    expect(summaryKind(ARANGE)).toBe("tensor");
    expect(summaryKind({ _type: "histogram", values: [1], bins: [0, 1] })).toBe("histogram");
    expect(summaryKind({ _type: "html-file", path: "a.html" })).toBe("html");
    expect(summaryKind({ _type: "image-file", path: "a.png" })).toBe("image");
    expect(summaryKind({ _type: "table-file", path: "a.table.json" })).toBe("table");
    expect(summaryKind(3)).toBe("plain");
    expect(summaryKind({ a: 1 })).toBe("plain");
  });

  it("reads wandb's stats dict (std from var, percentiles in order)", () => {
    const stats = tensorStats(ARANGE)!;
    expect(stats.stats.map(([n]) => n)).toEqual(["min", "max", "mean", "std", "10%", "25%", "75%", "90%"]);
    expect(stats.stats[3][1]).toBeCloseTo(Math.sqrt(833.25));
    expect(stats.quantiles[0]).toEqual([0, 0]);
    expect(stats.quantiles.at(-1)).toEqual([100, 99]);
    expect(tensorLine(stats)).toBe("mean 49.5 ± 28.8661 [0, 99] size 100");
  });

  it("spreads quantile shares over bins: a uniform array gives flat bars summing to 100", () => {
    const bars = quantileBars(tensorStats(ARANGE)!.quantiles, 10);
    expect(bars).toHaveLength(10);
    expect(bars.reduce((s, b) => s + b.count, 0)).toBeCloseTo(100);
    for (const b of bars) expect(b.count).toBeCloseTo(10, 0);
    expect(quantileBars([[0, 1], [100, 1]])).toEqual([{ x0: 1, x1: 1, count: 100 }]);
  });

  it("says a table's size", () => {
    expect(tableSize({ _type: "table-file", nrows: 1, ncols: 2 })).toBe("1 row × 2 columns");
  });
});
