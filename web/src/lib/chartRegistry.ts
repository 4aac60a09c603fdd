// What each chart actually drew, published on `window.__runyardCharts[key]` after
// every draw so browser tests (and curious users in devtools) can check the
// plotted series, colours and data rather than component state.
import { type ChartData, drawnPoints } from "./chartData";
import { noteFirstDraw } from "./firstDraw";

export interface PublishedSeries {
  run: string;
  label: string;
  color: string;
  points: [number, number][];
  /** [x, min, max] of the band, when the series was reduced (grouped: [x, lo, hi]). */
  band?: [number, number, number][];
  /** The line before smoothing, when smoothing is on. */
  unsmoothed?: [number, number][];
  /** Grouped panels: the group's key, values, run count and run ids. */
  group?: { key: string; values: Record<string, unknown>; count: number; runs: string[] };
}

export interface PublishedChart {
  key: string;
  xKey: string;
  series: PublishedSeries[];
  zoom: { xmin: number; xmax: number } | null;
  logY: boolean;
  /** The smoothing amount drawn (0: raw lines); its kind in smoothingKind. */
  smoothing: number;
  smoothingKind?: string;
  reduced: boolean;
  rawPoints: number;
  /** The line emphasised by hovering (a run id or group line id), or null. */
  hovered?: string | null;
  /** The baseline run drawn dashed and thick in the chart (issue 17), when it is in it. */
  baseline?: string | null;
  /** Grouped panels: one line per group. */
  grouped?: boolean;
  by?: string[];
  agg?: string;
  band?: string;
  draws: number;
}

declare global {
  interface Window {
    __runyardCharts?: Record<string, PublishedChart>;
  }
}

export function describeChart(
  key: string,
  data: ChartData,
  extra: Omit<PublishedChart, "key" | "series" | "draws">,
): Omit<PublishedChart, "draws"> {
  const lines = drawnPoints(data, "line");
  const maxes = new Map(data.columns.filter((c) => c.kind === "max").map((c) => [c.run, c.values] as const));
  const mins = new Map(data.columns.filter((c) => c.kind === "min").map((c) => [c.run, c.values] as const));
  const series = data.columns
    .filter((c) => c.kind === "line")
    .map((c) => {
      const out: PublishedSeries = { run: c.run, label: c.label, color: c.color, points: lines.get(c.run) ?? [] };
      const hi = maxes.get(c.run);
      const lo = mins.get(c.run);
      if (hi && lo) {
        out.band = [];
        data.x.forEach((x, i) => {
          if (hi[i] !== null && lo[i] !== null) out.band!.push([x, lo[i] as number, hi[i] as number]);
        });
      }
      return out;
    });
  return { key, series, ...extra };
}

export function publishChart(chart: Omit<PublishedChart, "draws">): void {
  const registry = (window.__runyardCharts ??= {});
  const draws = (registry[chart.key]?.draws ?? 0) + 1;
  registry[chart.key] = { ...chart, draws };
  if (chart.series.some((s) => s.points.length > 0)) noteFirstDraw();
}

export function unpublishChart(key: string): void {
  if (window.__runyardCharts) delete window.__runyardCharts[key];
}
