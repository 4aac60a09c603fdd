// Line smoothing, ported from runyard.metrics.smoothing (the reference; golden cases
// made by Python in smoothing.golden.json keep the two equal): wandb's time-weighted
// EMA (its default), TensorBoard's debiased EMA, a Gaussian kernel over x and a
// centred running average. Gaps (null / non-finite y) are carried through unchanged
// and not mixed into their neighbours.
import type { JsonValue } from "../api/types";

export const SMOOTHING_KINDS = ["none", "twema", "ema", "gaussian", "running_average"] as const;
export type SmoothingKind = (typeof SMOOTHING_KINDS)[number];

/**
 * A smoothing choice. `amount` is the Python function's parameter: the weight in
 * [0, 0.99] for twema and ema, sigma in x units for gaussian, the window (points) for
 * running_average. Amount 0 (or kind "none") draws the raw line only.
 */
export interface SmoothingSetting {
  kind: SmoothingKind;
  amount: number;
}

/** wandb's default: time-weighted EMA, off until the amount is raised. */
export const NO_SMOOTHING: SmoothingSetting = { kind: "twema", amount: 0 };

export const SMOOTHING_LABELS: Record<SmoothingKind, string> = {
  none: "None",
  twema: "Time weighted EMA",
  ema: "Exponential moving average",
  gaussian: "Gaussian",
  running_average: "Running average",
};

/** Where an amount may go per kind (and the UI's slider step). */
export const AMOUNT_RANGE: Record<SmoothingKind, { min: number; max: number; step: number }> = {
  none: { min: 0, max: 0, step: 1 },
  twema: { min: 0, max: 0.99, step: 0.01 },
  ema: { min: 0, max: 0.99, step: 0.01 },
  gaussian: { min: 0, max: 1e12, step: 1 },
  running_average: { min: 1, max: 1000, step: 1 },
};

/** Whether a setting changes the line (so the raw line is drawn faint behind it). */
export function isSmoothing(setting: SmoothingSetting): boolean {
  if (setting.kind === "none") return false;
  if (setting.kind === "running_average") return setting.amount > 1;
  return setting.amount > 0;
}

/** A stored smoothing (user data): an object, or the old bare EMA weight. */
export function readSmoothing(value: JsonValue | undefined): SmoothingSetting {
  if (typeof value === "number" && Number.isFinite(value)) {
    return value > 0 ? { kind: "ema", amount: Math.min(0.99, value) } : NO_SMOOTHING;
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return NO_SMOOTHING;
  const kind = SMOOTHING_KINDS.find((k) => k === value.kind);
  if (!kind) return NO_SMOOTHING;
  const raw = typeof value.amount === "number" && Number.isFinite(value.amount) ? value.amount : 0;
  const range = AMOUNT_RANGE[kind];
  let amount = Math.min(range.max, Math.max(range.min, raw));
  if (kind === "running_average") amount = Math.round(amount);
  return { kind, amount };
}

type Values = readonly (number | null)[];

function finite(v: number | null | undefined): v is number {
  return v !== null && v !== undefined && Number.isFinite(v);
}

/** wandb's frontend scales x gaps by the line's x range over this (its VIEWPORT_SCALE). */
export const VIEWPORT_SCALE = 1000;
const MAX_WEIGHT = 0.999;

/** Time-weighted EMA of y over non-decreasing x; `weight` in [0, 1]. */
export function twema(x: readonly number[], y: Values, weight: number, viewportScale = VIEWPORT_SCALE): (number | null)[] {
  const out = y.slice();
  const idx: number[] = [];
  for (let i = 0; i < y.length; i++) if (finite(y[i])) idx.push(i);
  if (idx.length === 0) return out;
  const base = Math.min(Math.sqrt(Math.min(1, Math.max(0, weight))), MAX_WEIGHT);
  const x0 = x[idx[0]];
  const span = x[idx[idx.length - 1]] - x0;
  let total = 0;
  let weights = 0;
  let prev = x0;
  for (const i of idx) {
    const gap = span > 0 ? ((x[i] - prev) / span) * viewportScale : 0;
    prev = x[i];
    const d = Math.pow(base, gap);
    total = total * d + (y[i] as number);
    weights = weights * d + 1;
    out[i] = total / weights;
  }
  return out;
}

/** TensorBoard's debiased EMA; `weight` in [0, 1] (0 is no smoothing). */
export function ema(y: Values, weight: number): (number | null)[] {
  const out = y.slice();
  const w = Math.min(1, Math.max(0, weight));
  let last = 0;
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!finite(v)) continue;
    last = last * w + (1 - w) * v;
    n += 1;
    const debias = 1 - Math.pow(w, n);
    out[i] = debias > 0 ? last / debias : v;
  }
  return out;
}

/** Gaussian kernel smoothing, sigma in x units (points beyond 4σ are left out, as in Python). */
export function gaussian(x: readonly number[], y: Values, sigma: number): (number | null)[] {
  const out = y.slice();
  if (!(sigma > 0)) return out;
  const idx: number[] = [];
  for (let i = 0; i < y.length; i++) if (finite(y[i])) idx.push(i);
  const reach = 4 * sigma;
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < idx.length; k++) {
    const xi = x[idx[k]];
    while (x[idx[lo]] < xi - reach) lo++;
    while (hi < idx.length && x[idx[hi]] <= xi + reach) hi++;
    let num = 0;
    let den = 0;
    for (let j = lo; j < hi; j++) {
      const dx = (x[idx[j]] - xi) / sigma;
      const w = Math.exp(-0.5 * dx * dx);
      num += w * (y[idx[j]] as number);
      den += w;
    }
    out[idx[k]] = num / den;
  }
  return out;
}

/** The mean of the `window` points centred on each point (fewer at the ends). */
export function runningAverage(y: Values, window: number): (number | null)[] {
  const out = y.slice();
  const w = Math.max(1, Math.round(window));
  const idx: number[] = [];
  for (let i = 0; i < y.length; i++) if (finite(y[i])) idx.push(i);
  if (w === 1 || idx.length === 0) return out;
  const before = Math.floor((w - 1) / 2);
  const after = w - 1 - before;
  const cum = new Float64Array(idx.length + 1);
  for (let k = 0; k < idx.length; k++) cum[k + 1] = cum[k] + (y[idx[k]] as number);
  for (let k = 0; k < idx.length; k++) {
    const start = Math.max(k - before, 0);
    const stop = Math.min(k + after + 1, idx.length);
    out[idx[k]] = (cum[stop] - cum[start]) / (stop - start);
  }
  return out;
}

/** A line smoothed as `setting` says (a copy of y when it does nothing). */
export function smoothLine(setting: SmoothingSetting, x: readonly number[], y: Values): (number | null)[] {
  if (!isSmoothing(setting)) return y.slice();
  switch (setting.kind) {
    case "twema":
      return twema(x, y, setting.amount);
    case "ema":
      return ema(y, setting.amount);
    case "gaussian":
      return gaussian(x, y, setting.amount);
    case "running_average":
      return runningAverage(y, setting.amount);
    default:
      return y.slice();
  }
}

/** The old name: TensorBoard's EMA (kept for callers of the bare-weight setting). */
export function emaSmooth(values: Values, weight: number): (number | null)[] {
  if (!(weight > 0)) return values.slice();
  return ema(values, Math.min(weight, 0.999));
}
