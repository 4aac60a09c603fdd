// Runs filters in the MongoDB-like form `runyard.Api().runs(filters=…)` and
// GET /runs?filters= take, evaluated in the browser with the server's semantics
// (src/runyard/store/sql/filters.py): values of different types never match (a number
// never equals a string), a missing value and null are the same, `$ne`/`$nin` match
// runs where the field is missing, `$gt`… compare numbers with numbers and strings
// with strings, `tags` is tested tag by tag, `config.<key>` / `summary_metrics.<key>`
// look a dotted key up literally first, then as a nested path.
import type { JsonValue, Run } from "../api/types";

export type MongoFilter = { [key: string]: JsonValue };

/** Run columns the server filters on, with the run field each reads. */
const COLUMNS: Record<string, { kind: "text" | "number" | "time"; read: (run: Run) => JsonValue | undefined }> = {
  state: { kind: "text", read: (r) => r.state },
  name: { kind: "text", read: (r) => r.id },
  display_name: { kind: "text", read: (r) => r.name },
  group: { kind: "text", read: (r) => r.group },
  job_type: { kind: "text", read: (r) => r.job_type },
  host: { kind: "text", read: (r) => r.host },
  created_at: { kind: "time", read: (r) => r.created_at },
  heartbeat_at: { kind: "time", read: (r) => r.heartbeat_at },
  updated_at: { kind: "time", read: (r) => r.updated_at },
  runtime: { kind: "number", read: (r) => r.runtime },
  last_step: { kind: "number", read: (r) => r.last_step },
};
const ALIASES: Record<string, string> = {
  id: "name",
  displayName: "display_name",
  jobType: "job_type",
  createdAt: "created_at",
  heartbeatAt: "heartbeat_at",
  updatedAt: "updated_at",
  duration: "runtime",
};

/** The run columns a filter may name (besides tags, config.* and summary_metrics.*). */
export const FILTER_COLUMNS = Object.keys(COLUMNS);

