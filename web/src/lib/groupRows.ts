// The runs table's grouped rows (issue 17): when the workspace groups runs, the table
// shows one row per group (its size and the mean, min and max of each numeric column
// over its runs) and, under an expanded group, its runs. Groups come from
// lib/grouping's groupRuns, the same split and order GET /groups makes.
import type { Run } from "../api/types";
import { columnValue } from "./columns";
import type { RunGroup } from "./grouping";

export interface Aggregate {
  mean: number;
  min: number;
  max: number;
  /** Runs of the group with a finite number in the column. */
  n: number;
}

export type TableRow =
  | { kind: "group"; key: string; label: string; count: number; aggregates: Record<string, Aggregate>; expanded: boolean }
  | { kind: "run"; run: Run; group: string | null };

export function aggregate(runs: readonly Run[], column: string): Aggregate | null {
  let sum = 0;
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const run of runs) {
    const value = columnValue(run, column);
    if (typeof value !== "number" || !Number.isFinite(value)) continue;
    sum += value;
    n += 1;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return n === 0 ? null : { mean: sum / n, min, max, n };
}

/** Group rows with their aggregates, each followed by its runs when expanded. */
export function groupedTableRows(groups: readonly RunGroup[], columns: readonly string[], expanded: ReadonlySet<string>): TableRow[] {
  const rows: TableRow[] = [];
  for (const group of groups) {
    const aggregates: Record<string, Aggregate> = {};
    for (const column of columns) {
      const found = aggregate(group.runs, column);
      if (found) aggregates[column] = found;
    }
    const open = expanded.has(group.key);
    rows.push({ kind: "group", key: group.key, label: group.label, count: group.runs.length, aggregates, expanded: open });
    if (open) for (const run of group.runs) rows.push({ kind: "run", run, group: group.key });
  }
  return rows;
}
