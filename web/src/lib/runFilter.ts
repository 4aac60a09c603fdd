// The runs table's filter: a name search, a state, and a text box that takes
// either a comparison (`lr > 0.01`, `summary.loss.min <= 0.2`, `state = running`,
// `optimizer ~ ad`), comparisons joined by `and` / `or` (`and` binds tighter), or plain
// text matched against name, tags, group, job type and notes.
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

/** Comparisons joined by `or` of `and`s: `[[a, b], [c]]` is `(a and b) or c`. */
export type Expression = Comparison[][];

export type ParsedFilter =
  | { kind: "empty" }
  | { kind: "text"; needle: string }
  | { kind: "expression"; expression: Expression }
  | { kind: "error"; message: string };

/** Splits on `and` / `or` (also `&&`, `||`) outside quotes, keeping the connectives. */
function splitConnectives(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quote = "";
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = "";
      current += ch;
      i += 1;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
      i += 1;
      continue;
    }
    const match = /^\s+(and|or)\s+|^\s*(&&|\|\|)\s*/i.exec(text.slice(i));
    if (match) {
      parts.push(current, (match[1] ?? match[2]).toLowerCase() === "and" || match[2] === "&&" ? "and" : "or");
      current = "";
      i += match[0].length;
      continue;
    }
    current += ch;
    i += 1;
  }
  parts.push(current);
  return parts;
}

/**
 * Parses the filter box. A single comparison or compound of comparisons becomes an
 * expression; text with no comparison in it is a plain search; a compound where some
 * part is not a comparison is an error naming that part (it used to be read as one
 * comparison whose value was the rest of the line, silently matching the wrong runs).
 */
export function parseFilterText(text: string): ParsedFilter {
  const trimmed = text.trim();
  if (!trimmed) return { kind: "empty" };
  const parts = splitConnectives(trimmed);
  const operands = parts.filter((_, index) => index % 2 === 0);
  const parsed = operands.map((operand) => parseComparison(operand));
  if (parsed.every((comparison) => comparison === null)) return { kind: "text", needle: trimmed.toLowerCase() };
  const bad = operands.find((_, index) => parsed[index] === null);
  if (bad !== undefined) {
    return { kind: "error", message: `cannot parse ${JSON.stringify(bad.trim())} as a comparison (key op value) in ${JSON.stringify(trimmed)}` };
  }
  const expression: Expression = [[parsed[0] as Comparison]];
  for (let index = 1; index < parts.length; index += 2) {
    const comparison = parsed[(index + 1) / 2] as Comparison;
    if (parts[index] === "and") expression[expression.length - 1].push(comparison);
    else expression.push([comparison]);
  }
  return { kind: "expression", expression };
}

/** The filter box's error, or null when it parses (the UI shows this instead of silently guessing). */
export function filterTextError(text: string): string | null {
  const parsed = parseFilterText(text);
  return parsed.kind === "error" ? parsed.message : null;
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
  const parsed = parseFilterText(filter.text);
  // An unparseable compound matches nothing (filterTextError says why) rather than the wrong runs.
  if (parsed.kind === "error") return [];
  return runs.filter((run) => {
    if (search && !runDisplayName(run).toLowerCase().includes(search)) return false;
    if (filter.state && run.state !== filter.state) return false;
    if (parsed.kind === "empty") return true;
    if (parsed.kind === "expression") {
      return parsed.expression.some((all) => all.every((c) => matches(lookup(run, c.path), c.op, c.value)));
    }
    const haystack = [runDisplayName(run), run.id, run.group, run.job_type, run.notes, ...run.tags];
    return haystack.some((part) => part && part.toLowerCase().includes(parsed.needle));
  });
}

export function isFilterActive(filter: RunFilter): boolean {
  return Boolean(filter.search.trim() || filter.state || filter.text.trim());
}
