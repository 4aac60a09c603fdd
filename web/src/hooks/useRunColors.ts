// Run colours for a page, handed to tables and panels through a context: key-based
// colours while they are on; otherwise a colour picked in the runs table, else the
// run's stored colour (init(settings={"run_color": ...})), else its palette slot
// (lib/runColor, assigned once per set of runs).
import { createContext, useContext, useMemo } from "react";
import type { Run } from "../api/types";
import { type KeyColors, MISSING_COLOR } from "../lib/keyColors";
import { assignColors, runColor, withCustomColors } from "../lib/runColor";

export type ColorOf = (run: Pick<Run, "id" | "color">) => string;

export const RunColorsContext = createContext<ColorOf>(runColor);

export function useColorOf(): ColorOf {
  return useContext(RunColorsContext);
}

const NO_CUSTOM: Readonly<Record<string, string>> = {};

/**
 * A stable `colorOf` for the project's runs: it changes only when some run's colour
 * does, so live polls that change nothing else do not redraw the panels.
 */
export function useRunColors(
  runs: readonly Run[],
  custom: Readonly<Record<string, string>> = NO_CUSTOM,
  keyColors: KeyColors | null = null,
): ColorOf {
  const signature = runs.map((r) => `${r.id}\u0001${r.created_at}\u0001${r.color ?? ""}`).join("\u0002");
  // eslint-disable-next-line react-hooks/exhaustive-deps -- the signature covers what matters
  const base = useMemo(() => assignColors(runs), [signature]);
  const colors = useMemo(() => (keyColors ? keyColors.colors : withCustomColors(base, custom)), [base, custom, keyColors]);
  const fallback = keyColors ? MISSING_COLOR : null;
  const colorSignature = useMemo(() => [...colors].map(([id, color]) => `${id}\u0001${color}`).join("\u0002"), [colors]);
  return useMemo(
    () => (run: Pick<Run, "id" | "color">) => colors.get(run.id) ?? fallback ?? runColor(run),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- equal signatures mean equal colours
    [colorSignature, fallback],
  );
}
