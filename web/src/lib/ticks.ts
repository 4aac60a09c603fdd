// Axis ticks for the small SVG charts (histograms): round numbers 1, 2 or 5 × 10^k
// apart, and labels with just the digits those steps need (0.25, 1k, 2e-5), so a
// histogram's axes read like a plot's, not like `-3.0234567`.

/** About `count` round ticks covering [lo, hi] (inside it). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const step = niceStep((hi - lo) / Math.max(1, count));
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  const ticks: number[] = [];
  for (let i = first; i <= last; i++) ticks.push(roundTo(i * step, step));
  return ticks;
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

function roundTo(value: number, step: number): number {
  const digits = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  return Number(value.toFixed(Math.min(20, digits)));
}

/** A tick label: integers with k/M suffixes, decimals to the step's precision, exponents when tiny. */
export function formatTick(value: number, step: number): string {
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e6 && step >= 1e5) return `${trim(value / 1e6, step / 1e6)}M`;
  if (abs >= 1e4 && step >= 1e3) return `${trim(value / 1e3, step / 1e3)}k`;
  if (abs < 1e-3) return value.toExponential(3).replace(/\.?0+e/, "e");
  return trim(value, step);
}

function trim(value: number, step: number): string {
  const decimals = step > 0 ? Math.max(0, Math.min(6, Math.ceil(-Math.log10(step) - 1e-9))) : 2;
  return value.toFixed(decimals);
}
