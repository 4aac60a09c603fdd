import { describe, expect, it } from "vitest";
import type { LogLine } from "../api/types";
import { EMPTY_LOG, applyPage, isAtBottom, mergeLines, nextStart } from "./consoleLog";

const line = (n: number, text = `line ${n}`, stream: LogLine["stream"] = "stdout"): LogLine => ({ line: n, stream, ts: 1000 + n, text });
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => line(from + i));

describe("mergeLines", () => {
  it("appends a page past the end", () => {
    expect(mergeLines(lines(0, 3), lines(3, 5))).toEqual(lines(0, 5));
    expect(mergeLines([], lines(0, 2))).toEqual(lines(0, 2));
  });

  it("replaces a re-read line (a progress bar rewritten in place)", () => {
    const merged = mergeLines(lines(0, 3), [line(2, "bar 100%"), line(3)]);
    expect(merged.map((l) => l.text)).toEqual(["line 0", "line 1", "bar 100%", "line 3"]);
  });

  it("interleaves lines with gaps (search results, session bases)", () => {
    const merged = mergeLines([line(1), line(10), line(20)], [line(5), line(10, "x"), line(30)]);
    expect(merged.map((l) => [l.line, l.text])).toEqual([
      [1, "line 1"], [5, "line 5"], [10, "x"], [20, "line 20"], [30, "line 30"],
    ]);
  });

  it("returns what it held for an empty page", () => {
    const held = lines(0, 2);
    expect(mergeLines(held, [])).toBe(held);
  });
});

describe("applyPage and nextStart", () => {
  it("loads pages until one is not full, then tails from the last line", () => {
    let state = applyPage(EMPTY_LOG, { lines: lines(0, 3), total: 5 }, 3);
    expect(state.complete).toBe(false);
    expect(nextStart(state)).toBe(3);
    state = applyPage(state, { lines: lines(3, 5), total: 5 }, 3);
    expect(state).toMatchObject({ complete: true, total: 5, matched: null, capped: false });
    expect(nextStart(state)).toBe(4);
    // the tail re-reads line 4, rewritten, and a new line
    state = applyPage(state, { lines: [line(4, "done"), line(5)], total: 6 }, 3);
    expect(state.lines.map((l) => l.text).slice(-2)).toEqual(["done", "line 5"]);
    expect(state.complete).toBe(true);
    expect(nextStart(state)).toBe(5);
  });

  it("starts at 0 with nothing held and keeps the search's match count", () => {
    expect(nextStart(EMPTY_LOG)).toBe(0);
    const state = applyPage(EMPTY_LOG, { lines: [line(7)], total: 100, matched: 1 }, 10);
    expect(state.matched).toBe(1);
    expect(state.total).toBe(100);
  });

  it("stops at the cap", () => {
    const state = applyPage(EMPTY_LOG, { lines: lines(0, 10), total: 50 }, 10, 6);
    expect(state.lines).toHaveLength(6);
    expect(state).toMatchObject({ capped: true, complete: true });
  });

  it("sorts a page that arrives out of order", () => {
    const state = applyPage(EMPTY_LOG, { lines: [line(2), line(0), line(1)], total: 3 }, 10);
    expect(state.lines.map((l) => l.line)).toEqual([0, 1, 2]);
  });
});

describe("isAtBottom", () => {
  it("allows a few pixels of slack", () => {
    expect(isAtBottom(600, 400, 1000)).toBe(true);
    expect(isAtBottom(595, 400, 1000)).toBe(true);
    expect(isAtBottom(500, 400, 1000)).toBe(false);
    expect(isAtBottom(0, 400, 300)).toBe(true);
  });
});
