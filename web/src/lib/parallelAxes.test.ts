import { describe, expect, it } from "vitest";
import { matchesFilter } from "./mongoFilter";
import { brushFilter, brushesFilter, buildAxis, position, valueAt, varyingConfigKeys } from "./parallelAxes";
import { makeRun } from "./testRuns";

const runs = [0.1, 0.03, 0.01, 0.003].flatMap((lr, i) =>
  ["sgd", "adam"].map((opt, j) => makeRun(`r${i}${j}`, { config: { lr, opt: { name: opt }, fixed: 1 }, summary: { loss: i + j } })),
);

describe("axes", () => {
  it("are log for wide positive ranges, linear otherwise, categorical for text", () => {
    const lr = buildAxis("config.lr", runs)!;
    expect(lr.kind).toBe("log");
    expect(position(lr, 0.1)).toBeCloseTo(1);
    expect(position(lr, 0.003)).toBeCloseTo(0);
    expect(valueAt(lr, 1)).toBeCloseTo(0.1);
    const loss = buildAxis("summary.loss", runs)!;
    expect(loss.kind).toBe("linear");
    expect(position(loss, 2)).toBeCloseTo(0.5);
    const opt = buildAxis("config.opt.name", runs)!;
    expect(opt.categories).toEqual(["adam", "sgd"]);
    expect(position(opt, "sgd")).toBe(1);
    expect(buildAxis("config.nope", runs)).toBeNull();
  });

  it("default to the config keys that vary", () => {
    expect(varyingConfigKeys(runs)).toEqual(["config.lr", "config.opt.name"]);
  });
});

describe("brushes", () => {
  const axes = ["config.lr", "config.opt.name", "summary.loss"].map((f) => buildAxis(f, runs)!);
  const ids = (filter: ReturnType<typeof brushesFilter>) => runs.filter((r) => filter === null || matchesFilter(r, filter)).map((r) => r.id);

  it("become API filters that keep exactly the runs inside", () => {
    expect(ids(brushesFilter(axes, { "config.lr": [0.9, 1] }))).toEqual(["r00", "r01"]);
    expect(ids(brushesFilter(axes, { "config.lr": [0, 1] }))).toHaveLength(8);
    expect(brushFilter(axes[1], [0.8, 1])).toEqual({ "config.opt.name": { $in: ["sgd"] } });
    expect(ids(brushesFilter(axes, { "config.opt.name": [0.8, 1], "summary.loss": [0, 0.26] }))).toEqual(["r00", "r10"]);
    expect(brushesFilter(axes, {})).toBeNull();
  });
});
