// Which run (or group line) the pointer is on, shared by the runs table, the chart
// legends and every panel: a tiny external store read with useSyncExternalStore, so a
// hover re-renders only what reads it (not the whole workspace).
import { useSyncExternalStore } from "react";

/** A run id, or `group:<group key>` (lib/grouping groupLineId) for a grouped line. */
export type Hovered = string | null;

let hovered: Hovered = null;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function snapshot(): Hovered {
  return hovered;
}

/** Emphasise a run's line in every panel (null: none). Call on pointer enter/leave. */
export function setHoveredRun(id: Hovered): void {
  if (id === hovered) return;
  hovered = id;
  for (const listener of listeners) listener();
}

/** The hovered run id (or group line id), re-rendering the caller when it changes. */
export function useHoveredRun(): Hovered {
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

/** The current value without subscribing (for event handlers and chart hooks). */
export function hoveredRun(): Hovered {
  return hovered;
}

/** Subscribe outside React (the chart redraws its emphasis without re-rendering). */
export function onHoveredRun(listener: (id: Hovered) => void): () => void {
  return subscribe(() => listener(hovered));
}
