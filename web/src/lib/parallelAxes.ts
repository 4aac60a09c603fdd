// Parallel coordinates (issue 17): one vertical axis per config key (and the metric
// last), a run is a line through its values. An axis is numeric (linear, or log when
// its positive values span 10x or more) or categorical (text and booleans, in sorted
// order). A brush on an axis is a range of it; brushes compile to an API filter (the
// runs table shows what `Api().runs(filters=…)` would return for them).
import type { JsonValue, Run } from "../api/types";
import { flattenCached } from "./flatten";
import type { MongoFilter } from "./mongoFilter";

export interface Axis {
  /** `config.<key>` or `summary.<key>` */
  field: string;
  label: string;
  kind: "linear" | "log" | "category";
  min: number;
  max: number;
  /** Categorical axes: the values, bottom to top. */
  categories: JsonValue[];
}

/** A brushed range of an axis, as fractions of its height (0 bottom, 1 top). */
export type Brush = [number, number];

export function fieldValue(run: Run, field: string): JsonValue | undefined {
  if (field.startsWith("config.")) return flattenCached(run.config)[field.slice(7)];
  if (field.startsWith("summary.")) return flattenCached(run.summary)[field.slice(8)];
  return undefined;
}

function categoryKey(value: JsonValue): string {
  return JSON.stringify(value);
}

export function buildAxis(field: string, runs: readonly Run[]): Axis | null {
  const values = runs.map((r) => fieldValue(r, field)).filter((v): v is JsonValue => v !== undefined && v !== null);
  if (values.length === 0) return null;
  const label = field.replace(/^(config|summary)\./, "");
  if (values.every((v) => typeof v === "number" && Number.isFinite(v))) {
    const numbers = values as number[];
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    const kind = min > 0 && max / min >= 10 ? "log" : "linear";
    return { field, label, kind, min, max, categories: [] };
  }
  const seen = new Map<string, JsonValue>();
  for (const v of values) if (typeof v !== "object") seen.set(categoryKey(v), v);
  const categories = [...seen.values()].sort((a, b) =>
    typeof a === typeof b ? String(a).localeCompare(String(b), undefined, { numeric: true }) : typeof a < typeof b ? -1 : 1,
  );
  if (categories.length === 0) return null;
  return { field, label, kind: "category", min: 0, max: Math.max(0, categories.length - 1), categories };
}

/** Config keys that vary across the runs (the default axes), in key order. */
export function varyingConfigKeys(runs: readonly Run[], limit = 8): string[] {
  const seen = new Map<string, Set<string>>();
  for (const run of runs) {
    for (const [key, value] of Object.entries(flattenCached(run.config))) {
      if (key.startsWith("_") || key.includes("._")) continue;
      if (!seen.has(key)) seen.set(key, new Set());
      (seen.get(key) as Set<string>).add(JSON.stringify(value));
    }
  }
  return [...seen.entries()]
    .filter(([, values]) => values.size > 1)
    .map(([key]) => `config.${key}`)
    .sort()
    .slice(0, limit);
}

/** Where a value sits on the axis: 0 (bottom) to 1 (top), null when it has none. */
export function position(axis: Axis, value: JsonValue | undefined): number | null {
  if (value === undefined || value === null) return null;
  if (axis.kind === "category") {
    const index = axis.categories.findIndex((c) => categoryKey(c) === categoryKey(value));
    if (index < 0) return null;
    return axis.categories.length === 1 ? 0.5 : index / (axis.categories.length - 1);
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  if (axis.max === axis.min) return 0.5;
  if (axis.kind === "log") return (Math.log(value) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min));
  return (value - axis.min) / (axis.max - axis.min);
}

/** The value at a fraction of a numeric axis. */
export function valueAt(axis: Axis, fraction: number): number {
  if (axis.max === axis.min) return axis.min;
  if (axis.kind === "log") return Math.exp(Math.log(axis.min) + fraction * (Math.log(axis.max) - Math.log(axis.min)));
  return axis.min + fraction * (axis.max - axis.min);
}

function apiField(field: string): string {
  return field.startsWith("summary.") ? `summary_metrics.${field.slice(8)}` : field;
}

const EPS = 1e-9;

/** One axis's brush as an API filter (null when no value of the axis lies in it). */
export function brushFilter(axis: Axis, brush: Brush): MongoFilter | null {
  const lo = Math.min(...brush);
  const hi = Math.max(...brush);
  if (axis.kind === "category") {
    const inside = axis.categories.filter((c) => {
      const p = position(axis, c) as number;
      return p >= lo - EPS && p <= hi + EPS;
    });
    return { [apiField(axis.field)]: { $in: inside } };
  }
  if (axis.max === axis.min) return lo <= 0.5 && hi >= 0.5 ? { [apiField(axis.field)]: { $eq: axis.min } } : { [apiField(axis.field)]: { $in: [] } };
  // widened by a hair so a value exactly on the brush's edge (rounded through log/exp) is in
  const span = Math.abs(axis.max - axis.min) * EPS;
  return { [apiField(axis.field)]: { $gte: valueAt(axis, lo) - span, $lte: valueAt(axis, hi) + span } };
}

/** Every brush as one API filter (ANDed), or null without brushes. */
export function brushesFilter(axes: readonly Axis[], brushes: Record<string, Brush>): MongoFilter | null {
  const parts = axes.filter((a) => brushes[a.field]).map((a) => brushFilter(a, brushes[a.field])).filter((f): f is MongoFilter => f !== null);
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0] : { $and: parts };
}
