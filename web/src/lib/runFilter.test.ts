import { describe, expect, it } from "vitest";
import { makeRun } from "./testRuns";
import { EMPTY_FILTER, filterRuns, lookup, parseComparison } from "./runFilter";

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
});
