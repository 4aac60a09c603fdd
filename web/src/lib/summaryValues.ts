// Rich summary values — what a run's summary holds besides numbers and text — and how
// the run page and the runs table show them: a tensor's statistics (wandb's
// `numpy.ndarray`/`torch.Tensor` stats dict; ours adds shape, std and more
// percentiles), a histogram, an image, HTML, or a table to link to.
import type { JsonValue } from "../api/types";
import type { Bar } from "./mediaSteps";
import { histogramBars } from "./mediaSteps";
import { formatNumber } from "./format";

export const TENSOR_TYPES = ["numpy.ndarray", "torch.Tensor", "tensorflow.Tensor", "jax.Array"];

export type SummaryKind = "tensor" | "histogram" | "image" | "html" | "table" | "plain";

export interface TensorStats {
  type: string;
  shape: number[] | null;
  size: number | null;
  /** Named statistics in display order: min, max, mean, std (var when std is absent), percentiles. */
  stats: [string, number][];
  /** Percentiles present (as [p, value]), sorted by p, with min as 0 and max as 100. */
  quantiles: [number, number][];
}

function objectOf(value: JsonValue | undefined): Record<string, JsonValue> | null {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, JsonValue>) : null;
}

/** What kind of rich value this is ("plain" for numbers, text and anything else). */
export function summaryKind(value: JsonValue | undefined): SummaryKind {
  const obj = objectOf(value);
  const type = obj && typeof obj._type === "string" ? obj._type : null;
  if (!type) return "plain";
  if (TENSOR_TYPES.includes(type) && typeof obj?.mean !== "undefined") return "tensor";
  if (type === "histogram") return "histogram";
  if (type === "image-file") return "image";
  if (type === "html-file") return "html";
  if (type === "table-file" || type === "partitioned-table" || type === "joined-table") return "table";
  return "plain";
}

function num(value: JsonValue | undefined): number | null {
  if (typeof value === "number") return value;
  const obj = objectOf(value);
  if (obj && typeof obj.$float === "string") return Number(obj.$float === "Infinity" ? Infinity : obj.$float === "-Infinity" ? -Infinity : NaN);
  return null;
}

/** A tensor summary's statistics, or null when `value` is not one. */
export function tensorStats(value: JsonValue | undefined): TensorStats | null {
  if (summaryKind(value) !== "tensor") return null;
  const obj = objectOf(value) as Record<string, JsonValue>;
  const stats: [string, number][] = [];
  const add = (name: string, key = name) => {
    const v = num(obj[key]);
    if (v !== null) stats.push([name, v]);
  };
  add("min");
  add("max");
  add("mean");
  if (num(obj.std) !== null) add("std");
  else if (num(obj.var) !== null) stats.push(["std", Math.sqrt(num(obj.var) as number)]);
  const percentiles = Object.keys(obj)
    .filter((k) => /^\d+(\.\d+)?%$/.test(k))
    .map((k) => [Number(k.slice(0, -1)), num(obj[k])] as const)
    .filter((p): p is readonly [number, number] => p[1] !== null)
    .sort((a, b) => a[0] - b[0]);
  for (const [p, v] of percentiles) stats.push([`${p}%`, v]);
  const quantiles: [number, number][] = [];
  const lo = num(obj.min);
  const hi = num(obj.max);
  if (lo !== null && Number.isFinite(lo)) quantiles.push([0, lo]);
  for (const [p, v] of percentiles) if (Number.isFinite(v)) quantiles.push([p, v]);
  if (hi !== null && Number.isFinite(hi)) quantiles.push([100, hi]);
  const shape = Array.isArray(obj.shape) && obj.shape.every((n) => typeof n === "number") ? (obj.shape as number[]) : null;
  const size = typeof obj.size === "number" ? obj.size : null;
  return { type: String(obj._type), shape, size, stats, quantiles };
}

/**
 * A histogram of a tensor from its quantiles: the share of values between two
 * neighbouring quantiles spread evenly over their interval (the stats keep no
 * bins, so this is the distribution's shape, not exact counts), in `bins` equal
 * bins over [min, max]; `count` is the estimated share in percent.
 */
export function quantileBars(quantiles: readonly [number, number][], bins = 20): Bar[] {
  if (quantiles.length < 2) return [];
  const lo = quantiles[0][1];
  const hi = quantiles[quantiles.length - 1][1];
  if (!(hi > lo)) return [{ x0: lo, x1: hi, count: 100 }];
  const width = (hi - lo) / bins;
  const bars: Bar[] = Array.from({ length: bins }, (_, i) => ({ x0: lo + i * width, x1: lo + (i + 1) * width, count: 0 }));
  for (let q = 0; q + 1 < quantiles.length; q++) {
    const [p0, a] = quantiles[q];
    const [p1, b] = quantiles[q + 1];
    const share = p1 - p0;
    if (share <= 0) continue;
    if (!(b > a)) {
      const i = Math.min(bins - 1, Math.floor((a - lo) / width));
      bars[i].count += share;
      continue;
    }
    for (const bar of bars) {
      const overlap = Math.min(b, bar.x1) - Math.max(a, bar.x0);
      if (overlap > 0) bar.count += (share * overlap) / (b - a);
    }
  }
  return bars;
}

/** The bars of a summary histogram (`{_type: "histogram", values, bins}`). */
export function summaryHistogramBars(value: JsonValue | undefined): Bar[] {
  return summaryKind(value) === "histogram" ? histogramBars(value) : [];
}

/** One line for a table cell or a tooltip: `mean 0.51 ± 0.29 [0.0014, 0.999] (1000)`. */
export function tensorLine(stats: TensorStats): string {
  const get = (name: string) => stats.stats.find(([n]) => n === name)?.[1];
  const parts: string[] = [];
  const mean = get("mean");
  const std = get("std");
  if (mean !== undefined) parts.push(`mean ${formatNumber(mean)}${std !== undefined ? ` ± ${formatNumber(std)}` : ""}`);
  const min = get("min");
  const max = get("max");
  if (min !== undefined && max !== undefined) parts.push(`[${formatNumber(min)}, ${formatNumber(max)}]`);
  if (stats.shape) parts.push(`shape ${stats.shape.join("×")}`);
  else if (stats.size !== null) parts.push(`size ${stats.size}`);
  return parts.join(" ");
}

/** A table value's size as text: "10 rows × 2 columns". */
export function tableSize(value: JsonValue | undefined): string {
  const obj = objectOf(value);
  if (!obj) return "";
  const rows = typeof obj.nrows === "number" ? `${obj.nrows} row${obj.nrows === 1 ? "" : "s"}` : "";
  const cols = typeof obj.ncols === "number" ? `${obj.ncols} column${obj.ncols === 1 ? "" : "s"}` : "";
  return [rows, cols].filter(Boolean).join(" × ");
}

/** The URL the server put beside a payload's file, if any. */
export function urlOf(value: JsonValue | undefined): string | null {
  const obj = objectOf(value);
  return obj && typeof obj.url === "string" ? obj.url : null;
}
