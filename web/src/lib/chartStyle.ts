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

/** Axis colours from the page's CSS variables (dark mode redraws with its own). */
export function chartColors(): { axis: string; grid: string; tick: string } {
  const dark = typeof document !== "undefined" && document.documentElement.classList.contains("theme-dark");
  return dark ? { axis: "#b8c0cc", grid: "#2c323d", tick: "#3a414d" } : { axis: "#555", grid: "#eee", tick: "#ddd" };
}
