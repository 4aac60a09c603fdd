// Steps of logged media: which values a panel shows at the step its slider selects.
import type { MediaResponse, MediaStep, MediaValue } from "../api/types";

/** Every step at which any of the runs logged the key, ascending, without duplicates. */
export function unionSteps(media: Pick<MediaResponse, "runs"> | undefined | null): number[] {
  if (!media) return [];
  const steps = new Set<number>();
  for (const run of media.runs) for (const s of run.steps) steps.add(s.step);
  return [...steps].sort((a, b) => a - b);
}

/**
 * The value a run shows at `step`: the last one logged at or before it (a run that
 * logged the key less often keeps showing its latest), else null. `step` null means
 * the run's latest value. `steps` must be in ascending step order.
 */
export function valueAtStep(steps: readonly MediaStep[], step: number | null): MediaStep | null {
  if (steps.length === 0) return null;
  if (step === null) return steps[steps.length - 1];
  let found: MediaStep | null = null;
  for (const s of steps) {
    if (s.step <= step) found = s;
    else break;
  }
  return found;
}

/**
 * The step a slider should select: the chosen one while it still exists, else the
 * last step (a panel follows new steps of a live run until the user moves it).
 */
export function selectStep(steps: readonly number[], chosen: number | null): number | null {
  if (steps.length === 0) return null;
  if (chosen !== null && steps.includes(chosen)) return chosen;
  return steps[steps.length - 1];
}

/** The images of a value: one for `image-file`, several for `images/separated`. */
export function imagesOf(value: MediaValue): { url: string; caption: string | null }[] {
  if (Array.isArray(value.urls)) {
    const captions = Array.isArray(value.captions) ? value.captions : [];
    return value.urls.map((url, i) => ({
      url,
      caption: typeof captions[i] === "string" ? (captions[i] as string) : null,
    }));
  }
  if (typeof value.url === "string") {
    return [{ url: value.url, caption: typeof value.caption === "string" ? value.caption : null }];
  }
  return [];
}

export interface Bar {
  x0: number;
  x1: number;
  count: number;
}

/**
 * The bars of a logged histogram: `{"values": counts, "bins": edges}` (edges one
 * longer than counts) or W&B's packed form `{"packedBins": {min, size, count}, "values"}`.
 */
export function histogramBars(value: unknown): Bar[] {
  if (!value || typeof value !== "object") return [];
  const v = value as { values?: unknown; bins?: unknown; packedBins?: { min?: number; size?: number; count?: number } };
  const counts = Array.isArray(v.values) ? v.values.map(Number) : [];
  let edges: number[] = [];
  if (Array.isArray(v.bins)) edges = v.bins.map(Number);
  else if (v.packedBins && typeof v.packedBins.min === "number" && typeof v.packedBins.size === "number") {
    const { min, size } = v.packedBins;
    const n = v.packedBins.count ?? counts.length;
    edges = Array.from({ length: n + 1 }, (_, i) => min + i * size);
  }
  const bars: Bar[] = [];
  for (let i = 0; i < counts.length && i + 1 < edges.length; i++) {
    if (Number.isFinite(counts[i]) && Number.isFinite(edges[i]) && Number.isFinite(edges[i + 1])) {
      bars.push({ x0: edges[i], x1: edges[i + 1], count: counts[i] });
    }
  }
  return bars;
}
