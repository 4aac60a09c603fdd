// The run comparer's rows and the baseline's deltas (issue 17): selected runs side by
// side, section by section (config, summary, metadata), each key one row with the
// runs' values, marked when they differ; and a summary value as a delta to a baseline.
import type { JsonObject, JsonValue, Run } from "../api/types";
import { flatten, isUserKey } from "./flatten";

export type CompareSection = "config" | "summary" | "metadata";
export const COMPARE_SECTIONS: readonly CompareSection[] = ["config", "summary", "metadata"];

export interface CompareRow {
  section: CompareSection;
  key: string;
  /** One value per run, in the runs' order (undefined: the run lacks the key). */
  values: (JsonValue | undefined)[];
  differs: boolean;
}

function canonical(value: JsonValue | undefined): string {
  if (value === undefined) return "\u0000missing";
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Whether the values are not all the same (a key only some runs have differs). */
export function valuesDiffer(values: readonly (JsonValue | undefined)[]): boolean {
  if (values.length < 2) return false;
  const first = canonical(values[0]);
  return values.some((v) => canonical(v) !== first);
}

function sectionDoc(run: Run, section: CompareSection): JsonObject {
  if (section === "config") return run.config;
  if (section === "summary") return run.summary;
  return run.metadata ?? {};
}

/** The comparer's rows: every user key of the runs, sorted per section; only the
 * differing ones with `onlyDifferences`. */
export function compareRows(runs: readonly Run[], onlyDifferences = false): CompareRow[] {
  const rows: CompareRow[] = [];
  for (const section of COMPARE_SECTIONS) {
    const flats = runs.map((run) => flatten(sectionDoc(run, section)));
    const keys = new Set<string>();
    for (const flat of flats) for (const key of Object.keys(flat)) if (isUserKey(key)) keys.add(key);
    for (const key of [...keys].sort((a, b) => a.localeCompare(b))) {
      const values = flats.map((flat) => flat[key]);
      const differs = valuesDiffer(values);
      if (!onlyDifferences || differs) rows.push({ section, key, values, differs });
    }
  }
  return rows;
}

/** `value - base` when both are finite numbers, else null. */
export function delta(value: JsonValue | undefined, base: JsonValue | undefined): number | null {
  if (typeof value !== "number" || typeof base !== "number" || !Number.isFinite(value) || !Number.isFinite(base)) return null;
  return value - base;
}

/** A delta as the table shows it: signed, 4 significant digits (`+0.1234`, `−2`, `±0`). */
export function formatDelta(d: number): string {
  if (d === 0) return "±0";
  const text = Math.abs(d) >= 1e5 || Math.abs(d) < 1e-4 ? Math.abs(d).toExponential(2) : String(Number(Math.abs(d).toPrecision(4)));
  return `${d > 0 ? "+" : "−"}${text}`;
}
