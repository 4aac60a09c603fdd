// A run's logged histogram over every step as a heatmap (x: step, y: value, colour: the
// share of that step's count in the bin; viridis). What it drew is published on
// `window.__runyardHeatmaps[key][run]` (steps, range, each step's fullest bin) for tests.
import { useEffect, useMemo, useRef } from "react";
import type { MediaStep } from "../../api/types";
import { formatNumber } from "../../lib/format";
import { heatColor, histogramHeatmap, modeOfSteps } from "../../lib/histogramHeatmap";

declare global {
  interface Window {
    __runyardHeatmaps?: Record<string, Record<string, { steps: number[]; lo: number; hi: number; modes: number[] }>>;
  }
}

const HEIGHT = 160;

export default function HistogramHeatmap({ steps, panelKey, run, label }: { steps: MediaStep[]; panelKey: string; run: string; label: string }) {
  const map = useMemo(() => histogramHeatmap(steps), [steps]);
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const el = canvas.current;
    if (!el || !map) return;
    const cols = map.steps.length;
    el.width = cols;
    el.height = map.rows;
    const ctx = el.getContext("2d")!;
    ctx.clearRect(0, 0, cols, map.rows);
    for (let s = 0; s < cols; s++) {
      for (let r = 0; r < map.rows; r++) {
        const color = heatColor(map.cells[s * map.rows + r] / (map.max || 1));
        if (!color) continue;
        ctx.fillStyle = color;
        ctx.fillRect(s, map.rows - 1 - r, 1, 1); // row 0 (lowest values) at the bottom
      }
    }
    const all = (window.__runyardHeatmaps ??= {});
    (all[panelKey] ??= {})[run] = { steps: map.steps, lo: map.lo, hi: map.hi, modes: modeOfSteps(map) };
  }, [map, panelKey, run]);
  if (!map) return <div className="panel-empty">No histogram values</div>;
  return (
    <figure className="histogram-heatmap" data-testid="media-heatmap" data-steps={map.steps.length} data-rows={map.rows}>
      <div className="heatmap-frame">
        <div className="heatmap-y">
          <span>{formatNumber(map.hi)}</span>
          <span>{formatNumber(map.lo)}</span>
        </div>
        <canvas ref={canvas} className="heatmap" style={{ height: HEIGHT }} role="img" aria-label={`${label}: histogram over ${map.steps.length} steps`} />
      </div>
      <div className="heatmap-axis">
        <span>step {formatNumber(map.steps[0])}</span>
        <span>step {formatNumber(map.steps[map.steps.length - 1])}</span>
      </div>
    </figure>
  );
}
