// Key-based run colours (W&B's "semantic run plot legend"): runs are bucketed by one
// value each — a metric's latest, max or min value, a config value, or a default
// metric such as Relative Time (Wall) — and every bucket gets one colour.
//
// * Numbers: [min, max] of the runs' finite values is split into 2..8 equal-width
//   buckets labelled `Min – a`, `a – b`, …, `z – Max`; a value exactly on a boundary
//   goes to the upper bucket, ±Infinity to the end buckets. Colours come from a
//   sequential ramp, light (low) to dark (high). All values equal: one bucket.
// * Strings and booleans: one colour per distinct value (the run palette).
// * No value (missing, null, NaN, lists, objects): grey, listed as such.
//
// This mirrors src/runyard/metrics/colors.py line by line (the /colors route uses
// it); keyColors.golden.json holds cases both test suites check.
import type { JsonValue, MetricKey } from "../api/types";
import { PALETTE } from "./runColor";

/** One run's value for the key: a number (NaN and ±Infinity allowed), a string, a boolean or null. */
export type KeyValue = number | string | boolean | null;

export type YValue = "latest" | "max" | "min";
export const Y_VALUES: readonly { value: YValue; label: string }[] = [
  { value: "latest", label: "Latest" },
  { value: "max", label: "Max" },
  { value: "min", label: "Min" },
];

/** Keys every run has (the line plots' x-axes), as W&B names them. */
export const DEFAULT_METRICS: readonly { value: string; label: string }[] = [
  { value: "_runtime", label: "Relative Time (Process)" },
  { value: "_wall", label: "Relative Time (Wall)" },
  { value: "_timestamp", label: "Wall Time" },
  { value: "_step", label: "Step" },
];

export const CONFIG_PREFIX = "config:";
export const MIN_BUCKETS = 2;
export const MAX_BUCKETS = 8;
export const DEFAULT_BUCKETS = 5;

/** Sequential ramps, light to dark (matplotlib's colour-blind-safe maps, sampled evenly; light ends
 * cut at 2:1 contrast on white, as in runyard.metrics.colors). */
export const PALETTES: Readonly<Record<string, readonly string[]>> = {
  viridis: ["#5ec962", "#32b67a", "#1fa088", "#23898e", "#2c728e", "#375b8d", "#424086", "#482374", "#440154"],
  cividis: ["#c3b369", "#918b78", "#646770", "#33446d", "#00224e"],
  magma: ["#fe9f6d", "#f66c5c", "#d8456c", "#ab337c", "#7e2482", "#54137d", "#251255"],
  plasma: ["#fb9f3a", "#ef7e50", "#de5f65", "#c8437b", "#ad2793", "#8d0ba5", "#6700a8", "#3f049c", "#0d0887"],
};
export const DEFAULT_PALETTE = "viridis";
export const MISSING_COLOR = "#bdbdbd";

const DASH = " – ";
/** Boundaries closer to zero than this fraction of the range are zero. */
const ZERO = 1e-9;

// -- the setting ------------------------------------------------------------------

export interface KeyColorSetting {
  enabled: boolean;
  /** A metric key, `config:<path>`, or a default metric (`_step`, `_runtime`, `_wall`, `_timestamp`). */
  key: string;
  y: YValue;
  buckets: number;
  palette: string;
}

export const DEFAULT_KEY_COLORS: KeyColorSetting = {
  enabled: false,
  key: "",
  y: "latest",
  buckets: DEFAULT_BUCKETS,
  palette: DEFAULT_PALETTE,
};

/** The saved setting, read leniently (it is user data): bad fields get defaults. */
export function readKeyColorSetting(doc: JsonValue | undefined): KeyColorSetting {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return DEFAULT_KEY_COLORS;
  const { enabled, key, y, buckets, palette } = doc;
  return {
    enabled: enabled === true,
    key: typeof key === "string" ? key : "",
    y: y === "latest" || y === "max" || y === "min" ? y : "latest",
    buckets:
      typeof buckets === "number" && Number.isFinite(buckets)
        ? Math.min(MAX_BUCKETS, Math.max(MIN_BUCKETS, Math.round(buckets)))
        : DEFAULT_BUCKETS,
    palette: typeof palette === "string" && palette in PALETTES ? palette : DEFAULT_PALETTE,
  };
}

