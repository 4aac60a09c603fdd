import { describe, expect, it } from "vitest";
import { PALETTE, assignColors, fnv1a, runColor, withAlpha } from "./runColor";

describe("runColor", () => {
  it("is stable for an id and comes from the palette", () => {
    const a = runColor({ id: "abc12345" });
    expect(runColor({ id: "abc12345", color: null })).toBe(a);
    expect(PALETTE).toContain(a);
  });

  it("spreads ids over the palette", () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => runColor({ id: `run${i}` })));
    expect(used.size).toBe(PALETTE.length);
  });

  it("lets a stored colour win, but not arbitrary text", () => {
    expect(runColor({ id: "x", color: "#ff0000" })).toBe("#ff0000");
    expect(runColor({ id: "x", color: "red" })).toBe("red");
    expect(PALETTE).toContain(runColor({ id: "x", color: "url(javascript:1)" }));
  });

  it("hashes with FNV-1a", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
  });

  it("adds alpha to hex colours", () => {
    expect(withAlpha("#0072B2", 0.5)).toBe("rgba(0, 114, 178, 0.5)");
    expect(withAlpha("red", 0.5)).toBe("red");
  });
});

describe("assignColors", () => {
  it("hands the palette out in sequence, in creation order (as W&B)", () => {
    // Two runs whose hashed colours were both greens (#009E73, #117733) on the landed main.
    const colors = assignColors([
      { id: "zz", created_at: 2 },
      { id: "aa", created_at: 1 },
    ]);
    expect(colors.get("aa")).toBe(PALETTE[0]);
    expect(colors.get("zz")).toBe(PALETTE[1]);
  });

  it("keeps earlier runs' colours when runs are added", () => {
    const runs = Array.from({ length: 5 }, (_, i) => ({ id: `r${i}`, created_at: i }));
    const before = assignColors(runs.slice(0, 3));
    const after = assignColors([...runs].reverse());
    for (const run of runs.slice(0, 3)) expect(after.get(run.id)).toBe(before.get(run.id));
  });

  it("uses distinct colours until the palette is used up, and stored colours win", () => {
    const runs = Array.from({ length: PALETTE.length }, (_, i) => ({ id: `x${i}`, created_at: i }));
    expect(new Set(assignColors(runs).values()).size).toBe(PALETTE.length);
    const more = [...runs, { id: "late", created_at: 99 }];
    expect(assignColors(more).get("late")).toBe(PALETTE[0]);
    const stored = assignColors([
      { id: "a", created_at: 0, color: "#123456" },
      { id: "b", created_at: 1 },
    ]);
    expect(stored.get("a")).toBe("#123456");
    expect(stored.get("b")).toBe(PALETTE[0]); // a stored colour takes no palette slot
  });
});
