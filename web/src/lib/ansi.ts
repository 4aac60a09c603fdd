// ANSI escape sequences in console lines, as a terminal shows them: SGR colours and
// styles become styled spans (16, 256 and 24-bit colours; bold, dim, italic,
// underline, inverse, strike); every other escape (cursor moves, OSC titles and
// links, charset switches) and stray control characters are dropped. The text is
// rendered as React text nodes, never as HTML, so a logged line cannot inject markup.

export interface AnsiStyle {
  fg?: string;
  bg?: string;
  bold?: boolean;
  dim?: boolean;
  italic?: boolean;
  underline?: boolean;
  inverse?: boolean;
  strike?: boolean;
}

export interface AnsiSpan {
  text: string;
  style: AnsiStyle;
  /** Part of a search match (see `highlightSpans`). */
  mark?: boolean;
}

/** The 16 basic colours (normal, then bright), readable on the logs' dark background. */
export const BASIC_COLORS: readonly string[] = [
  "#3b3b3b", "#f14c4c", "#23d18b", "#e5e510", "#3b8eea", "#d670d6", "#29b8db", "#e5e5e5",
  "#8a8a8a", "#ff6b6b", "#5af2a9", "#f5f543", "#6cb6ff", "#ec92ec", "#5fd8f5", "#ffffff",
];

const CUBE = [0, 95, 135, 175, 215, 255];

function hex(r: number, g: number, b: number): string {
  return `#${[r, g, b].map((v) => Math.max(0, Math.min(255, v | 0)).toString(16).padStart(2, "0")).join("")}`;
}

/** Colour `n` of the xterm 256-colour palette. */
export function color256(n: number): string | undefined {
  if (!Number.isInteger(n) || n < 0 || n > 255) return undefined;
  if (n < 16) return BASIC_COLORS[n];
  if (n < 232) {
    const i = n - 16;
    return hex(CUBE[Math.floor(i / 36)], CUBE[Math.floor(i / 6) % 6], CUBE[i % 6]);
  }
  const gray = 8 + 10 * (n - 232);
  return hex(gray, gray, gray);
}

/** An extended colour (`38;5;n`, `38;2;r;g;b`) from `args` after the 38/48; returns it and how many args it used. */
function extended(args: readonly number[]): [string | undefined, number] {
  if (args[0] === 5) return [color256(args[1]), 2];
  if (args[0] === 2) {
    const [r, g, b] = args.slice(1, 4);
    const ok = [r, g, b].every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
    return [ok ? hex(r, g, b) : undefined, 4];
  }
  return [undefined, args.length];
}

/** The style after one SGR sequence's parameters (`"1;31"`, `"38;5;208"`, `"38:2::1:2:3"`, `""`). */
export function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const next: AnsiStyle = { ...style };
  const groups = params === "" ? ["0"] : params.split(";");
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i];
    if (group.includes(":")) {
      // colon form: one group holds the whole colour (`38:2::r:g:b` has an empty colour-space id)
      const parts = group.split(":");
      const code = Number(parts[0]);
      const kind = Number(parts[1]);
      const rest = parts.slice(2).filter((p) => p !== "").map(Number);
      if (kind === 2 && parts.length === 6) rest.splice(0, Math.max(0, rest.length - 3));
      const [value] = extended([kind, ...rest]);
      if (code === 38) next.fg = value;
      else if (code === 48) next.bg = value;
      else if (code === 4) next.underline = kind !== 0;
      continue;
    }
    const code = group === "" ? 0 : Number(group);
    if (!Number.isInteger(code)) continue;
    if (code === 0) {
      for (const name of Object.keys(next) as (keyof AnsiStyle)[]) delete next[name];
    } else if (code === 1) next.bold = true;
    else if (code === 2) next.dim = true;
    else if (code === 3) next.italic = true;
    else if (code === 4) next.underline = true;
    else if (code === 7) next.inverse = true;
    else if (code === 9) next.strike = true;
    else if (code === 21 || code === 22) {
      delete next.bold;
      delete next.dim;
    } else if (code === 23) delete next.italic;
    else if (code === 24) delete next.underline;
    else if (code === 27) delete next.inverse;
    else if (code === 29) delete next.strike;
    else if (code >= 30 && code <= 37) next.fg = BASIC_COLORS[code - 30];
    else if (code === 39) delete next.fg;
    else if (code >= 40 && code <= 47) next.bg = BASIC_COLORS[code - 40];
    else if (code === 49) delete next.bg;
    else if (code >= 90 && code <= 97) next.fg = BASIC_COLORS[code - 90 + 8];
    else if (code >= 100 && code <= 107) next.bg = BASIC_COLORS[code - 100 + 8];
    else if (code === 38 || code === 48) {
      const [value, used] = extended(groups.slice(i + 1).map(Number));
      if (code === 38) next.fg = value;
      else next.bg = value;
      if (value === undefined) delete next[code === 38 ? "fg" : "bg"];
      i += used;
    }
  }
  return next;
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  const ka = Object.keys(a) as (keyof AnsiStyle)[];
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