export function isActive(setting: KeyColorSetting): boolean {
  return setting.enabled && setting.key !== "";
}

export function isConfigKey(key: string): boolean {
  return key.startsWith(CONFIG_PREFIX);
}

/** A key's name on screen: `acc`, `learning_rate (config)`, `Relative Time (Wall)`. */
export function keyLabel(key: string): string {
  if (isConfigKey(key)) return `${key.slice(CONFIG_PREFIX.length)} (config)`;
  return DEFAULT_METRICS.find((m) => m.value === key)?.label ?? key;
}

/** What runs are coloured by: `acc (Max)`, `learning_rate (config)`, `Relative Time (Wall) (Latest)`. */
export function describeKey(setting: Pick<KeyColorSetting, "key" | "y">): string {
  if (isConfigKey(setting.key)) return keyLabel(setting.key);
  const y = Y_VALUES.find((v) => v.value === setting.y)?.label ?? setting.y;
  return `${keyLabel(setting.key)} (${y})`;
}

// -- the key picker ---------------------------------------------------------------

export interface KeyOption {
  value: string;
  label: string;
}

export interface KeyGroup {
  name: "Metrics" | "Config" | "Default metrics";
  options: KeyOption[];
}

/**
 * The keys runs can be coloured by, grouped by kind and filtered by `query`
 * (case-insensitive substring of the label or the key): logged numeric metrics
 * (not hidden, not internal), config keys, then the default metrics.
 */
export function keyGroups(metrics: readonly MetricKey[], configPaths: readonly string[], query = ""): KeyGroup[] {
  const q = query.trim().toLowerCase();
  const match = (o: KeyOption) => !q || o.label.toLowerCase().includes(q) || o.value.toLowerCase().includes(q);
  const groups: KeyGroup[] = [
    {
      name: "Metrics",
      options: metrics
        .filter((k) => k.numeric && !k.hidden && !k.key.startsWith("_"))
        .map((k) => ({ value: k.key, label: k.key })),
    },
    { name: "Config", options: configPaths.map((p) => ({ value: CONFIG_PREFIX + p, label: p })) },
    { name: "Default metrics", options: [...DEFAULT_METRICS] },
  ];
  return groups.map((g) => ({ ...g, options: g.options.filter(match) })).filter((g) => g.options.length > 0);
}

// -- values -----------------------------------------------------------------------

/** A JSON value as a KeyValue: the store's `{"$float": "NaN"}` markers become numbers; lists and objects null. */
export function keyValue(value: JsonValue | undefined): KeyValue {
  if (value === undefined || value === null) return null;
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") return value;
  if (!Array.isArray(value) && Object.keys(value).length === 1) {
    const mark = value.$float;
    if (mark === "NaN") return NaN;
    if (mark === "Infinity") return Infinity;
    if (mark === "-Infinity") return -Infinity;
  }
  return null;
}

// -- numbers ----------------------------------------------------------------------

/** The decimal exponent of x's shortest representation. */
function exponentOf(x: number): number {
  return Number(Math.abs(x).toExponential().split("e")[1]);
}

function trim(text: string): string {
  let out = text;
  if (out.includes(".")) out = out.replace(/0+$/, "").replace(/\.$/, "");
  return out === "-0" ? "0" : out;
}

/**
 * A bucket boundary for a label: `digits` significant digits (the integer part is
 * never rounded away), more when the bucket `width` needs them to tell neighbours
 * apart; trailing zeros dropped; exponent notation for tiny and huge numbers.
 */
export function formatEdge(x: number, width = 0, digits = 4): string {
  if (x === 0 || !Number.isFinite(x)) return x === 0 ? "0" : String(x);
  const exponent = exponentOf(x);
  if (exponent < -6 || exponent >= 15) {
    const [mantissa, power] = x.toExponential(3).split("e");
    return `${trim(mantissa)}e${power}`;
  }
  let decimals = Math.max(0, digits - 1 - exponent);
  if (width > 0 && Number.isFinite(width)) decimals = Math.max(decimals, 1 - exponentOf(width));
  return trim(x.toFixed(Math.min(decimals, 15)));
}

