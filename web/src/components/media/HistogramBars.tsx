// A histogram at one step as SVG bars, in the run's colour.
import { formatNumber } from "../../lib/format";
import type { Bar } from "../../lib/mediaSteps";

export interface HistogramBarsProps {
  bars: Bar[];
  color: string;
  label: string;
  height?: number;
  testid?: string;
  step: number;
}

const WIDTH = 360;

export default function HistogramBars({ bars, color, label, height = 140, testid, step }: HistogramBarsProps) {
  if (bars.length === 0) return <div className="muted">No bins</div>;
  const x0 = Math.min(...bars.map((b) => b.x0));
  const x1 = Math.max(...bars.map((b) => b.x1));
  const top = Math.max(1, ...bars.map((b) => b.count));
  const span = x1 - x0 || 1;
  const plotH = height - 18;
  const sx = (x: number) => ((x - x0) / span) * WIDTH;
  return (
    <figure className="histogram" data-testid={testid} data-bars={bars.length} data-step={step}>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" height={height} role="img" aria-label={`${label}: histogram at step ${step}`}>
        {bars.map((b, i) => {
          const h = (b.count / top) * plotH;
          return (
            <rect
              key={i}
              x={sx(b.x0)}
              y={plotH - h}
              width={Math.max(0.5, sx(b.x1) - sx(b.x0) - 0.5)}
              height={h}
              fill={color}
              fillOpacity={0.75}
            >
              <title>
                [{formatNumber(b.x0)}, {formatNumber(b.x1)}): {b.count}
              </title>
            </rect>
          );
        })}
        <line x1={0} x2={WIDTH} y1={plotH} y2={plotH} stroke="#999" />
        <text x={0} y={height - 4} fontSize={10} fill="#666">
          {formatNumber(x0)}
        </text>
        <text x={WIDTH} y={height - 4} fontSize={10} fill="#666" textAnchor="end">
          {formatNumber(x1)}
        </text>
      </svg>
    </figure>
  );
}