// CSI (ESC [ params intermediates final), OSC (ESC ] … BEL or ESC \), other two- and
// three-byte escapes, a lone ESC, and control characters other than tab.
// eslint-disable-next-line no-control-regex
const ESCAPES = /\x1b\[([0-?]*)([ -/]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\|$)|\x1b[ -/]*[0-~]|\x1b|[\x00-\x08\x0b-\x1f\x7f]|\x9b[0-?]*[ -/]*[@-~]/g;

/** A line's text split into styled spans; `start` is the style in force before it. */
export function parseAnsi(text: string, start: AnsiStyle = {}): AnsiSpan[] {
  const spans: AnsiSpan[] = [];
  let style = start;
  let last = 0;
  const push = (chunk: string) => {
    if (!chunk) return;
    const prev = spans[spans.length - 1];
    if (prev && sameStyle(prev.style, style)) prev.text += chunk;
    else spans.push({ text: chunk, style });
  };
  ESCAPES.lastIndex = 0;
  for (let m = ESCAPES.exec(text); m !== null; m = ESCAPES.exec(text)) {
    push(text.slice(last, m.index));
    last = m.index + m[0].length;
    if (m[3] === "m" && m[2] === "" && !/[<=>?]/.test(m[1])) style = applySgr(style, m[1]);
  }
  push(text.slice(last));
  return spans;
}

/** The text a terminal shows, without escapes. */
export function stripAnsi(text: string): string {
  return parseAnsi(text)
    .map((s) => s.text)
    .join("");
}

/** CSS for a span's style (inverse swaps colours; dim lowers opacity). */
export function spanCss(style: AnsiStyle): Record<string, string | number> {
  const css: Record<string, string | number> = {};
  let fg = style.fg;
  let bg = style.bg;
  if (style.inverse) [fg, bg] = [bg ?? "var(--log-bg)", fg ?? "var(--log-fg)"];
  if (fg) css.color = fg;
  if (bg) css.backgroundColor = bg;
  if (style.bold) css.fontWeight = 700;
  if (style.dim) css.opacity = 0.7;
  if (style.italic) css.fontStyle = "italic";
  const lines = [style.underline && "underline", style.strike && "line-through"].filter(Boolean);
  if (lines.length) css.textDecoration = lines.join(" ");
  return css;
}

/** Where `query` occurs in `text` ([start, end) pairs): case-insensitive text, or a regular expression. */
export function matchRanges(text: string, query: string, regex = false): [number, number][] {
  if (!query) return [];
  let pattern: RegExp;
  try {
    pattern = regex
      ? new RegExp(query, "gi")
      : new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi");
  } catch {
    return []; // an invalid expression highlights nothing; the server reports it
  }
  const out: [number, number][] = [];
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    if (m[0].length === 0) {
      pattern.lastIndex += 1;
      continue;
    }
    out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

/** Spans split so that the characters in `ranges` (of the joined text) are marked. */
export function highlightSpans(spans: readonly AnsiSpan[], ranges: readonly [number, number][]): AnsiSpan[] {
  if (ranges.length === 0) return spans as AnsiSpan[];
  const out: AnsiSpan[] = [];
  let offset = 0;
  for (const span of spans) {
    const end = offset + span.text.length;
    let cut = offset;
    for (const [a, b] of ranges) {
      if (b <= cut || a >= end) continue;
      const from = Math.max(a, cut);
      const to = Math.min(b, end);
      if (from > cut) out.push({ ...span, text: span.text.slice(cut - offset, from - offset) });
      out.push({ ...span, text: span.text.slice(from - offset, to - offset), mark: true });
      cut = to;
    }
    if (cut < end) out.push({ ...span, text: span.text.slice(cut - offset) });
    offset = end;
  }
  return out;
}
