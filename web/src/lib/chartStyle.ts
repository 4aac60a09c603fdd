// A line panel's own drawing settings (issue 18) and the helpers the chart uses for
// them: the y range that ignores outliers, and axis colours for the page's theme.
import type { ChartData } from "./chartData";

export type ChartKind = "line" | "area" | "bar";
export const CHART_KINDS: readonly ChartKind[] = ["line", "area", "bar"];

export interface ChartStyle {
  kind?: ChartKind;
  yMin?: number;
  yMax?: number;
  xTitle?: string;
  yTitle?: string;
  /** Scale y to the 5th–95th percentile band of the drawn values (padded), as W&B's
   * "ignore outliers" does, so one spike does not flatten every other line. */
  ignoreOutliers?: boolean;
}

function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** The y range without outliers: the 5th to 95th percentile of the lines' values, padded
 * by 10 % of its width; null when there is nothing to scale. */
export function outlierRange(data: ChartData): [number, number] | null {
  const values: number[] = [];
  for (const column of data.columns) {
    if (column.kind !== "line") continue;
    for (const v of column.values) if (v !== null && Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const lo = quantile(values, 0.05);
  const hi = quantile(values, 0.95);
  const pad = (hi - lo) * 0.1 || Math.abs(hi) * 0.1 || 1;
  return [lo - pad, hi + pad];
}

/** True while the page shows the dark theme (lib/theme.ts puts `theme-dark` on <html>). */
export function isDark(): boolean {
  return typeof document !== "undefined" && document.documentElement.classList.contains("theme-dark");
}

/** The page's value of the CSS colour variable `name` (styles.css defines each for both
 * themes), or `fallback` outside a page or where the variable is missing. */
export function cssColor(name: string, fallback: string): string {
  if (typeof document === "undefined" || typeof getComputedStyle === "undefined") return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export type ThemeName = "light" | "dark";

/** A chart's chrome: tick labels, grid, tick marks, axis lines, titles, and the lines of
 * runs left out (a parallel-coordinates brush). */
export interface ChartColors {
  axis: string;
  grid: string;
  tick: string;
  line: string;
  text: string;
  inactive: string;
}

/** Chart chrome per theme: the values styles.css gives `--chart-axis`, `--chart-grid`,
 * `--chart-tick`, `--axis-line`, `--fg`, `--inactive-line` (used where the variables cannot be read: tests, a
 * missing stylesheet). */
export const CHART_COLORS: Readonly<Record<ThemeName, ChartColors>> = {
  light: { axis: "#555555", grid: "#eeeeee", tick: "#dddddd", line: "#999999", text: "#1d2330", inactive: "#c8ccd2" },
  dark: { axis: "#b8c0cc", grid: "#2c323d", tick: "#3a414d", line: "#6b7482", text: "#e4e7ec", inactive: "#3a414d" },
};

/** Axis colours from the page's CSS variables (dark mode redraws with its own). They are
 * concrete colours, not `var(...)`, so a drawing exported on its own keeps them. */
export function chartColors(): ChartColors {
  const theme = CHART_COLORS[isDark() ? "dark" : "light"];
  return {
    axis: cssColor("--chart-axis", theme.axis),
    grid: cssColor("--chart-grid", theme.grid),
    tick: cssColor("--chart-tick", theme.tick),
    line: cssColor("--axis-line", theme.line),
    text: cssColor("--fg", theme.text),
    inactive: cssColor("--inactive-line", theme.inactive),
  };
}

/** A panel's ink and paper per theme (`--fg`, `--panel`, `--chart-grid` in styles.css):
 * what an exported PNG or SVG is drawn with. */
export const PAGE_COLORS: Readonly<Record<ThemeName, { fg: string; bg: string; grid: string }>> = {
  light: { fg: "#1d2330", bg: "#ffffff", grid: "#eeeeee" },
  dark: { fg: "#e4e7ec", bg: "#1c2027", grid: "#2c323d" },
};

/** The page's panel colours (`dark` forces a theme; by default the one that shows). */
export function pageColors(dark: boolean = isDark()): { fg: string; bg: string; grid: string } {
  const theme = PAGE_COLORS[dark ? "dark" : "light"];
  if (dark !== isDark()) return theme; // not the theme on the page: its variables do not apply
  return { fg: cssColor("--fg", theme.fg), bg: cssColor("--panel", theme.bg), grid: cssColor("--chart-grid", theme.grid) };
}

/** Line colours of a panel showing several metrics of one run (Okabe–Ito, then grey and
 * wine). On the dark theme black and wine would vanish into the panel: light stand-ins. */
export const METRIC_COLORS: Readonly<Record<ThemeName, readonly string[]>> = {
  light: ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000", "#999999", "#882255"],
  dark: ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#e4e7ec", "#999999", "#e07aa6"],
};

/** The metric colours for the theme that shows (or the one asked for). */
export function metricColors(dark: boolean = isDark()): readonly string[] {
  return METRIC_COLORS[dark ? "dark" : "light"];
}

/** Relative luminance of `#rrggbb` (WCAG 2). */
export function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
