import { describe, expect, it } from "vitest";
import { makeRun } from "./testRuns";
import { EMPTY_FILTER, compileFilterText, filterError, filterRuns, filterTextError, knownKeys, lookup, parseComparison, parseFilterText } from "./runFilter";

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
    expect(parseComparison('name = "x y"')).toEqual({ path: "name", op: "=", value: "x y", quoted: true });
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

describe("compileFilterText", () => {
  const keys = knownKeys(runs);
  const compile = (text: string) => compileFilterText(text, keys);

  it("compiles comparisons to the filters runyard.Api().runs takes", () => {
    expect(compile("lr > 0.05")).toEqual({ kind: "filter", filter: { "config.lr": { $gt: 0.05 } } });
    expect(compile("loss.min <= 0.3")).toEqual({ kind: "filter", filter: { "summary_metrics.loss.min": { $lte: 0.3 } } });
    expect(compile("summary.loss.min = 1")).toEqual({ kind: "filter", filter: { "summary_metrics.loss.min": { $eq: 1 } } });
    expect(compile('optimizer = "1"')).toEqual({ kind: "filter", filter: { "config.optimizer": { $eq: "1" } } });
    expect(compile("name ~ a.b")).toEqual({ kind: "filter", filter: { display_name: { $regex: "(?i)a\\.b" } } });
    expect(compile("id = a1")).toEqual({ kind: "filter", filter: { name: { $eq: "a1" } } });
    expect(compile("created_at >= 2024-05-01")).toEqual({ kind: "filter", filter: { created_at: { $gte: "2024-05-01" } } });
    expect(compile("lr > 0.05 and state = finished or tags = base")).toEqual({
      kind: "filter",
      filter: { $or: [{ $and: [{ "config.lr": { $gt: 0.05 } }, { state: { $eq: "finished" } }] }, { tags: { $eq: "base" } }] },
    });
  });

  it("says which key is unknown", () => {
    expect(compile("nope > 1")).toEqual({ kind: "error", message: 'unknown key "nope": not a run field, nor a config or summary key of any run' });
    expect(compile("config.loss > 1")).toEqual({ kind: "error", message: 'unknown config key "loss": no run has it' });
    expect(filterError("lr > 1 or notes = x", runs)).toMatch(/notes cannot be filtered/);
    expect(filterError("created_at > yesterday", runs)).toMatch(/takes a date/);
    expect(filterError("lr > 1", runs)).toBeNull();
  });

  it("filters with the API's typed semantics", () => {
    // a number never equals a string: "0.1" quoted is text
    expect(ids({ text: 'lr = "0.1"' })).toEqual([]);
    expect(ids({ text: "lr = 0.1" })).toEqual(["a1"]);
    // $ne matches runs without the key; > never matches them
    expect(ids({ text: "lr != 0.1" })).toEqual(["b2", "c3"]);
    expect(ids({ text: "unknownkey = 1" })).toEqual([]);
  });
});
