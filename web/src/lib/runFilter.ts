// The runs table's filter: a name search, a state, and a text box that takes
// either a comparison (`lr > 0.01`, `summary.loss.min <= 0.2`, `state = running`,
// `optimizer ~ ad`), comparisons joined by `and` / `or` (`and` binds tighter), or plain
// text matched against name, tags, group, job type and notes.
//
// Comparisons compile to the MongoDB-like filter `runyard.Api().runs(filters=…)` takes
// (compileExpression) and are evaluated with its semantics (lib/mongoFilter), so the
// table shows the runs the API returns for the same filter. Values are typed as in
// Python: `0.01` is a number, `true`/`false` booleans, `null` null, anything else (or
// anything quoted) a string; `~` is a case-insensitive substring ($regex).
import type { JsonValue, Run } from "../api/types";
import { columnValue, runDisplayName } from "./columns";
import { flattenCached } from "./flatten";
import { type MongoFilter, isTimeField, matchesFilter } from "./mongoFilter";

export interface RunFilter {
  search: string;
  state: string; // "" = any
  text: string;
}

export const EMPTY_FILTER: RunFilter = { search: "", state: "", text: "" };

export type Op = "=" | "!=" | ">" | ">=" | "<" | "<=" | "~";

export interface Comparison {
  path: string;
  op: Op;
  value: string;
  /** The value was quoted: text, even when it looks like a number. */
  quoted?: boolean;
}

const COMPARISON = /^\s*([^\s=!<>~]+)\s*(!=|>=|<=|=|>|<|~)\s*(.*?)\s*$/;

