// The runs table's filter: a name search, a state, and a text box that takes
// either a comparison (`lr > 0.01`, `summary.loss.min <= 0.2`, `state = running`,
// `optimizer ~ ad`) or plain text matched against name, tags, group, job type and notes.
import type { JsonValue, Run } from "../api/types";
import { columnValue, runDisplayName } from "./columns";
import { flattenCached } from "./flatten";

export interface RunFilter {
  search: string;
  state: string; // "" = any
  text: string;
}

export const EMPTY_FILTER: RunFilter = { search: "", state: "", text: "" };

type Op = "=" | "!=" | ">" | ">=" | "<" | "<=" | "~";

export interface Comparison {
  path: string;
  op: Op;
  value: string;
}

const COMPARISON = /^\s*([^\s=!<>~]+)\s*(!=|>=|<=|=|>|<|~)\s*(.*?)\s*$/;

export function parseComparison(text: string): Comparison | null {
  const match = COMPARISON.exec(text);
  if (!match || match[3] === "") return null;
  return { path: match[1], op: match[2] as Op, value: match[3].replace(/^["']|["']$/g, "") };
}

/** A path in a comparison: `config.x`, `summary.x`, a run field, or a bare key (summary, then config). */
export function lookup(run: Run, path: string): JsonValue | undefined {
  if (path.startsWith("config.")) return flattenCached(run.config)[path.slice(7)];
  if (path.startsWith("summary.")) return flattenCached(run.summary)[path.slice(8)];
  if (path === "name") return runDisplayName(run);
  const field = columnValue(run, `run:${path}`);
  if (field !== undefined && ["state", "id", "group", "job_type", "host", "notes", "runtime", "last_step", "created_at", "tags"].includes(path)) {
    return field;
  }
  const summary = flattenCached(run.summary)[path];
  return summary !== undefined ? summary : flattenCached(run.config)[path];
}

function matches(value: JsonValue | undefined, op: Op, wanted: string): boolean {
  if (value === undefined || value === null) return op === "!=";
  if (Array.isArray(value)) return value.some((item) => matches(item, op, wanted));
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (op === "~") return text.toLowerCase().includes(wanted.toLowerCase());
  const number = Number(wanted);
  const numeric = typeof value === "number" && wanted.trim() !== "" && !Number.isNaN(number);
  const cmp = numeric ? (value as number) - number : text.localeCompare(wanted, undefined, { numeric: true });
  switch (op) {
    case "=":
      return numeric ? cmp === 0 : text === wanted;
    case "!=":
      return numeric ? cmp !== 0 : text !== wanted;
    case ">":
      return cmp > 0;
    case ">=":
      return cmp >= 0;
    case "<":
      return cmp < 0;
    case "<=":
      return cmp <= 0;
  }
}

export function filterRuns(runs: readonly Run[], filter: RunFilter): Run[] {
  const search = filter.search.trim().toLowerCase();
  const text = filter.text.trim();
  const comparison = text ? parseComparison(text) : null;
  const needle = text.toLowerCase();
  return runs.filter((run) => {
    if (search && !runDisplayName(run).toLowerCase().includes(search)) return false;
    if (filter.state && run.state !== filter.state) return false;
    if (!text) return true;
    if (comparison) return matches(lookup(run, comparison.path), comparison.op, comparison.value);
    const haystack = [runDisplayName(run), run.id, run.group, run.job_type, run.notes, ...run.tags];
    return haystack.some((part) => part && part.toLowerCase().includes(needle));
  });
}

export function isFilterActive(filter: RunFilter): boolean {
  return Boolean(filter.search.trim() || filter.state || filter.text.trim());
}
