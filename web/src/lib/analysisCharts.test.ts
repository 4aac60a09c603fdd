import { describe, expect, it } from "vitest";
import { barRows, barSpec, scatterRows, scatterSpec } from "./analysisCharts";
import { groupRuns } from "./grouping";
import { makeRun } from "./testRuns";

const runs = [
  makeRun("a", { config: { lr: 0.1, opt: "adam" }, summary: { loss: 1 } }),
  makeRun("b", { config: { lr: 0.01, opt: "adam" }, summary: { loss: 3 } }),
  makeRun("c", { config: { lr: "x", opt: "sgd" }, summary: { loss: 2 } }),
];
const color = () => "#123456";

describe("scatter", () => {
  it("keeps runs with numbers on both axes", () => {
    expect(scatterRows(runs, "config:lr", "summary:loss", color)).toEqual([
      { run: "a", name: "run-a", x: 0.1, y: 1, color: "#123456" },
      { run: "b", name: "run-b", x: 0.01, y: 3, color: "#123456" },
    ]);
    expect((scatterSpec("lr", "loss", true).encoding as { x: { scale: { type: string } } }).x.scale.type).toBe("log");
  });
});

describe("bar", () => {
  it("draws runs, or group means with their range", () => {
    expect(barRows(runs, null, "summary:loss", color, color).map((r) => [r.label, r.value])).toEqual([
      ["run-a", 1],
      ["run-b", 3],
      ["run-c", 2],
    ]);
    const groups = groupRuns(runs, ["config.opt"]);
    expect(barRows(runs, groups, "summary:loss", color, color).map((r) => [r.value, r.lo, r.hi])).toEqual([
      [2, 1, 3],
      [2, 2, 2],
    ]);
    expect(barSpec("loss", true).layer).toHaveLength(2);
  });
});
