import { describe, expect, it } from "vitest";
import { type ChartRun, buildChartData, drawnPoints, groupChartRun, sortedPoints, unionX } from "./chartData";
import type { RunSeries } from "./seriesMerge";

const series = (run: string, x: number[], y: (number | null)[], extra: Partial<RunSeries> = {}): RunSeries => ({
  run,
  x,
  y,
  ymin: y.slice(),
  ymax: y.slice(),
  rawPoints: x.length,
  reduced: false,
  ...extra,
});
const chartRun = (s: RunSeries): ChartRun => ({ run: s.run, label: s.run, color: "#0072B2", series: s });

describe("buildChartData", () => {
  it("aligns runs on the union of their x values", () => {
    const data = buildChartData(
      [chartRun(series("a", [0, 1, 2], [1, 2, 3])), chartRun(series("b", [1, 3], [5, 6]))],
      { smoothing: 0, logY: false },
    );
    expect(data.x).toEqual([0, 1, 2, 3]);
    expect(data.columns.map((c) => [c.run, c.kind, c.values])).toEqual([
      ["a", "line", [1, 2, 3, null]],
      ["b", "line", [null, 5, null, 6]],
    ]);
    expect(drawnPoints(data).get("b")).toEqual([
      [1, 5],
      [3, 6],
    ]);
  });

  it("draws a min/max band for reduced series only", () => {
    const reduced = series("a", [0, 10], [1, 2], { ymin: [0, 2], ymax: [9, 2], reduced: true });
    const data = buildChartData([chartRun(reduced)], { smoothing: 0, logY: false });
    expect(data.columns.map((c) => c.kind)).toEqual(["line", "max", "min"]);
    expect(data.columns[1].values).toEqual([9, 2]);
    expect(data.bands).toEqual([{ upper: 1, lower: 2, fill: "rgba(0, 114, 178, 0.18)" }]);
    expect(buildChartData([chartRun(series("b", [0], [1]))], { smoothing: 0, logY: false }).bands).toEqual([]);
  });

  it("smooths the line and keeps the raw one faint beside it", () => {
    const data = buildChartData([chartRun(series("a", [0, 1, 2], [0, 10, 0]))], { smoothing: 0.6, logY: false });
    expect(data.columns.map((c) => c.kind)).toEqual(["line", "raw"]);
    expect(data.columns[1].values).toEqual([0, 10, 0]);
    expect(data.columns[0].values[1]).toBeLessThan(10);
    expect(data.columns[1].color).toBe("rgba(0, 114, 178, 0.25)");
  });

  it("drops non-positive values on a log scale and non-finite ones always", () => {
    const data = buildChartData([chartRun(series("a", [0, 1, 2, 3], [1, 0, -1, Number.NaN]))], {
      smoothing: 0,
      logY: true,
    });
    expect(data.columns[0].values).toEqual([1, null, null, null]);
  });
});

describe("sortedPoints", () => {
  it("sorts by x and keeps one point per x", () => {
    const points = sortedPoints(series("a", [2, 1, 2], [5, 6, 7], { ymin: [5, 6, 1], ymax: [5, 6, 9] }), false);
    expect(points).toEqual([
      { x: 1, y: 6, lo: 6, hi: 6 },
      { x: 2, y: 7, lo: 1, hi: 9 },
    ]);
  });

  it("unions x values", () => {
    expect(
      unionX([
        [{ x: 3, y: 0, lo: 0, hi: 0 }],
        [
          { x: 1, y: 0, lo: 0, hi: 0 },
          { x: 3, y: 0, lo: 0, hi: 0 },
        ],
      ]),
    ).toEqual([1, 3]);
  });
});

describe("groupChartRun", () => {
  const line = { x: [0, 1, 2], y: [1, 2, 3], lo: [0.5, 1.5, 2.5], hi: [1.5, 2.5, 3.5], raw_points: 3 };

  it("draws the aggregate with its band as min/max columns", () => {
    const data = buildChartData([groupChartRun("group:x", "adam (3)", "#0072B2", line, true)], { smoothing: 0, logY: false });
    expect(data.columns.map((c) => c.kind)).toEqual(["line", "max", "min"]);
    expect(data.columns[1].values).toEqual([1.5, 2.5, 3.5]);
    expect(data.columns[2].values).toEqual([0.5, 1.5, 2.5]);
    expect(data.bands).toHaveLength(1);
  });

  it("has no band for band=none, and smooths the line with the raw one faint behind", () => {
    const flat = buildChartData([groupChartRun("g", "g", "#0072B2", line, false)], { smoothing: 0, logY: false });
    expect(flat.columns.map((c) => c.kind)).toEqual(["line"]);
    const smooth = buildChartData([groupChartRun("g", "g", "#0072B2", line, true)], { smoothing: { kind: "ema", amount: 0.5 }, logY: false });
    expect(smooth.columns.map((c) => c.kind)).toEqual(["line", "raw", "max", "min"]);
    expect(smooth.columns[1].values).toEqual([1, 2, 3]);
    expect(smooth.columns[0].values[2]).toBeLessThan(3);
  });
});
