import { describe, expect, it } from "vitest";
import { makeRun } from "./testRuns";
import { EMPTY_FILTER, filterRuns, filterTextError, lookup, parseComparison, parseFilterText } from "./runFilter";

const runs = [
  makeRun("a1", { name: "lr-0.1", config: { lr: 0.1, optimizer: "adam" }, summary: { loss: { min: 0.2 } }, tags: ["base"] }),
  makeRun("b2", { name: "lr-0.01", state: "running", config: { lr: 0.01, optimizer: "sgd" }, summary: { loss: { min: 0.5 } } }),
  makeRun("c3", { name: "other", state: "crashed", config: {}, summary: {}, group: "sweep-1" }),
];
const ids = (filter: Partial<typeof EMPTY_FILTER>) => filterRuns(runs, { ...EMPTY_FILTER, ...filter }).map((r) => r.id);

describe("filterRuns", () => {
  it("searches names case-insensitively", () => {
    expect(ids({ search: "LR-" })).toEqual(["a1", "b2"]);
    expect(ids({})).toEqual(["a1", "b2", "c3"]);
  });

  it("filters by state", () => {
    expect(ids({ state: "running" })).toEqual(["b2"]);
  });

  it("compares config and summary values", () => {
    expect(ids({ text: "lr > 0.05" })).toEqual(["a1"]);
    expect(ids({ text: "config.lr <= 0.1" })).toEqual(["a1", "b2"]);
    expect(ids({ text: "summary.loss.min < 0.3" })).toEqual(["a1"]);
    expect(ids({ text: "loss.min >= 0.3" })).toEqual(["b2"]);
    expect(ids({ text: "optimizer = sgd" })).toEqual(["b2"]);
    expect(ids({ text: "optimizer != sgd" })).toEqual(["a1", "c3"]);
    expect(ids({ text: "optimizer ~ AD" })).toEqual(["a1"]);
    expect(ids({ text: "state = crashed" })).toEqual(["c3"]);
    expect(ids({ text: "tags = base" })).toEqual(["a1"]);
  });

  it("falls back to plain text over name, tags and group", () => {
    expect(ids({ text: "sweep" })).toEqual(["c3"]);
    expect(ids({ text: "base" })).toEqual(["a1"]);
  });

  it("parses comparisons", () => {
    expect(parseComparison("a.b>=3")).toEqual({ path: "a.b", op: ">=", value: "3" });
    expect(parseComparison('name = "x y"')).toEqual({ path: "name", op: "=", value: "x y" });
    expect(parseComparison("just text")).toBeNull();
    expect(parseComparison("a =")).toBeNull();
  });

  it("looks up bare keys in summary, then config", () => {
    expect(lookup(runs[0], "loss.min")).toBe(0.2);
    expect(lookup(runs[0], "lr")).toBe(0.1);
    expect(lookup(runs[0], "name")).toBe("lr-0.1");
  });

  it("combines comparisons with and / or (and binds tighter)", () => {
    // Issue 17: `a > x and b = y` was one comparison `a > "x and b = y"`, matching the wrong runs.
    expect(ids({ text: "lr > 0.005 and optimizer = sgd" })).toEqual(["b2"]);
    expect(ids({ text: "lr > 0.05 AND optimizer = sgd" })).toEqual([]);
    expect(ids({ text: "lr > 0.05 or state = crashed" })).toEqual(["a1", "c3"]);
    expect(ids({ text: "optimizer = sgd and lr < 1 or tags = base" })).toEqual(["a1", "b2"]);
    expect(ids({ text: "lr > 0.005 && loss.min < 0.3" })).toEqual(["a1"]);
    expect(ids({ text: 'optimizer = "x and y" or lr = 0.1' })).toEqual(["a1"]);
  });

  it("says when a compound expression has a part that is not a comparison", () => {
    expect(ids({ text: "lr > 0.005 and sgd" })).toEqual([]);
    expect(filterTextError("lr > 0.005 and sgd")).toBe('cannot parse "sgd" as a comparison (key op value) in "lr > 0.005 and sgd"');
    expect(filterTextError("lr > 0.005 and optimizer = sgd")).toBeNull();
    expect(filterTextError("rock and roll")).toBeNull();
    expect(parseFilterText("rock and roll")).toEqual({ kind: "text", needle: "rock and roll" });
  });
});
