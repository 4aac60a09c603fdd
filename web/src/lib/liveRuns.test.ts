import { describe, expect, it } from "vitest";
import { applyRunUpdates, plottedRuns, summaryKeySignature } from "./liveRuns";
import { makeRun } from "./testRuns";

describe("applyRunUpdates", () => {
  const current = [makeRun("a", { last_step: 5 }), makeRun("b", { last_step: 3 })];

  it("replaces updated runs and reports growth and new runs", () => {
    const update = applyRunUpdates(current, [
      makeRun("b", { last_step: 9, summary: { loss: 0.1 } }),
      makeRun("c", { last_step: 0 }),
      makeRun("a", { last_step: 5, state: "finished" }),
    ]);
    expect(update.runs.map((r) => r.id)).toEqual(["c", "a", "b"]);
    expect(update.runs[2].summary).toEqual({ loss: 0.1 });
    expect(update.grown).toEqual(["b"]);
    expect(update.added).toEqual(["c"]);
  });

  it("keeps the same array when nothing changed", () => {
    expect(applyRunUpdates(current, []).runs).toBe(current);
  });

  it("counts a first step as growth", () => {
    const update = applyRunUpdates([makeRun("a", { last_step: null })], [makeRun("a", { last_step: 0 })]);
    expect(update.grown).toEqual(["a"]);
  });
});

describe("plottedRuns", () => {
  it("takes the first visible runs in table order", () => {
    const runs = ["a", "b", "c", "d"].map((id) => makeRun(id));
    expect(plottedRuns(runs, ["b"], 2).map((r) => r.id)).toEqual(["a", "c"]);
    expect(plottedRuns(runs, [], 10)).toHaveLength(4);
  });

  it("signs the summary keys", () => {
    expect(summaryKeySignature([makeRun("a", { summary: { b: 1 } }), makeRun("b", { summary: { a: 1, b: 2 } })])).toBe(
      "a\nb",
    );
  });
});
