// The runs table's columns: run fields, config keys and summary keys (flattened,
// so `loss.min` is a column). Column ids carry their source — `run:state`,
// `config:lr`, `summary:loss.min` — so a config key and a summary key of the
// same name stay apart.
import type { JsonValue, Run } from "../api/types";
import { flattenCached, isUserKey } from "./flatten";

export type ColumnSource = "run" | "config" | "summary";

export interface ColumnDef {
  id: string;
  source: ColumnSource;
  path: string;
  label: string;
}

const RUN_FIELDS: Record<string, string> = {
  state: "State",
  created_at: "Created",
  runtime: "Runtime",
  last_step: "Step",
  tags: "Tags",
  group: "Group",
  job_type: "Job type",
  host: "Host",
  notes: "Notes",
  id: "ID",
};

export const NAME_COLUMN = "run:name";

export function columnId(source: ColumnSource, path: string): string {
  return `${source}:${path}`;
}

export function parseColumnId(id: string): { source: ColumnSource; path: string } | null {
  const colon = id.indexOf(":");
  const source = id.slice(0, colon);
  if (colon < 0 || (source !== "run" && source !== "config" && source !== "summary")) return null;
  return { source, path: id.slice(colon + 1) };
}

export function runDisplayName(run: Run): string {
  return run.name || run.id;
}

export function columnValue(run: Run, id: string): JsonValue | undefined {
  const parsed = parseColumnId(id);
  if (!parsed) return undefined;
  if (parsed.source === "config") return flattenCached(run.config)[parsed.path];
  if (parsed.source === "summary") return flattenCached(run.summary)[parsed.path];
  if (parsed.path === "name") return runDisplayName(run);
  const value = (run as unknown as Record<string, JsonValue | undefined>)[parsed.path];
  return value;
}

export function describeColumn(id: string): ColumnDef {
  const parsed = parseColumnId(id) ?? { source: "run" as const, path: id };
  const label = parsed.source === "run" ? (RUN_FIELDS[parsed.path] ?? (parsed.path === "name" ? "Name" : parsed.path)) : parsed.path;
  return { id, source: parsed.source, path: parsed.path, label };
}

/** Every column the runs can fill: run fields, then config keys, then summary keys. */
export function columnCatalog(runs: readonly Run[]): ColumnDef[] {
  const config = new Set<string>();
  const summary = new Set<string>();
  for (const run of runs) {
    for (const path of Object.keys(flattenCached(run.config))) if (isUserKey(path)) config.add(path);
    for (const path of Object.keys(flattenCached(run.summary))) if (isUserKey(path)) summary.add(path);
  }
  const sorted = (names: Set<string>) => [...names].sort((a, b) => a.localeCompare(b));
  return [
    ...Object.keys(RUN_FIELDS).map((path) => describeColumn(columnId("run", path))),
    ...sorted(config).map((path) => describeColumn(columnId("config", path))),
    ...sorted(summary).map((path) => describeColumn(columnId("summary", path))),
  ];
}

function rank(value: JsonValue | undefined): number {
  if (value === undefined || value === null) return 3;
  if (typeof value === "number" || typeof value === "boolean") return 0;
  if (typeof value === "string") return 1;
  return 2;
}

/** Sort order for a column: numbers, then text, then everything else; blanks last. */
export function compareValues(a: JsonValue | undefined, b: JsonValue | undefined): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) {
    const na = Number(a);
    const nb = Number(b);
    if (Number.isNaN(na) || Number.isNaN(nb)) return Number.isNaN(na) ? (Number.isNaN(nb) ? 0 : 1) : -1;
    return na - nb;
  }
  if (ra === 1) return (a as string).localeCompare(b as string, undefined, { numeric: true });
  if (ra === 2) return JSON.stringify(a).localeCompare(JSON.stringify(b));
  return 0;
}

/** Runs ordered by the sort columns (first wins ties to the next); blanks last either way. */
export function sortRuns(runs: readonly Run[], sort: readonly { id: string; desc: boolean }[]): Run[] {
  if (sort.length === 0) return runs.slice();
  const keyed = runs.map((run) => ({ run, values: sort.map((s) => columnValue(run, s.id)) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < sort.length; i++) {
      const va = a.values[i];
      const vb = b.values[i];
      const blankA = va === undefined || va === null;
      const blankB = vb === undefined || vb === null;
      if (blankA || blankB) {
        if (blankA !== blankB) return blankA ? 1 : -1;
        continue;
      }
      const cmp = compareValues(va, vb);
      if (cmp !== 0) return sort[i].desc ? -cmp : cmp;
    }
    return 0;
  });
  return keyed.map((k) => k.run);
}

/** At most this many define_metric summaries are pinned by default. */
export const MAX_DEFAULT_PINS = 6;

/**
 * The summaries `define_metric(..., summary=...)` asked for (`loss.min`, `acc.max`),
 * as summary column ids in the order the runs define them: the columns a workspace
 * pins until its columns are chosen. Hidden and glob metrics are left out, and so is
 * a summary no run has a value for.
 */
export function metricSummaryColumns(runs: readonly Run[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    const flat = flattenCached(run.summary);
    for (const metric of run.metrics ?? []) {
      const name = metric.name;
      if (!name || metric.hidden || name.includes("*") || !isUserKey(name)) continue;
      for (const agg of metric.summary ?? []) {
        const path = `${name}.${agg}`;
        const id = columnId("summary", path);
        if (seen.has(id) || !(path in flat)) continue;
        seen.add(id);
        out.push(id);
        if (out.length >= MAX_DEFAULT_PINS) return out;
      }
    }
  }
  return out;
}

export interface ColumnChoice {
  columns: string[];
  pinned: string[];
}

/**
 * The columns to show: the saved choice, or — while it is the untouched default
 * (`defaults`, nothing pinned) — the define_metric summaries pinned in front of it.
 * The first change to the table's columns starts from this, so the pins are kept.
 */
export function withMetricPins<T extends ColumnChoice>(settings: T, runs: readonly Run[], defaults: readonly string[]): T {
  const untouched = settings.pinned.length === 0 && settings.columns.length === defaults.length && settings.columns.every((c, i) => c === defaults[i]);
  if (!untouched) return settings;
  const pins = metricSummaryColumns(runs);
  if (pins.length === 0) return settings;
  return { ...settings, columns: [...pins, ...settings.columns.filter((c) => !pins.includes(c))], pinned: pins };
}
