import { describe, expect, it } from "vitest";
import { formatTick, niceTicks } from "./ticks";

describe("ticks", () => {
  it("are round numbers inside the range", () => {
    expect(niceTicks(-3.0234567, 3.9876, 5)).toEqual([-2, 0, 2]);
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0, 137, 4)).toEqual([0, 50, 100]);
    expect(niceTicks(2, 2)).toEqual([2]);
  });

  it("are labelled with the digits the step needs", () => {
    expect(formatTick(0.5, 0.5)).toBe("0.5");
    expect(formatTick(0.25, 0.05)).toBe("0.25");
    expect(formatTick(100, 50)).toBe("100");
    expect(formatTick(20000, 5000)).toBe("20k");
    expect(formatTick(2e-5, 1e-5)).toBe("2e-5");
    expect(formatTick(-2, 2)).toBe("-2");
    expect(formatTick(2.5e-5, 5e-6)).toBe("2.5e-5");
  });
});
