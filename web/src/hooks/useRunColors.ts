// Run colours for a page: assigned once per set of runs (see lib/runColor) and
// handed to tables and panels through a context.
import { createContext, useContext, useMemo } from "react";
import type { Run } from "../api/types";
import { assignColors, runColor } from "../lib/runColor";

export type ColorOf = (run: Pick<Run, "id" | "color">) => string;

export const RunColorsContext = createContext<ColorOf>(runColor);

export function useColorOf(): ColorOf {
  return useContext(RunColorsContext);
}

/** A stable `colorOf` for the project's runs (changes only when runs are added or recoloured). */
export function useRunColors(runs: readonly Run[]): ColorOf {
  const signature = runs.map((r) => `${r.id}\u0001${r.created_at}\u0001${r.color ?? ""}`).join("\u0002");
  return useMemo(() => {
    const colors = assignColors(runs);
    return (run: Pick<Run, "id" | "color">) => colors.get(run.id) ?? runColor(run);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the signature covers what matters
  }, [signature]);
}
