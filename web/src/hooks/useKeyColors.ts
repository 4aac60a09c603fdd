// Key-based colours for a workspace: the runs' values read from GET /colors (kept
// current as live runs change: only updated runs are re-read), bucketed in the
// browser (lib/keyColors) so bucket count and palette changes apply at once.
import { useEffect, useMemo, useRef, useState } from "react";
import { getColors } from "../api/client";
import type { Run } from "../api/types";
import { type KeyColorSetting, type KeyColors, assignKeyColors, isActive } from "../lib/keyColors";
import { EMPTY_VALUES, type ValueState, mergeValues, planValueFetch, valueKey, valuesFor } from "../lib/keyColorValues";

const RETRY_MS = 2000;

export interface KeyColorsState {
  /** The assignment while key-based colours are on (null when off, or before any values arrived). */
  colors: KeyColors | null;
  /** The values are those of the chosen key and y value (not a previous choice's). */
  ready: boolean;
  error: string | null;
}

export function useKeyColors(entity: string, project: string, runs: readonly Run[], setting: KeyColorSetting): KeyColorsState {
  const active = isActive(setting);
  const want = valueKey(setting.key, setting.y);
  const [state, setState] = useState<ValueState>(EMPTY_VALUES);
  const [error, setError] = useState<string | null>(null);
  const busy = useRef(false);
  const [settled, setSettled] = useState(0); // bumps when a read ends, to plan the next one

  useEffect(() => {
    if (!active || busy.current) return;
    const plan = planValueFetch(state, runs, want);
    if (!plan) return;
    busy.current = true;
    const params = { key: setting.key, y: setting.y, runs: plan.full ? undefined : [...plan.stamps.keys()] };
    getColors(entity, project, params)
      .then((answer) => {
        busy.current = false;
        setState((current) => mergeValues(current, want, plan, answer));
        setError(null);
      })
      .catch((e: unknown) => {
        setError(`colours not loaded: ${String(e)}`);
        // try again a little later rather than at once
        setTimeout(() => {
          busy.current = false;
          setSettled((n) => n + 1);
        }, RETRY_MS);
      });
    // A read in flight is not aborted when runs or the key change: its answer is
    // merged (for the key it was asked for) and the next plan picks up the rest.
  }, [active, entity, project, runs, setting.key, setting.y, want, state, settled]);

  const colors = useMemo(
    () => (active && state.forKey !== "" ? assignKeyColors(valuesFor(state, runs), setting.buckets, setting.palette) : null),
    [active, state, runs, setting.buckets, setting.palette],
  );
  return { colors, ready: active && state.forKey === want, error: active ? error : null };
}
