import { describe, expect, it } from "vitest";
import { FIRST_PAGE } from "../hooks/useLiveRuns";
import { DENSITY_THRESHOLD, cellColor, higherIsBetter } from "./seriesDensity";

describe("higherIsBetter", () => {
  it("knows accuracies from losses", () => {
    expect(["val/accuracy", "reward", "f1_score", "top5"].map(higherIsBetter)).toEqual([true, true, true, true]);
    expect(["loss", "train/loss", "error", "perplexity"].map(higherIsBetter)).toEqual([false, false, false, false]);
  });
});

describe("cellColor", () => {
  it("darkens with the count on a light theme, lightens on a dark one", () => {
    expect(cellColor(1, 100, false)).toBe("hsl(215 70% 85.8%)");
    expect(cellColor(100, 100, false)).toBe("hsl(215 70% 30.0%)");
    expect(cellColor(100, 100, true)).toBe("hsl(215 70% 75.0%)");
    expect(cellColor(0, 0, false)).toBe("hsl(215 70% 92.0%)");
  });
});

describe("DENSITY_THRESHOLD", () => {
  it("is reached by the workspace's first page of runs", () => {
    expect(DENSITY_THRESHOLD).toBeLessThanOrEqual(FIRST_PAGE);
  });
});
