// The baseline run (issue 17): picked in the runs table; the table shows the other
// runs' summary values as deltas to it, the comparer puts it first, and line panels
// draw it emphasised. A tiny external store (as useHoveredRun), so setting it
// re-renders only what reads it.
import { useSyncExternalStore } from "react";

let baseline: string | null = null;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function snapshot(): string | null {
  return baseline;
}

/** Make `id` the baseline run (null: none). */
export function setBaselineRun(id: string | null): void {
  if (id === baseline) return;
  baseline = id;
  for (const listener of listeners) listener();
}

/** The baseline run id, re-rendering the caller when it changes. */
export function useBaselineRun(): string | null {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

/** The current baseline without subscribing (chart hooks, event handlers). */
export function baselineRun(): string | null {
  return baseline;
}

/** Subscribe outside React (a chart redraws its emphasis without re-rendering). */
export function onBaselineRun(listener: (id: string | null) => void): () => void {
  return subscribe(() => listener(baseline));
}
