import { describe, expect, it } from "vitest";
import { PALETTE, assignColors, fnv1a, hashedColor, runColor, withAlpha } from "./runColor";

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
  const colliding = (() => {
    // ids whose hashes land on the same palette slot
    const bySlot = new Map<number, string[]>();
    for (let i = 0; i < 500; i++) {
      const id = `r${i}`;
      const slot = fnv1a(id) % PALETTE.length;
      bySlot.set(slot, [...(bySlot.get(slot) ?? []), id]);
    }
    return [...bySlot.values()].find((ids) => ids.length >= 3)!.slice(0, 3);
  })();

  it("gives the first run its hashed colour and moves later collisions on", () => {
    const runs = colliding.map((id, i) => ({ id, created_at: i }));
    const colors = assignColors(runs);
    expect(colors.get(colliding[0])).toBe(hashedColor(colliding[0]));
    expect(new Set(colors.values()).size).toBe(3);
    const slot = PALETTE.indexOf(hashedColor(colliding[0]));
    expect(colors.get(colliding[1])).toBe(PALETTE[(slot + 1) % PALETTE.length]);
  });

  it("keeps earlier runs' colours when runs are added", () => {
    const runs = colliding.map((id, i) => ({ id, created_at: i }));
    const before = assignColors(runs.slice(0, 2));
    const after = assignColors([...runs].reverse());
    expect(after.get(colliding[0])).toBe(before.get(colliding[0]));
    expect(after.get(colliding[1])).toBe(before.get(colliding[1]));
  });

  it("uses distinct colours until the palette is used up, and stored colours win", () => {
    const runs = Array.from({ length: PALETTE.length }, (_, i) => ({ id: `x${i}`, created_at: i }));
    expect(new Set(assignColors(runs).values()).size).toBe(PALETTE.length);
    const more = [...runs, { id: "late", created_at: 99 }];
    expect(assignColors(more).get("late")).toBe(hashedColor("late"));
    expect(assignColors([{ id: "a", created_at: 0, color: "#123456" }]).get("a")).toBe("#123456");
  });
});
