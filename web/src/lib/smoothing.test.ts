import { describe, expect, it } from "vitest";
import { emaSmooth } from "./smoothing";

describe("emaSmooth", () => {
  it("is the identity at weight 0", () => {
    expect(emaSmooth([1, 5, 2], 0)).toEqual([1, 5, 2]);
  });

  it("starts at the first value (debiased) and lags behind a step", () => {
    const out = emaSmooth([0, 0, 10, 10, 10], 0.5) as number[];
    expect(out[0]).toBe(0);
    expect(out[2]).toBeGreaterThan(0);
    expect(out[2]).toBeLessThan(10);
    expect(out[4]).toBeGreaterThan(out[3]);
    expect(emaSmooth([3, 3, 3], 0.9)).toEqual([3, 3, 3].map(() => expect.closeTo(3, 10)));
  });

  it("keeps gaps and skips them", () => {
    const out = emaSmooth([2, null, 2, Number.NaN, 2], 0.6);
    expect(out[1]).toBeNull();
    expect(out[3]).toBeNaN();
    expect(out[4]).toBeCloseTo(2, 10);
  });
});
