// The page's theme: the stored choice over the system's preference, applied to <html>
// and re-applied when the system switches (while the choice is "system").
import { useCallback, useEffect, useState } from "react";
import { type ChartColors, chartColors } from "../lib/chartStyle";
import { THEME_KEY, type Theme, type ThemeChoice, applyTheme, effectiveTheme, nextChoice, readChoice } from "../lib/theme";

const QUERY = "(prefers-color-scheme: dark)";

function stored(): ThemeChoice {
  try {
    return readChoice(window.localStorage.getItem(THEME_KEY));
  } catch {
    return "system";
  }
}

export function useTheme(): { theme: Theme; choice: ThemeChoice; toggle: () => void } {
  const [choice, setChoice] = useState<ThemeChoice>(stored);
  const [systemDark, setSystemDark] = useState(() => window.matchMedia?.(QUERY).matches ?? false);
  useEffect(() => {
    const media = window.matchMedia?.(QUERY);
    if (!media) return;
    const change = (e: MediaQueryListEvent) => setSystemDark(e.matches);
    media.addEventListener("change", change);
    return () => media.removeEventListener("change", change);
  }, []);
  useEffect(() => {
    applyTheme(document.documentElement, choice, systemDark);
    window.dispatchEvent(new Event("runyard:theme"));
  }, [choice, systemDark]);
  const toggle = useCallback(() => {
    setChoice((c) => {
      const next = nextChoice(c, systemDark);
      try {
        if (next === "system") window.localStorage.removeItem(THEME_KEY);
        else window.localStorage.setItem(THEME_KEY, next);
      } catch {
        // storage blocked: the choice lasts for this page
      }
      return next;
    });
  }, [systemDark]);
  return { theme: effectiveTheme(choice, systemDark), choice, toggle };
}

/** The chart chrome colours of the theme that shows, again whenever the theme switches
 * (for SVG drawings that must hold concrete colours, e.g. to be exported as PNG). */
export function useChartColors(): ChartColors {
  const [colors, setColors] = useState<ChartColors>(chartColors);
  useEffect(() => {
    const change = () => setColors(chartColors());
    change();
    window.addEventListener("runyard:theme", change);
    return () => window.removeEventListener("runyard:theme", change);
  }, []);
  return colors;
}
