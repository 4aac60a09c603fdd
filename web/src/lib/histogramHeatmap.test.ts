import { describe, expect, it } from "vitest";
import type { MediaStep } from "../api/types";
import { PAGE_COLORS, contrast } from "./chartStyle";
import { heatColor, histogramHeatmap, modeOfSteps } from "./histogramHeatmap";

const step = (s: number, bins: number[], values: number[]) => ({ step: s, value: { _type: "histogram", bins, values } }) as unknown as MediaStep;

describe("histogramHeatmap", () => {
  it("re-bins each step onto common rows, columns summing to 1", () => {
    const map = histogramHeatmap([step(0, [0, 1, 2], [3, 1]), step(5, [2, 3, 4], [0, 4])], 4)!;
    expect(map.steps).toEqual([0, 5]);
    expect([map.lo, map.hi]).toEqual([0, 4]);
    expect(Array.from(map.cells)).toEqual([0.75, 0.25, 0, 0, 0, 0, 0, 1]);
    expect(modeOfSteps(map)).toEqual([0.5, 3.5]);
  });
  it("splits a wide bin over the rows it covers", () => {
    const map = histogramHeatmap([step(1, [0, 2], [4]), step(2, [2, 4], [1])], 4)!;
    expect(Array.from(map.cells.slice(0, 4))).toEqual([0.5, 0.5, 0, 0]);
  });
  it("is null with nothing to draw, and colours only filled cells", () => {
    expect(histogramHeatmap([])).toBeNull();
    expect(heatColor(0)).toBeNull();
    expect(heatColor(1)).toBe("#fde725");
    expect(heatColor(0.0001)).toMatch(/^#4/);
    // on the dark theme the emptiest cells start lighter than the panel, not dark purple
    expect(heatColor(0.0001, true)).not.toMatch(/^#4/);
    expect(contrast(heatColor(0.0001, true)!, PAGE_COLORS.dark.bg)).toBeGreaterThanOrEqual(3);
    expect(heatColor(1, true)).toBe("#fde725");
  });
});
