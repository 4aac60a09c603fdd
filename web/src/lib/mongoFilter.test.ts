import { describe, expect, it } from "vitest";
import type { JsonValue } from "../api/types";
import { filterProblem, matchesFilter, unixTime } from "./mongoFilter";
import { makeRun } from "./testRuns";

const runs = [
  makeRun("a", { name: "alpha", config: { lr: 0.1, "a.b": 1, opt: { name: "adam" }, flag: true }, summary: { loss: 0.2, acc: { max: 0.9 } }, tags: ["x", "y"], created_at: 1714521600 }),
  makeRun("b", { name: "beta", state: "running", config: { lr: "0.1", opt: { name: "sgd" }, flag: 1 }, summary: { loss: { $float: "NaN" } }, tags: ["y"], group: "g" }),
  makeRun("c", { name: null, config: {}, summary: {}, tags: [], created_at: 1714608000 }),
];
const ids = (filter: { [key: string]: JsonValue }) => runs.filter((r) => matchesFilter(r, filter)).map((r) => r.id);

describe("matchesFilter (the server's semantics)", () => {
  it("never matches values of different types", () => {
    expect(ids({ "config.lr": 0.1 })).toEqual(["a"]);
    expect(ids({ "config.lr": "0.1" })).toEqual(["b"]);
    expect(ids({ "config.flag": true })).toEqual(["a"]);
    expect(ids({ "config.flag": 1 })).toEqual(["b"]);
    expect(ids({ "config.lr": { $gt: 0.05 } })).toEqual(["a"]);
    expect(ids({ "config.lr": { $gt: "0" } })).toEqual(["b"]);
  });

  it("treats missing as null; $ne and $nin match missing", () => {
    expect(ids({ "config.lr": null })).toEqual(["c"]);
    expect(ids({ "config.lr": { $ne: 0.1 } })).toEqual(["b", "c"]);
    expect(ids({ "config.lr": { $nin: [0.1, "0.1"] } })).toEqual(["c"]);
    expect(ids({ "config.lr": { $exists: false } })).toEqual(["c"]);
    expect(ids({ group: { $exists: true } })).toEqual(["b"]);
  });

  it("looks dotted keys up literally, then nested; config.<key>.value", () => {
    expect(ids({ "config.a.b": 1 })).toEqual(["a"]);
    expect(ids({ "config.opt.name": "sgd" })).toEqual(["b"]);
    expect(ids({ "config.opt.name.value": "sgd" })).toEqual(["b"]);
    expect(ids({ "summary_metrics.acc.max": { $gte: 0.9 } })).toEqual(["a"]);
  });

  it("tests tags one by one", () => {
    expect(ids({ tags: "x" })).toEqual(["a"]);
    expect(ids({ tags: { $in: ["x", "y"] } })).toEqual(["a", "b"]);
    expect(ids({ tags: { $nin: ["x"] } })).toEqual(["b", "c"]);
    expect(ids({ tags: ["y"] })).toEqual(["b"]);
    expect(ids({ tags: null })).toEqual(["c"]);
    expect(ids({ tags: { $regex: "^X$" } })).toEqual([]);
    expect(ids({ tags: { $regex: "(?i)^X$" } })).toEqual(["a"]);
  });

  it("compares dates given as unix seconds or ISO strings (naive is UTC)", () => {
    expect(unixTime("2024-05-01")).toBe(1714521600);
    expect(unixTime("2024-05-01T00:00:00Z")).toBe(1714521600);
    expect(ids({ created_at: { $gt: "2024-05-01" } })).toEqual(["c"]);
    expect(ids({ created_at: { $lte: 1714521600 } })).toEqual(["a", "b"]);
  });

  it("combines with $and / $or / $nor and $not; stored NaN is found only by $eq", () => {
    expect(ids({ $or: [{ state: "running" }, { "config.lr": 0.1 }] })).toEqual(["a", "b"]);
    expect(ids({ $and: [{ tags: "y" }, { "summary_metrics.loss": { $lt: 1 } }] })).toEqual(["a"]);
    expect(ids({ $nor: [{ tags: "y" }] })).toEqual(["c"]);
    expect(ids({ "summary_metrics.loss": { $not: { $lt: 1 } } })).toEqual(["b", "c"]);
    expect(ids({ "summary_metrics.loss": { $gt: -1 } })).toEqual(["a"]);
    expect(ids({ name: "c", display_name: null })).toEqual(["c"]);
  });

  it("names what is wrong with a filter", () => {
    expect(filterProblem({ nope: 1 })).toMatch(/unknown filter field "nope"/);
    expect(filterProblem({ state: { $like: "x" } })).toMatch(/unknown filter operator "\$like"/);
    expect(filterProblem({ $or: [] })).toMatch(/non-empty/);
    expect(filterProblem({ "config.x": { $gt: [1] } })).toMatch(/\$gt expects/);
    expect(filterProblem({ $and: [{ "config.x": 1 }, { tags: { $in: ["a"] } }] })).toBeNull();
  });
});
