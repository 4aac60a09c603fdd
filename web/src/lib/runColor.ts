// Run colours from a colour-blind-friendly palette. In a project, `assignColors`
// hands them out in sequence in creation order (as W&B does): the first runs get
// the most distinct colours, and later runs never change earlier ones' colours. A
// colour stored on the run (set by the user) wins. A run seen on its own (no
// project list at hand) falls back to a hash of its id (`runColor`).

/** Okabe–Ito (without black and yellow) followed by Paul Tol's "muted" scheme. */
export const PALETTE: readonly string[] = [
  "#0072B2", // blue
  "#E69F00", // orange
  "#009E73", // bluish green
  "#D55E00", // vermillion
  "#CC79A7", // reddish purple
  "#56B4E9", // sky blue
  "#332288", // indigo
  "#117733", // green
  "#882255", // wine
  "#999933", // olive
  "#44AA99", // teal
  "#AA4499", // purple
];

/** 32-bit FNV-1a hash of a string. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

const CSS_COLOR = /^(#[0-9a-fA-F]{3,8}|(rgb|rgba|hsl|hsla)\([0-9.,%\s]+\)|[a-zA-Z]{3,20})$/;

/** A run's colour on its own: the stored one, else its hashed palette slot. */
export function runColor(run: { id: string; color?: string | null }): string {
  return storedColor(run) ?? hashedColor(run.id);
}

export function hashedColor(id: string): string {
  return PALETTE[fnv1a(id) % PALETTE.length];
}

/** A colour the app accepts (hex, rgb()/hsl(), a CSS name), trimmed; null for anything else. */
export function validColor(color: string | null | undefined): string | null {
  const text = typeof color === "string" ? color.trim() : "";
  return text && CSS_COLOR.test(text) ? text : null;
}

function storedColor(run: { color?: string | null }): string | null {
  return validColor(run.color);
}

export interface ColorRun {
  id: string;
  created_at: number;
  color?: string | null;
}

/**
 * Colours for a project's runs: stored colours first; the others get the palette's
 * colours in sequence, in creation order (as W&B hands them out), so the first runs
 * get the most distinct colours and a new run never changes an earlier one's.
 */
export function assignColors(runs: readonly ColorRun[]): Map<string, string> {
  const ordered = [...runs].sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const colors = new Map<string, string>();
  let n = 0;
  for (const run of ordered) {
    const stored = storedColor(run);
    colors.set(run.id, stored ?? PALETTE[n++ % PALETTE.length]);
  }
  return colors;
}

/**
 * Colours picked in the runs table (saved in the workspace as `runColors`) win over
 * assigned ones; invalid entries and runs not in `base` are ignored.
 */
export function withCustomColors(
  base: ReadonlyMap<string, string>,
  custom: Readonly<Record<string, string>>,
): Map<string, string> {
  const out = new Map(base);
  for (const [id, color] of Object.entries(custom)) {
    const chosen = validColor(color);
    if (chosen && out.has(id)) out.set(id, chosen);
  }
  return out;
}

/** `#rgb`/`#rrggbb` as `#rrggbb` (lower case) for an `<input type="color">`; null for other colours. */
export function toHex6(color: string): string | null {
  const short = /^#([0-9a-fA-F])([0-9a-fA-F])([0-9a-fA-F])$/.exec(color);
  if (short) return `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}`.toLowerCase();
  return /^#[0-9a-fA-F]{6}$/.test(color) ? color.toLowerCase() : null;
}

/** `#rrggbb` + alpha → `rgba(...)`; other CSS colours are returned unchanged. */
export function withAlpha(color: string, alpha: number): string {
  const match = /^#([0-9a-fA-F]{6})$/.exec(color);
  if (!match) return color;
  const n = parseInt(match[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