export function parseComparison(text: string): Comparison | null {
  const match = COMPARISON.exec(text);
  if (!match || match[3] === "") return null;
  const raw = match[3];
  const quoted = /^(["']).*\1$/.test(raw);
  const comparison: Comparison = { path: match[1], op: match[2] as Op, value: quoted ? raw.slice(1, -1) : raw };
  if (quoted) comparison.quoted = true;
  return comparison;
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

/** Config and summary keys the runs have (flattened, dotted), for resolving bare keys. */
export interface KnownKeys {
  config: Set<string>;
  summary: Set<string>;
}

export function knownKeys(runs: readonly Run[]): KnownKeys {
  const config = new Set<string>();
  const summary = new Set<string>();
  for (const run of runs) {
    for (const key of Object.keys(flattenCached(run.config))) config.add(key);
    for (const key of Object.keys(flattenCached(run.summary))) summary.add(key);
  }
  return { config, summary };
}

function hasKey(keys: Set<string>, key: string): boolean {
  if (keys.has(key)) return true;
  for (const k of keys) if (k.startsWith(`${key}.`)) return true;
  return false;
}

/** Run fields as the filter box names them → the API's filter field. */
const RUN_FIELDS: Record<string, string> = {
  state: "state",
  name: "display_name",
  display_name: "display_name",
  id: "name",
  group: "group",
  job_type: "job_type",
  host: "host",
  created_at: "created_at",
  heartbeat_at: "heartbeat_at",
  updated_at: "updated_at",
  runtime: "runtime",
  last_step: "last_step",
  tags: "tags",
  tag: "tags",
};

/** The API filter field a comparison's path names, or an Error saying why not. */
export function filterField(path: string, keys: KnownKeys): string | Error {
  if (path in RUN_FIELDS) return RUN_FIELDS[path];
  if (path === "notes") return new Error("notes cannot be filtered: runyard.Api().runs(filters=…) has no notes field (search the text instead)");
  for (const [prefix, field, set] of [
    ["config.", "config.", keys.config],
    ["summary.", "summary_metrics.", keys.summary],
    ["summary_metrics.", "summary_metrics.", keys.summary],
  ] as const) {
    if (path.startsWith(prefix)) {
      const key = path.slice(prefix.length);
      if (!hasKey(set, key)) return new Error(`unknown ${prefix.slice(0, -1)} key ${JSON.stringify(key)}: no run has it`);
      return field + key;
    }
  }
  if (hasKey(keys.summary, path)) return `summary_metrics.${path}`;
  if (hasKey(keys.config, path)) return `config.${path}`;
  return new Error(`unknown key ${JSON.stringify(path)}: not a run field, nor a config or summary key of any run`);
}

/** A typed value: numbers, true/false and null as Python reads them; quoted text stays text. */
export function typedValue(text: string, quoted: boolean): JsonValue {
  if (quoted) return text;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  if (text === "true" || text === "false") return text === "true";
  if (text === "null" || text === "None") return null;
  return text;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

const MONGO_OPS: Record<Op, string> = { "=": "$eq", "!=": "$ne", ">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte", "~": "$regex" };

/** One comparison as an API filter, or an Error naming what is wrong. */
export function compileComparison(c: Comparison, keys: KnownKeys): MongoFilter | Error {
  const field = filterField(c.path, keys);
  if (field instanceof Error) return field;
  const value = typedValue(c.value, c.quoted ?? false);
  if (c.op === "~") return { [field]: { $regex: `(?i)${escapeRegex(c.value)}` } };
  if (c.op !== "=" && c.op !== "!=" && typeof value !== "number" && typeof value !== "string") {
    return new Error(`${c.op} compares numbers, text or dates, not ${JSON.stringify(c.value)} (in ${c.path} ${c.op} ${c.value})`);
  }
  if (isTimeField(field) && typeof value === "string" && Number.isNaN(Date.parse(value))) {
    return new Error(`${field} takes a date such as 2024-05-01 or 2024-05-01T12:00:00Z, not ${JSON.stringify(c.value)}`);
  }
  return { [field]: { [MONGO_OPS[c.op]]: value } };
}

/** An expression as one API filter: `{"$or": [{"$and": [...]}, ...]}` without needless nesting. */
export function compileExpression(expression: Expression, keys: KnownKeys): MongoFilter | Error {
  const ors: MongoFilter[] = [];
  for (const all of expression) {
    const ands: MongoFilter[] = [];
    for (const comparison of all) {
      const compiled = compileComparison(comparison, keys);
      if (compiled instanceof Error) return compiled;
      ands.push(compiled);
    }
    ors.push(ands.length === 1 ? ands[0] : { $and: ands });
  }
  return ors.length === 1 ? ors[0] : { $or: ors };
}

export type CompiledFilter =
  | { kind: "empty" }
  | { kind: "text"; needle: string }
  | { kind: "filter"; filter: MongoFilter }
  | { kind: "error"; message: string };

/** The filter box as the API filter it means (or plain text, or the reason it has none). */
export function compileFilterText(text: string, keys: KnownKeys | (() => KnownKeys)): CompiledFilter {
  const parsed = parseFilterText(text);
  if (parsed.kind !== "expression") return parsed;
  // the keys only when needed: collecting them walks every run's config and summary
  const compiled = compileExpression(parsed.expression, typeof keys === "function" ? keys() : keys);
  return compiled instanceof Error ? { kind: "error", message: compiled.message } : { kind: "filter", filter: compiled };
}

/** The filter box's error (parse error or unknown key), or null. */
export function filterError(text: string, runs: readonly Run[]): string | null {
  const compiled = compileFilterText(text, () => knownKeys(runs));
  return compiled.kind === "error" ? compiled.message : null;
}

/** Runs matching an API filter as well as the name search and state. */
export function filterRuns(runs: readonly Run[], filter: RunFilter, extra?: MongoFilter | null): Run[] {
  const search = filter.search.trim().toLowerCase();
  const compiled = compileFilterText(filter.text, () => knownKeys(runs));
  // An unparseable compound matches nothing (filterError says why) rather than the wrong runs.
  if (compiled.kind === "error") return [];
  return runs.filter((run) => {
    if (search && !runDisplayName(run).toLowerCase().includes(search)) return false;
    if (filter.state && run.state !== filter.state) return false;
    if (extra && !matchesFilter(run, extra)) return false;
    if (compiled.kind === "empty") return true;
    if (compiled.kind === "filter") return matchesFilter(run, compiled.filter);
    const haystack = [runDisplayName(run), run.id, run.group, run.job_type, run.notes, ...run.tags];
    return haystack.some((part) => part && part.toLowerCase().includes(compiled.needle));
  });
}

export function isFilterActive(filter: RunFilter): boolean {
  return Boolean(filter.search.trim() || filter.state || filter.text.trim());
}
