import { describe, expect, it } from "vitest";
import type { Run } from "../api/types";
import {
  EAGER_PANELS,
  type EagerSlots,
  compareGroupValues,
  groupColors,
  groupKey,
  groupLabel,
  groupRuns,
  groupsAskable,
  isGroupField,
  latestRunningUpdate,
  runFieldValues,
  takeEagerSlot,
  visibleRunsFilter,
} from "./grouping";

function run(id: string, config: Run["config"], extra: Partial<Run> = {}): Run {
  return {
    id,
    name: id,
    state: "finished",
    created_at: 0,
    updated_at: 0,
    heartbeat_at: null,
    runtime: null,
    last_step: null,
    tags: [],
    group: null,
    job_type: null,
    notes: null,
    host: null,
    color: null,
    config,
    summary: {},
    ...extra,
  };
}

describe("groupRuns", () => {
  const runs = [
    run("a", { optim: { name: "sgd" }, lr: 10 }, { tags: ["x", "y"] }),
    run("b", { optim: { name: "adam" }, lr: 9 }, { tags: ["x"] }),
    run("c", { optim: { name: "adam" } }, { group: "g1" }),
    run("d", { lr: 9 }),
  ];

  it("splits by a nested config key in the server's order (text, then missing)", () => {
    const groups = groupRuns(runs, ["config.optim.name"]);
    expect(groups.map((g) => [g.label, g.runs.map((r) => r.id)])).toEqual([
      ["adam", ["b", "c"]],
      ["sgd", ["a"]],
      ["(none)", ["d"]],
    ]);
    expect(groups[0].key).toBe(groupKey(["config.optim.name"], { "config.optim.name": "adam" }));
  });

  it("orders numbers numerically and puts a run in each of its tags' groups", () => {
    expect(groupRuns(runs, ["config.lr"]).map((g) => g.label)).toEqual(["9", "10", "(none)"]);
    expect(groupRuns(runs, ["tags"]).map((g) => [g.label, g.runs.map((r) => r.id)])).toEqual([
      ["x", ["a", "b"]],
      ["y", ["a"]],
      ["(none)", ["c", "d"]],
    ]);
  });

  it("combines several fields", () => {
    const groups = groupRuns(runs, ["config.optim.name", "group"]);
    expect(groups.map((g) => g.label)).toEqual(["adam · g1", "adam · (none)", "sgd · (none)", "(none) · (none)"]);
    expect(groupLabel(["a", "b"], { a: 1, b: "x" })).toBe("1 · x");
  });

  it("reads run fields and whole nested objects", () => {
    expect(runFieldValues(runs[2], "group")).toEqual(["g1"]);
    expect(runFieldValues(runs[0], "config.optim")).toEqual([{ name: "sgd" }]);
    expect(isGroupField("config.")).toBe(false);
    expect(isGroupField("job_type")).toBe(true);
    expect(isGroupField("name")).toBe(false);
    expect(compareGroupValues(["f"], { f: 2 }, { f: "a" })).toBeLessThan(0);
  });
});

describe("groupColors", () => {
  it("gives distinct colours to up to 12 groups, the same for the same keys", () => {
    const keys = Array.from({ length: 12 }, (_, i) => groupKey(["f"], { f: `v${i}` }));
    const colors = groupColors(keys);
    expect(new Set(colors.values()).size).toBe(12);
    expect(groupColors(keys)).toEqual(colors);
  });
});

describe("visibleRunsFilter", () => {
  const all = ["a", "b", "c", "d"].map((id) => run(id, {}));

  it("is nothing for all runs, $nin of hidden runs before and after the runs load", () => {
    expect(visibleRunsFilter(all, all, [])).toBeUndefined();
    expect(visibleRunsFilter([], [], [])).toBeUndefined();
    const hidden = JSON.stringify({ name: { $nin: ["a", "c"] } });
    expect(visibleRunsFilter([], [], ["c", "a"])).toBe(hidden);
    expect(visibleRunsFilter(all, [all[1], all[3]], ["c", "a"])).toBe(hidden);
  });

  it("names the shorter list when the table filters runs", () => {
    expect(visibleRunsFilter(all, [all[0]], [])).toBe(JSON.stringify({ name: { $in: ["a"] } }));
    expect(visibleRunsFilter(all, all.slice(0, 3), ["x"])).toBe(JSON.stringify({ name: { $nin: ["d"] } }));
  });
});

describe("asking for groups early", () => {
  it("asks again only when a running run logged more", () => {
    const runs = [
      run("a", {}, { state: "finished", updated_at: 50 }),
      run("b", {}, { state: "running", updated_at: 20 }),
      run("c", {}, { state: "running", updated_at: 30 }),
    ];
    expect(latestRunningUpdate(runs)).toBe(30);
    expect(latestRunningUpdate(runs.slice(0, 1))).toBe(0);
    expect(latestRunningUpdate([])).toBe(0);
  });

  it("asks before the runs arrive unless a filter or brush narrows them", () => {
    expect(groupsAskable(false, false)).toBe(true);
    expect(groupsAskable(true, false)).toBe(false);
    expect(groupsAskable(true, true)).toBe(true);
    expect(groupsAskable(false, true)).toBe(true);
  });

  it("gives the first panels mounted a slot each, then none", () => {
    const slots: EagerSlots = { left: EAGER_PANELS };
    const taken = Array.from({ length: EAGER_PANELS + 2 }, () => takeEagerSlot(slots));
    expect(taken).toEqual([...Array(EAGER_PANELS).fill(true), false, false]);
    expect(slots.left).toBe(0);
  });
});
