import { describe, expect, it } from "vitest";
import { panelMatcher, panelSearchError } from "./panelSearch";

describe("panel search", () => {
  it("matches keys by case-insensitive regex", () => {
    const match = panelMatcher("^val/(acc|LOSS)$");
    expect(["val/acc", "val/loss", "train/loss", "val/acc2"].filter(match)).toEqual(["val/acc", "val/loss"]);
    expect(panelMatcher("")("anything")).toBe(true);
  });
  it("falls back to text for a bad expression and says why", () => {
    expect(panelSearchError("loss(")).toMatch(/not a regular expression/);
    expect(panelMatcher("loss(")("train/loss(x)")).toBe(true);
    expect(panelSearchError("loss")).toBeNull();
  });
});
