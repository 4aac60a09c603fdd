import { describe, expect, it } from "vitest";
import { BASIC_COLORS, color256, highlightSpans, matchRanges, parseAnsi, spanCss, stripAnsi } from "./ansi";

const ESC = "\x1b";

describe("parseAnsi", () => {
  it("keeps plain text as one unstyled span", () => {
    expect(parseAnsi("epoch 1 loss 0.5")).toEqual([{ text: "epoch 1 loss 0.5", style: {} }]);
    expect(parseAnsi("")).toEqual([]);
  });

  it("styles text with SGR colours and resets", () => {
    expect(parseAnsi(`${ESC}[31mred${ESC}[0m plain ${ESC}[1;32mbold green${ESC}[m`)).toEqual([
      { text: "red", style: { fg: BASIC_COLORS[1] } },
      { text: " plain ", style: {} },
      { text: "bold green", style: { bold: true, fg: BASIC_COLORS[2] } },
    ]);
  });

  it("reads bright, background, 256 and 24-bit colours", () => {
    expect(parseAnsi(`${ESC}[94;101mx`)[0].style).toEqual({ fg: BASIC_COLORS[12], bg: BASIC_COLORS[9] });
    expect(parseAnsi(`${ESC}[38;5;208mx`)[0].style).toEqual({ fg: "#ff8700" });
    expect(parseAnsi(`${ESC}[48;5;232mx`)[0].style).toEqual({ bg: "#080808" });
    expect(parseAnsi(`${ESC}[38;5;3mx`)[0].style).toEqual({ fg: BASIC_COLORS[3] });
    expect(parseAnsi(`${ESC}[38;2;10;20;30;1mx`)[0].style).toEqual({ fg: "#0a141e", bold: true });
    expect(parseAnsi(`${ESC}[38:2::10:20:30mx`)[0].style).toEqual({ fg: "#0a141e" });
    expect(parseAnsi(`${ESC}[38:5:208mx`)[0].style).toEqual({ fg: "#ff8700" });
  });

  it("turns single attributes off", () => {
    const spans = parseAnsi(`${ESC}[1;3;4;7;9;31;42ma${ESC}[22;23;24;27;29;39;49mb`);
    expect(spans[0].style).toEqual({ bold: true, italic: true, underline: true, inverse: true, strike: true, fg: BASIC_COLORS[1], bg: BASIC_COLORS[2] });
    expect(spans[1]).toEqual({ text: "b", style: {} });
  });

  it("drops cursor moves, OSC sequences, other escapes and control characters", () => {
    expect(stripAnsi(`${ESC}[2K${ESC}[1Aa${ESC}[?25lb${ESC}]0;title\x07c${ESC}]8;;http://x${ESC}\\d${ESC}(Be\x08f${ESC}`)).toBe("abcdef");
    expect(stripAnsi("a\tb")).toBe("a\tb");
    // a private-mode "m" is not SGR
    expect(parseAnsi(`${ESC}[>4;2mx`)).toEqual([{ text: "x", style: {} }]);
  });

  it("merges neighbouring spans of the same style and carries a start style", () => {
    expect(parseAnsi(`a${ESC}[0mb`)).toEqual([{ text: "ab", style: {} }]);
    expect(parseAnsi("x", { fg: "#fff" })).toEqual([{ text: "x", style: { fg: "#fff" } }]);
  });

  it("ignores invalid colours", () => {
    expect(parseAnsi(`${ESC}[38;5;300mx`)[0].style).toEqual({});
    expect(parseAnsi(`${ESC}[38;2;1;2mx`)[0].style).toEqual({});
  });
});

describe("color256", () => {
  it("maps the palette, the cube and the grays", () => {
    expect(color256(1)).toBe(BASIC_COLORS[1]);
    expect(color256(16)).toBe("#000000");
    expect(color256(231)).toBe("#ffffff");
    expect(color256(196)).toBe("#ff0000");
    expect(color256(255)).toBe("#eeeeee");
    expect(color256(256)).toBeUndefined();
  });
});

describe("spanCss", () => {
  it("swaps colours for inverse and maps attributes", () => {
    expect(spanCss({ fg: "#111", inverse: true })).toEqual({ color: "var(--log-bg)", backgroundColor: "#111" });
    expect(spanCss({ bold: true, dim: true, italic: true, underline: true, strike: true })).toEqual({
      fontWeight: 700,
      opacity: 0.7,
      fontStyle: "italic",
      textDecoration: "underline line-through",
    });
  });
});

describe("search highlights", () => {
  it("finds text case-insensitively and by regular expression", () => {
    expect(matchRanges("Loss 0.5 loss", "loss")).toEqual([[0, 4], [9, 13]]);
    expect(matchRanges("a.b axb", "a.b")).toEqual([[0, 3]]);
    expect(matchRanges("a.b axb", "a.b", true)).toEqual([[0, 3], [4, 7]]);
    expect(matchRanges("abc", "(", true)).toEqual([]);
    expect(matchRanges("abc", "x*", true)).toEqual([]);
    expect(matchRanges("abc", "")).toEqual([]);
  });

  it("marks matches across styled spans", () => {
    const spans = parseAnsi(`err${ESC}[31mor here${ESC}[0m!`);
    const text = spans.map((s) => s.text).join("");
    const marked = highlightSpans(spans, matchRanges(text, "error"));
    expect(marked).toEqual([
      { text: "err", style: {}, mark: true },
      { text: "or", style: { fg: BASIC_COLORS[1] }, mark: true },
      { text: " here", style: { fg: BASIC_COLORS[1] } },
      { text: "!", style: {} },
    ]);
    expect(highlightSpans(spans, [])).toBe(spans);
  });
});