export function isTimeField(field: string): boolean {
  return COLUMNS[ALIASES[field] ?? field]?.kind === "time";
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A dotted key inside a document: literal first (wandb keeps "a.b" flat), then nested. */
function documentValue(doc: JsonValue | undefined, key: string): JsonValue | undefined {
  if (!isObject(doc)) return undefined;
  if (key in doc) return doc[key];
  let node: JsonValue | undefined = doc;
  for (const part of key.split(".")) {
    if (!isObject(node) || !(part in node)) return undefined;
    node = node[part];
  }
  return node;
}

function configValue(run: Run, key: string): JsonValue | undefined {
  const found = documentValue(run.config, key);
  if (found !== undefined || !key.endsWith(".value")) return found;
  // wandb writes config filters as config.<key>.value
  const bare = documentValue(run.config, key.slice(0, -".value".length));
  return isObject(bare) && "value" in bare ? undefined : bare;
}

type Kind = "null" | "bool" | "number" | "text" | "json";

function kindOf(value: JsonValue | undefined): Kind {
  if (value === undefined || value === null) return "null";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return "number";
  if (typeof value === "string") return "text";
  if (isObject(value) && typeof value.$float === "string") return "number"; // stored NaN / inf
  return "json";
}

function numberOf(value: JsonValue | undefined): number {
  if (isObject(value) && typeof value.$float === "string") {
    return value.$float === "NaN" ? Number.NaN : value.$float.startsWith("-") ? -Infinity : Infinity;
  }
  return value as number;
}

/** Unix seconds from a number or an ISO-8601 string (naive is UTC), as the server reads them. */
export function unixTime(value: JsonValue): number | null {
  if (typeof value === "number") return value;
  if (typeof value !== "string") return null;
  let text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) text += "T00:00:00";
  if (/T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text += "Z";
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms / 1000;
}

function canonical(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  return JSON.stringify(value);
}

function equal(stored: JsonValue | undefined, wanted: JsonValue, time: boolean): boolean {
  const ks = kindOf(stored);
  if (wanted === null) return ks === "null";
  if (time && ks === "number") {
    const t = unixTime(wanted);
    return t !== null && numberOf(stored) === t;
  }
  const kw = kindOf(wanted);
  if (ks !== kw) return false;
  if (ks === "number") {
    const a = numberOf(stored);
    const b = numberOf(wanted);
    return a === b || (Number.isNaN(a) && Number.isNaN(b));
  }
  if (ks === "json") return canonical(stored as JsonValue) === canonical(wanted);
  return stored === wanted;
}

function compare(stored: JsonValue | undefined, op: string, wanted: JsonValue, time: boolean): boolean {
  let a: number | string;
  let b: number | string;
  if (time) {
    const t = unixTime(wanted);
    if (t === null || typeof stored !== "number") return false;
    [a, b] = [stored, t];
  } else if (typeof stored === "number" && typeof wanted === "number") {
    if (!Number.isFinite(stored)) return false;
    [a, b] = [stored, wanted];
  } else if (typeof stored === "string" && typeof wanted === "string") {
    // SQLite compares strings byte-wise: code points, not UTF-16 units or locale.
    const x = [...stored].map((c) => c.codePointAt(0) as number);
    const y = [...wanted].map((c) => c.codePointAt(0) as number);
    let cmp = 0;
    for (let i = 0; i < Math.min(x.length, y.length) && cmp === 0; i++) cmp = x[i] - y[i];
    if (cmp === 0) cmp = x.length - y.length;
    [a, b] = [cmp, 0];
  } else {
    return false;
  }
  switch (op) {
    case "$gt":
      return a > b;
    case "$gte":
      return a >= b;
    case "$lt":
      return a < b;
    default:
      return a <= b;
  }
}

/** A server-side (Python/RE2) pattern as a JS RegExp: a leading `(?i)` becomes the i flag. */
export function patternRegExp(pattern: string): RegExp {
  const insensitive = pattern.startsWith("(?i)");
  return new RegExp(insensitive ? pattern.slice(4) : pattern, insensitive ? "i" : "");
}

interface Target {
  equalsAny(values: JsonValue[]): boolean;
  compare(op: string, value: JsonValue): boolean;
  regex(pattern: RegExp): boolean;
  exists(): boolean;
}

function valueTarget(value: JsonValue | undefined, time = false): Target {
  return {
    equalsAny: (values) => values.some((v) => equal(value, v, time)),
    compare: (op, wanted) => compare(value, op, wanted, time),
    regex: (pattern) => typeof value === "string" && pattern.test(value),
    exists: () => kindOf(value) !== "null",
  };
}

function tagsTarget(tags: readonly string[]): Target {
  const exactly = (wanted: JsonValue[]) =>
    wanted.every((t) => typeof t === "string") && tags.every((t) => wanted.includes(t)) && wanted.every((t) => tags.includes(t as string));
  return {
    equalsAny: (values) =>
      values.some((v) => (v === null ? tags.length === 0 : typeof v === "string" ? tags.includes(v) : Array.isArray(v) ? exactly(v) : false)),
    compare: (op, wanted) => typeof wanted === "string" && tags.some((t) => compare(t, op, wanted, false)),
    regex: (pattern) => tags.some((t) => pattern.test(t)),
    exists: () => tags.length > 0,
  };
}

/** The target a filter field names, or an Error naming an unknown field. */
function target(run: Run, field: string): Target | Error {
  if (field === "tags") return tagsTarget(run.tags ?? []);
  const column = COLUMNS[ALIASES[field] ?? field];
  if (column) return valueTarget(column.read(run), column.kind === "time");
  const dot = field.indexOf(".");
  const prefix = field.slice(0, dot);
  const key = field.slice(dot + 1);
  if (dot > 0 && key && prefix === "config") return valueTarget(configValue(run, key));
  if (dot > 0 && key && prefix === "summary_metrics") return valueTarget(documentValue(run.summary, key));
  return new Error(`unknown filter field ${JSON.stringify(field)}; expected ${[...FILTER_COLUMNS, "tags", "config.<key>", "summary_metrics.<key>"].join(", ")}`);
}

const OPERATORS = new Set(["$eq", "$ne", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$exists", "$regex", "$not"]);

function operators(t: Target, spec: { [key: string]: JsonValue }): boolean {
  return Object.entries(spec).every(([op, arg]) => {
    switch (op) {
      case "$eq":
        return t.equalsAny([arg]);
      case "$ne":
        return !t.equalsAny([arg]);
      case "$in":
        return t.equalsAny(arg as JsonValue[]);
      case "$nin":
        return !t.equalsAny(arg as JsonValue[]);
      case "$exists":
        return t.exists() === arg;
      case "$regex":
        return t.regex(patternRegExp(arg as string));
      case "$not":
        return !operators(t, arg as { [key: string]: JsonValue });
      default:
        return t.compare(op, arg);
    }
  });
}

/** Why `filter` is not one the server takes (the first problem), or null. */
export function filterProblem(filter: JsonValue): string | null {
  if (!isObject(filter)) return `a filter must be an object, got ${JSON.stringify(filter)}`;
  for (const [key, spec] of Object.entries(filter)) {
    if (key === "$and" || key === "$or" || key === "$nor") {
      if (!Array.isArray(spec) || spec.length === 0) return `${key} expects a non-empty list of filters`;
      for (const sub of spec) {
        const problem = filterProblem(sub);
        if (problem) return problem;
      }
      continue;
    }
    if (key.startsWith("$")) return `unknown filter operator ${JSON.stringify(key)}`;
    const probe = target({ id: "", name: null, state: "", created_at: 0, updated_at: 0, heartbeat_at: null, runtime: null, last_step: null, tags: [], group: null, job_type: null, notes: null, host: null, color: null, config: {}, summary: {} }, key);
    if (probe instanceof Error) return probe.message;
    if (isObject(spec) && Object.keys(spec).some((k) => k.startsWith("$"))) {
      for (const [op, arg] of Object.entries(spec)) {
        if (!OPERATORS.has(op)) return `unknown filter operator ${JSON.stringify(op)} on ${JSON.stringify(key)}`;
        if ((op === "$in" || op === "$nin") && !Array.isArray(arg)) return `${op} expects a list, got ${JSON.stringify(arg)}`;
        if (op === "$regex") {
          if (typeof arg !== "string") return `$regex expects a string pattern, got ${JSON.stringify(arg)}`;
          try {
            patternRegExp(arg);
          } catch (error) {
            return `invalid $regex pattern ${JSON.stringify(arg)}: ${(error as Error).message}`;
          }
        }
        if (["$gt", "$gte", "$lt", "$lte"].includes(op) && typeof arg !== "number" && typeof arg !== "string") {
          return `${op} expects a number or a string, got ${JSON.stringify(arg)}`;
        }
      }
    }
  }
  return null;
}

/** Whether `run` matches `filter` (check it first with filterProblem). */
export function matchesFilter(run: Run, filter: MongoFilter): boolean {
  return Object.entries(filter).every(([key, spec]) => {
    if (key === "$and") return (spec as MongoFilter[]).every((sub) => matchesFilter(run, sub));
    if (key === "$or") return (spec as MongoFilter[]).some((sub) => matchesFilter(run, sub));
    if (key === "$nor") return !(spec as MongoFilter[]).some((sub) => matchesFilter(run, sub));
    const t = target(run, key);
    if (t instanceof Error) return false;
    if (isObject(spec) && Object.keys(spec).some((k) => k.startsWith("$"))) return operators(t, spec);
    return t.equalsAny([spec]);
  });
}
