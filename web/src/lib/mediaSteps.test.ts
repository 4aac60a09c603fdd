import { describe, expect, it } from "vitest";
import type { MediaStep } from "../api/types";
import { histogramBars, imagesOf, selectStep, unionSteps, valueAtStep } from "./mediaSteps";

const steps = (...ns: number[]): MediaStep[] => ns.map((step) => ({ step, value: { n: step } }));

describe("unionSteps", () => {
  it("merges the runs' steps in order", () => {
    expect(unionSteps({ runs: [{ run: "a", steps: steps(0, 2, 4) }, { run: "b", steps: steps(1, 2) }] })).toEqual([0, 1, 2, 4]);
    expect(unionSteps(null)).toEqual([]);
  });
});

describe("valueAtStep", () => {
  it("takes the last value at or before the step", () => {
    const s = steps(0, 5, 10);
    expect(valueAtStep(s, 5)?.step).toBe(5);
    expect(valueAtStep(s, 7)?.step).toBe(5);
    expect(valueAtStep(s, 100)?.step).toBe(10);
    expect(valueAtStep(steps(3), 1)).toBeNull();
    expect(valueAtStep(s, null)?.step).toBe(10);
    expect(valueAtStep([], 1)).toBeNull();
  });
});

describe("selectStep", () => {
  it("keeps a chosen step that exists, else follows the last", () => {
    expect(selectStep([0, 1, 2], 1)).toBe(1);
    expect(selectStep([0, 1, 2], 7)).toBe(2);
    expect(selectStep([0, 1, 2], null)).toBe(2);
    expect(selectStep([], null)).toBeNull();
  });
});

describe("imagesOf", () => {
  it("reads single and separated images", () => {
    expect(imagesOf({ _type: "image-file", url: "/u/a.png", caption: "cat" })).toEqual([{ url: "/u/a.png", caption: "cat" }]);
    expect(imagesOf({ _type: "images/separated", urls: ["/a", "/b"], captions: ["x"] })).toEqual([
      { url: "/a", caption: "x" },
      { url: "/b", caption: null },
    ]);
    expect(imagesOf({ _type: "image-file" })).toEqual([]);
  });
});

describe("histogramBars", () => {
  it("pairs counts with bin edges", () => {
    expect(histogramBars({ values: [2, 5], bins: [0, 0.5, 1] })).toEqual([
      { x0: 0, x1: 0.5, count: 2 },
      { x0: 0.5, x1: 1, count: 5 },
    ]);
  });
  it("unpacks packed bins", () => {
    expect(histogramBars({ values: [1, 2], packedBins: { min: -1, size: 1, count: 2 } })).toEqual([
      { x0: -1, x1: 0, count: 1 },
      { x0: 0, x1: 1, count: 2 },
    ]);
  });
  it("ignores malformed values", () => {
    expect(histogramBars(null)).toEqual([]);
    expect(histogramBars({ values: [1, 2], bins: [0, 1] })).toEqual([{ x0: 0, x1: 1, count: 1 }]);
  });
});
