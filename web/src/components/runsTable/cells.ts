// What a runs-table cell shows: its text, and with a baseline run a summary cell's
// delta to it. Pure, so the rows (RunRow) only lay them out.
import type { Run } from "../../api/types";
import { columnValue } from "../../lib/columns";
import { delta, formatDelta } from "../../lib/compare";
import { formatDuration, formatTimestamp, formatValue } from "../../lib/format";

/** A plain cell's text: run fields formatted as durations and times, else the value. */
export function cellText(run: Run, id: string): string {
  const value = columnValue(run, id);
  if (id === "run:runtime" && typeof value === "number") return formatDuration(value);
  if (id === "run:created_at" && typeof value === "number") return formatTimestamp(value);
  return formatValue(value);
}

/** A summary column's change from the baseline run ("+0.12"), null where none shows. */
export function summaryDelta(run: Run, baseline: Run | null, id: string): string | null {
  if (!baseline || run.id === baseline.id || !id.startsWith("summary:")) return null;
  const d = delta(columnValue(run, id), columnValue(baseline, id));
  return d === null ? null : formatDelta(d);
}

/** The delta's class: up or down by its sign. */
export function deltaClass(change: string): string {
  return `delta${change.startsWith("+") ? " up" : change.startsWith("−") ? " down" : ""}`;
}
