import { describe, expect, it } from "vitest";
import { rowLayout } from "./layout";

describe("rowLayout", () => {
  const columns = [
    { id: "run:controls", width: 72, pinned: true },
    { id: "run:name", width: 170, pinned: true },
    { id: "summary:loss", width: 96, pinned: true },
    { id: "run:state", width: 96, pinned: false },
    { id: "run:runtime", width: 96, pinned: false },
  ];

  it("puts the pinned columns in one block as wide as they are, the rest after", () => {
    const layout = rowLayout(columns, 530);
    expect(layout.pins.map((c) => c.id)).toEqual(["run:controls", "run:name", "summary:loss"]);
    expect(layout.pinsStyle).toEqual({ width: 338 });
    expect(layout.rest.map((c) => c.id)).toEqual(["run:state", "run:runtime"]);
    expect(layout.width).toBe(530);
  });

  it("gives each cell its width and pin flag, with no sticky offsets of its own", () => {
    const layout = rowLayout(columns, 530);
    expect([...layout.pins, ...layout.rest].map((c) => [c.id, c.pinned, c.style])).toEqual(columns.map((c) => [c.id, c.pinned, { width: c.width }]));
  });

  it("handles no pinned columns", () => {
    const layout = rowLayout([{ id: "a", width: 10, pinned: false }], 10);
    expect(layout.pins).toEqual([]);
    expect(layout.pinsStyle).toEqual({ width: 0 });
  });
});
