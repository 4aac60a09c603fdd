// The density view of a line panel showing many runs (issue 20): a heatmap of how many
// runs pass through each cell (GET …/density, computed by the server from every run's
// raw points), with the best, baseline and hovered runs drawn on top as lines. One
// canvas, whatever the number of runs: drawing 1,000 lines is a choice (the panel's
// "draw all lines" button), not the default.
import { useEffect, useRef, useState } from "react";
import type { DensityResponse } from "../api/client";
import { setHoveredRun } from "../hooks/useHoveredRun";
import type { ChartRun } from "../lib/chartData";
import { publishChart, unpublishChart } from "../lib/chartRegistry";
import { chartColors } from "../lib/chartStyle";
import { formatNumber } from "../lib/format";
import { cellColor } from "../lib/seriesDensity";
import { formatX, xAxisLabel } from "../lib/xAxis";

export interface DensityChartProps {
  /** The panel's key (test ids, the published chart's key). */
  metric: string;
  x: string;
  logY: boolean;
  density: DensityResponse;
  /** Runs drawn on top as lines, in drawing order (the last on top). */
  lines: ChartRun[];
  hovered: string | null;
  height: number;
  loading: boolean;
  onShowLines: () => void;
}

function drawDensity(canvas: HTMLCanvasElement, d: DensityResponse, lines: ChartRun[], hovered: string | null): void {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, width, height);
  const dark = document.documentElement.classList.contains("theme-dark");
  const cw = width / d.columns;
  const ch = height / d.rows;
  for (let r = 0; r < d.rows; r++) {
    for (let c = 0; c < d.columns; c++) {
      const n = d.counts[r * d.columns + c];
      if (n === 0) continue;
      ctx.fillStyle = cellColor(n, d.max, dark);
      // Row 0 is at ymin: the bottom of the canvas. Cells overlap by a pixel fraction to avoid seams.
      ctx.fillRect(c * cw, height - (r + 1) * ch, cw + 0.5, ch + 0.5);
    }
  }
  const px = (x: number) => (d.xmax > d.xmin ? ((x - d.xmin) / (d.xmax - d.xmin)) * width : width / 2);
  const py = (y: number) => (d.ymax > d.ymin ? height - ((y - d.ymin) / (d.ymax - d.ymin)) * height : height / 2);
  for (const line of lines) {
    ctx.strokeStyle = line.color;
    ctx.lineWidth = line.run === hovered ? 3 : 1.5;
    ctx.beginPath();
    let open = false;
    const s = line.series;
    for (let i = 0; i < s.x.length; i++) {
      const v = s.y[i];
      const y = v === null || !Number.isFinite(v) ? null : d.logY ? (v > 0 ? Math.log10(v) : null) : v;
      if (y === null) {
        open = false;
        continue;
      }
      if (open) ctx.lineTo(px(s.x[i]), py(y));
      else ctx.moveTo(px(s.x[i]), py(y));
      open = true;
    }
    ctx.stroke();
  }
}

export default function DensityChart(props: DensityChartProps) {
  const { metric: key, x, logY, density, lines, hovered, height, loading } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const [theme, setTheme] = useState(0);
  useEffect(() => {
    const bump = () => setTheme((v) => v + 1);
    window.addEventListener("runyard:theme", bump);
    window.addEventListener("resize", bump);
    return () => {
      window.removeEventListener("runyard:theme", bump);
      window.removeEventListener("resize", bump);
    };
  }, []);

  useEffect(() => {
    if (!canvas.current) return;
    drawDensity(canvas.current, density, lines, hovered);
    if (loading) return;
    publishChart({
      key,
      xKey: x,
      series: lines.map((l) => ({
        run: l.run,
        label: l.label,
        color: l.color,
        points: l.series.x.flatMap((xv, i) => (l.series.y[i] === null ? [] : [[xv, l.series.y[i] as number] as [number, number]])),
      })),
      zoom: null,
      logY,
      smoothing: 0,
      reduced: false,
      rawPoints: 0,
      hovered,
      ...{ view: "density", density, runCount: density.runCount },
    });
  }, [density, lines, hovered, key, x, logY, loading, theme]);
  useEffect(() => () => unpublishChart(key), [key]);

  const colors = chartColors();
  const yLabel = (v: number) => formatNumber(logY ? 10 ** v : v);
  return (
    <div className="panel-body density-body">
      <div className="density-frame" style={{ position: "relative", height }}>
        <canvas
          ref={canvas}
          data-testid={`density-${key}`}
          data-runs={density.runs}
          role="img"
          aria-label={`density of ${density.runCount} runs of ${key}`}
          style={{ width: "100%", height, display: "block" }}
        />
        <span className="density-axis" style={{ position: "absolute", left: 2, top: 0, color: colors.axis, fontSize: 11 }}>
          {yLabel(density.ymax)}
        </span>
        <span className="density-axis" style={{ position: "absolute", left: 2, bottom: 0, color: colors.axis, fontSize: 11 }}>
          {yLabel(density.ymin)}
        </span>
      </div>
      <div className="density-xaxis" style={{ display: "flex", justifyContent: "space-between", color: colors.axis, fontSize: 11 }}>
        <span>{formatX(x, density.xmin)}</span>
        <span>{xAxisLabel(x)}</span>
        <span>{formatX(x, density.xmax)}</span>
      </div>
      <div className="panel-notes">
        <span className="density-note" data-testid={`density-note-${key}`}>
          density of {formatNumber(density.runCount)} runs (darker: more runs pass through; up to {formatNumber(density.max)} per cell)
        </span>{" "}
        <button type="button" className="link" data-testid={`density-toggle-${key}`} onClick={props.onShowLines}>
          draw all {formatNumber(density.runCount)} lines
        </button>
      </div>
      {lines.length > 0 && (
        <div className="panel-legend" data-testid={`legend-${key}`} onMouseLeave={() => setHoveredRun(null)}>
          {lines.map((r) => (
            <span
              key={r.run}
              className={r.run === hovered ? "legend-item hovered" : "legend-item"}
              title={r.label}
              data-testid={`legend-item-${key}-${r.run}`}
              onMouseEnter={() => setHoveredRun(r.run)}
              onMouseLeave={() => setHoveredRun(null)}
            >
              <span className="swatch" style={{ background: r.color }} />
              {r.label}
            </span>
          ))}
        </div>
      )}
    </div>
  );
}
