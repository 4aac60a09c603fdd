// The filter builder's rows (issue 17) and their round trip with the filter box's
// text: a builder row is one comparison, rows are joined by `and` / `or` (`and` binds
// tighter, as in the text), so the builder writes text the box parses, and reads back
// any expression the box holds.
import { type Comparison, type Op, parseFilterText } from "./runFilter";

export type FilterCategory = "config" | "summary" | "metadata" | "tags" | "state" | "date" | "key";

export interface FilterRow {
  join: "and" | "or";
  category: FilterCategory;
  /** The key within the category (config/summary key, run field, date field); unused for tags and state. */
  key: string;
  op: Op;
  value: string;
}

/** Run fields the builder offers under "metadata" (filterable through Api().runs). */
export const METADATA_FIELDS = ["name", "id", "group", "job_type", "host", "runtime", "last_step"];
export const DATE_FIELDS = ["created_at", "heartbeat_at", "updated_at"];
export const OPS: Op[] = ["=", "!=", ">", ">=", "<", "<=", "~"];

export function rowPath(row: FilterRow): string {
  switch (row.category) {
    case "config":
      return `config.${row.key}`;
    case "summary":
      return `summary.${row.key}`;
    case "tags":
      return "tags";
    case "state":
      return "state";
    default:
      return row.key;
  }
}

function quote(value: string): string {
  if (value !== "" && !/["'\s]|&&|\|\|/.test(value)) return value;
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/** The rows as filter text (rows without a key or value are left out). */
export function rowsToText(rows: readonly FilterRow[]): string {
  let text = "";
  for (const row of rows) {
    const path = rowPath(row);
    if (!path || path.endsWith(".") || row.value.trim() === "") continue;
    const part = `${path} ${row.op} ${quote(row.value.trim())}`;
    text = text ? `${text} ${row.join} ${part}` : part;
  }
  return text;
}

function rowOf(c: Comparison, join: "and" | "or"): FilterRow {
  const base = { join, op: c.op, value: c.value };
  if (c.path.startsWith("config.")) return { ...base, category: "config", key: c.path.slice(7) };
  if (c.path.startsWith("summary.")) return { ...base, category: "summary", key: c.path.slice(8) };
  if (c.path === "tags" || c.path === "tag") return { ...base, category: "tags", key: "" };
  if (c.path === "state") return { ...base, category: "state", key: "" };
  if (DATE_FIELDS.includes(c.path)) return { ...base, category: "date", key: c.path };
  if (METADATA_FIELDS.includes(c.path)) return { ...base, category: "metadata", key: c.path };
  return { ...base, category: "key", key: c.path };
}

/** The filter text as builder rows, or null when it is not an expression. */
export function textToRows(text: string): FilterRow[] | null {
  const parsed = parseFilterText(text);
  if (parsed.kind === "empty") return [];
  if (parsed.kind !== "expression") return null;
  const rows: FilterRow[] = [];
  parsed.expression.forEach((all, i) => all.forEach((c, j) => rows.push(rowOf(c, i > 0 && j === 0 ? "or" : "and"))));
  return rows;
}
