// The per-run values key-based colours bucket, kept fresh while runs are live: the
// server reads them (GET /colors: config and summary documents, series rollups for
// max/min); the first request asks for every run, later ones only for the runs the
// live poll reported as updated since their value was read.
import type { ColorsResponse, Run } from "../api/types";
import { type KeyValue, type YValue, isConfigKey, keyValue } from "./keyColors";

export interface ValueState {
  /** Which key and y value the values are for (see valueKey); "" before any. */
  forKey: string;
  values: Map<string, KeyValue>;
  /** Each run's `updated_at` when its value was read. */
  stamps: Map<string, number>;
}

export const EMPTY_VALUES: ValueState = { forKey: "", values: new Map(), stamps: new Map() };

/** Partial refreshes name runs in the URL; beyond this many, everything is re-read. */
export const MAX_PARTIAL = 200;

/** Identifies what values are for: a config value does not depend on y. */
export function valueKey(key: string, y: YValue): string {
  return isConfigKey(key) ? key : `${key}\u0001${y}`;
}

export interface ValueFetch {
  /** Read every run (no `runs` parameter). */
  full: boolean;
  /** The runs asked for (all of `runs` for a full read), with the `updated_at` seen now. */
  stamps: Map<string, number>;
}

/** What to read next for `want`, or null when every run's value is current. */
export function planValueFetch(state: ValueState, runs: readonly Run[], want: string): ValueFetch | null {
  if (state.forKey !== want) return { full: true, stamps: new Map(runs.map((r) => [r.id, r.updated_at] as const)) };
  const stale = new Map<string, number>();
  for (const run of runs) if (state.stamps.get(run.id) !== run.updated_at) stale.set(run.id, run.updated_at);
  if (stale.size === 0) return null;
  if (stale.size > MAX_PARTIAL) return { full: true, stamps: new Map(runs.map((r) => [r.id, r.updated_at] as const)) };
  return { full: false, stamps: stale };
}

/** The state after a read for `want` answered (a full read replaces, a partial one merges). */
export function mergeValues(
  state: ValueState,
  want: string,
  fetch: ValueFetch,
  answer: Pick<ColorsResponse, "runs">,
): ValueState {
  const fresh = fetch.full || state.forKey !== want;
  const values = fresh ? new Map<string, KeyValue>() : new Map(state.values);
  const stamps = fresh ? new Map<string, number>() : new Map(state.stamps);
  for (const [id, stamp] of fetch.stamps) {
    stamps.set(id, stamp);
    values.set(id, null); // asked for but not answered: the run is gone or has no value
  }
  for (const run of answer.runs) values.set(run.id, keyValue(run.value));
  return { forKey: want, values, stamps };
}

/** The runs' values in table order (runs not read yet have none). */
export function valuesFor(state: ValueState, runs: readonly Run[]): Map<string, KeyValue> {
  return new Map(runs.map((r) => [r.id, state.values.get(r.id) ?? null] as const));
}