/** `-0`, `-0.00`: no sign on zero. */
function unsignedZero(text: string): string {
  return /^-[0.]+$/.test(text) ? text.slice(1) : text;
}

/**
 * The inner boundaries of one legend, with the same number of decimals: enough for
 * four significant digits of each and to tell neighbours `width` apart, less the
 * trailing zeros every boundary has (`1 – 2`, but `0.8017 – 0.8300`). Tiny and huge
 * boundaries are written one by one in exponent notation (formatEdge).
 */
export function formatEdges(edges: readonly number[], width: number): string[] {
  if (edges.some((e) => e !== 0 && (exponentOf(e) < -6 || exponentOf(e) >= 15))) return edges.map((e) => formatEdge(e, width));
  let decimals = width > 0 && Number.isFinite(width) ? Math.max(0, 1 - exponentOf(width)) : 0;
  for (const e of edges) if (e !== 0) decimals = Math.max(decimals, 3 - exponentOf(e));
  decimals = Math.min(decimals, 15);
  let texts = edges.map((e) => e.toFixed(decimals));
  if (decimals > 0) {
    const common = Math.min(...texts.map((t) => t.length - t.replace(/0+$/, "").length));
    const cut = Math.min(common, decimals);
    texts = texts.map((t) => t.slice(0, t.length - cut));
    if (cut === decimals) texts = texts.map((t) => t.replace(/\.$/, ""));
  }
  return texts.map(unsignedZero);
}

// -- buckets ----------------------------------------------------------------------

/** `buckets + 1` equal-width boundaries over the finite values' [min, max]; [v, v] when all are equal; null without a finite value. */
export function bucketEdges(values: Iterable<number>, buckets: number): number[] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return null;
  if (lo === hi) return [lo, hi];
  const n = Math.max(1, buckets);
  const edges: number[] = [lo];
  for (let i = 1; i < n; i++) {
    const edge = lo + ((hi - lo) * i) / n;
    // -0.3 + 0.1 * 3 is 5.6e-17: a boundary that is zero but for rounding is zero
    edges.push(Math.abs(edge) < (hi - lo) * ZERO ? 0 : edge);
  }
  edges.push(hi);
  return edges;
}

/** A value's bucket: boundaries belong to the upper bucket, ±Infinity to the end buckets, NaN to none. */
export function bucketIndex(value: number, edges: readonly number[]): number | null {
  if (Number.isNaN(value)) return null;
  const n = edges.length - 1;
  let index = 0;
  for (let i = 1; i < n; i++) if (value >= edges[i]) index += 1;
  return index;
}

/** `Min – a`, `a – b`, …, `z – Max`; one bucket of equal values is named by the value. */
export function bucketLabels(edges: readonly number[]): string[] {
  const n = edges.length - 1;
  if (edges[0] === edges[n]) return [formatEdge(edges[0])];
  const width = (edges[n] - edges[0]) / n;
  const names = ["Min", ...formatEdges(edges.slice(1, n), width), "Max"];
  return Array.from({ length: n }, (_, i) => `${names[i]}${DASH}${names[i + 1]}`);
}

function hex2(value: number): string {
  return Math.floor(value + 0.5).toString(16).padStart(2, "0");
}

/** `n` colours spread evenly over a palette, light to dark (one colour: its middle). */
export function ramp(palette: string, n: number): string[] {
  const anchors = (PALETTES[palette] ?? PALETTES[DEFAULT_PALETTE]).map((c) =>
    [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)),
  );
  const k = anchors.length;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = n === 1 ? 0.5 : i / (n - 1);
    const pos = t * (k - 1);
    const j = Math.min(Math.floor(pos), k - 2);
    const f = pos - j;
    const a = anchors[j];
    const b = anchors[j + 1];
    out.push(`#${[0, 1, 2].map((c) => hex2(a[c] + (b[c] - a[c]) * f)).join("")}`);
  }
  return out;
}

