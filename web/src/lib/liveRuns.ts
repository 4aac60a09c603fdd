// Live updates of the runs list: each poll returns the runs changed since the
// last one; they replace their older copies, and runs whose last_step grew are
// reported so the panels fetch just their new points.
import type { Run } from "../api/types";

export interface RunUpdate {
  runs: Run[];
  /** Runs already known whose last_step grew. */
  grown: string[];
  /** Runs not seen before. */
  added: string[];
}

export function applyRunUpdates(current: readonly Run[], updates: readonly Run[]): RunUpdate {
  if (updates.length === 0) return { runs: current as Run[], grown: [], added: [] };
  const byId = new Map(current.map((run) => [run.id, run] as const));
  const grown: string[] = [];
  const added: string[] = [];
  for (const run of updates) {
    const before = byId.get(run.id);
    if (!before) added.push(run.id);
    else if ((run.last_step ?? -1) > (before.last_step ?? -1)) grown.push(run.id);
    byId.set(run.id, run);
  }
  const runs = current.map((run) => byId.get(run.id) as Run);
  for (const id of added) runs.unshift(byId.get(id) as Run);
  return { runs, grown, added };
}

/** The runs the panels draw: table order, not hidden, at most `max`. */
export function plottedRuns(tableRuns: readonly Run[], hidden: readonly string[], max: number): Run[] {
  const skip = new Set(hidden);
  const out: Run[] = [];
  for (const run of tableRuns) {
    if (out.length >= max) break;
    if (!skip.has(run.id)) out.push(run);
  }
  return out;
}

/** The set of top-level summary keys, to notice when runs start logging new metrics. */
export function summaryKeySignature(runs: readonly Run[]): string {
  const keys = new Set<string>();
  for (const run of runs) for (const key of Object.keys(run.summary ?? {})) keys.add(key);
  return [...keys].sort().join("\n");
}
