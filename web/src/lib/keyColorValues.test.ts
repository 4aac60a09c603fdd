import { describe, expect, it } from "vitest";
import { EMPTY_VALUES, MAX_PARTIAL, mergeValues, planValueFetch, valueKey, valuesFor } from "./keyColorValues";
import { makeRun } from "./testRuns";

const runs = [makeRun("a", { updated_at: 1 }), makeRun("b", { updated_at: 1 })];

describe("valueKey", () => {
  it("ignores y for config keys", () => {
    expect(valueKey("config:lr", "max")).toBe(valueKey("config:lr", "min"));
    expect(valueKey("acc", "max")).not.toBe(valueKey("acc", "min"));
  });
});

describe("planValueFetch and mergeValues", () => {
  const want = valueKey("acc", "max");

  it("reads everything for a new key, then nothing while runs are unchanged", () => {
    const plan = planValueFetch(EMPTY_VALUES, runs, want)!;
    expect(plan.full).toBe(true);
    const state = mergeValues(EMPTY_VALUES, want, plan, {
      runs: [
        { id: "a", name: "a", value: 0.5, bucket: 0, color: "#000000" },
        { id: "b", name: "b", value: { $float: "Infinity" }, bucket: 1, color: "#000000" },
      ],
    });
    expect(state.values).toEqual(new Map([["a", 0.5], ["b", Infinity]]));
    expect(planValueFetch(state, runs, want)).toBeNull();
  });

  it("re-reads only runs updated since, and new runs", () => {
    const state = mergeValues(EMPTY_VALUES, want, planValueFetch(EMPTY_VALUES, runs, want)!, {
      runs: [{ id: "a", name: "a", value: 0.5, bucket: 0, color: "#000000" }],
    });
    expect(state.values.get("b")).toBeNull(); // asked for, no answer: no value
    const later = [makeRun("a", { updated_at: 2 }), runs[1], makeRun("c", { updated_at: 5 })];
    const plan = planValueFetch(state, later, want)!;
    expect(plan.full).toBe(false);
    expect([...plan.stamps.keys()]).toEqual(["a", "c"]);
    const merged = mergeValues(state, want, plan, {
      runs: [
        { id: "a", name: "a", value: 0.7, bucket: 0, color: "#000000" },
        { id: "c", name: "c", value: "x", bucket: 0, color: "#000000" },
      ],
    });
    expect(valuesFor(merged, later)).toEqual(new Map<string, unknown>([["a", 0.7], ["b", null], ["c", "x"]]));
    expect(planValueFetch(merged, later, want)).toBeNull();
  });

  it("re-reads everything when the key changes or too many runs changed", () => {
    const state = mergeValues(EMPTY_VALUES, want, planValueFetch(EMPTY_VALUES, runs, want)!, { runs: [] });
    expect(planValueFetch(state, runs, valueKey("acc", "min"))!.full).toBe(true);
    const many = Array.from({ length: MAX_PARTIAL + 1 }, (_, i) => makeRun(`n${i}`));
    expect(planValueFetch(state, many, want)!.full).toBe(true);
  });
});