// -- assignment -------------------------------------------------------------------

export interface LegendBucket {
  label: string;
  color: string;
  /** Run ids in the bucket, in input order. */
  runs: string[];
  /** The numeric range (numeric keys). */
  min: number | null;
  max: number | null;
  /** The value (categorical keys). */
  value: string | boolean | number | null;
}

export interface KeyColors {
  kind: "numeric" | "categorical" | "empty";
  buckets: LegendBucket[];
  colors: Map<string, string>;
  bucketOf: Map<string, number | null>;
  missing: string[];
}

function category(value: string | boolean | number): { rank: number; label: string } {
  if (typeof value === "boolean") return { rank: 0, label: String(value) };
  if (typeof value === "number") return { rank: 1, label: formatEdge(value, 0, 12) };
  return { rank: 2, label: value };
}

function compareCategories(
  a: { rank: number; value: string | boolean | number },
  b: { rank: number; value: string | boolean | number },
): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.value === b.value) return 0;
  return (a.value as number | string) < (b.value as number | string) ? -1 : 1;
}

/**
 * Buckets and colours for runs' values (run id → value, in the order to list runs).
 * Any string or boolean makes the key categorical (one colour per distinct value);
 * otherwise numbers are bucketed by range. `buckets` is clamped to 2..8.
 */
export function assignKeyColors(
  values: ReadonlyMap<string, KeyValue>,
  buckets: number = DEFAULT_BUCKETS,
  palette: string = DEFAULT_PALETTE,
): KeyColors {
  const n = Math.min(MAX_BUCKETS, Math.max(MIN_BUCKETS, Math.round(buckets)));
  const present = new Map<string, string | boolean | number>();
  for (const [run, v] of values) if (v !== null && !(typeof v === "number" && Number.isNaN(v))) present.set(run, v);
  const categorical = [...present.values()].some((v) => typeof v === "string" || typeof v === "boolean");
  const bucketOf = new Map<string, number | null>();
  let legend: LegendBucket[] = [];
  let kind: KeyColors["kind"] = "empty";
  if (categorical) {
    kind = "categorical";
    const seen = new Map<string, { rank: number; value: string | boolean | number; label: string }>();
    for (const v of present.values()) {
      const c = category(v);
      const id = `${c.rank}:${c.label}`;
      if (!seen.has(id)) seen.set(id, { ...c, value: v });
    }
    const ordered = [...seen.values()].sort(compareCategories);
    const index = new Map(ordered.map((c, i) => [`${c.rank}:${c.label}`, i] as const));
    legend = ordered.map((c, i) => ({
      label: c.label,
      color: PALETTE[i % PALETTE.length],
      runs: [],
      min: null,
      max: null,
      value: c.value,
    }));
    for (const [run, v] of present) {
      const c = category(v);
      bucketOf.set(run, index.get(`${c.rank}:${c.label}`) ?? null);
    }
  } else {
    const numbers = new Map<string, number>();
    for (const [run, v] of present) numbers.set(run, v as number);
    const edges = bucketEdges(numbers.values(), n);
    if (edges) {
      kind = "numeric";
      const labels = bucketLabels(edges);
      const shades = ramp(palette, labels.length);
      legend = labels.map((label, i) => ({
        label,
        color: shades[i],
        runs: [],
        min: edges[i],
        max: edges[i + 1],
        value: null,
      }));
      for (const [run, v] of numbers) bucketOf.set(run, bucketIndex(v, edges));
    }
  }
  const colors = new Map<string, string>();
  const missing: string[] = [];
  for (const run of values.keys()) {
    const b = bucketOf.get(run) ?? null;
    if (b === null) {
      bucketOf.set(run, null);
      colors.set(run, MISSING_COLOR);
      missing.push(run);
    } else {
      colors.set(run, legend[b].color);
      legend[b].runs.push(run);
    }
  }
  return { kind, buckets: legend, colors, bucketOf, missing };
}
