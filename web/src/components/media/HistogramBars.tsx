// A histogram at one step as SVG bars in the run's colour, with a count axis and a
// value axis at round ticks (lib/ticks) in a readable font.
import { useChartColors } from "../../hooks/useTheme";
import { formatNumber } from "../../lib/format";
import type { Bar } from "../../lib/mediaSteps";
import { formatTick, niceTicks } from "../../lib/ticks";

export interface HistogramBarsProps {
  bars: Bar[];
  color: string;
  label: string;
  height?: number;
  testid?: string;
  step: number;
}

const WIDTH = 320; // each histogram gets at least this many pixels (MediaGrid.css): fonts stay >= 12 px
const LEFT = 40; // room for the count labels
const BOTTOM = 20; // room for the value labels
const TOP = 6;
const FONT = 12;

export default function HistogramBars({ bars, color, label, height = 160, testid, step }: HistogramBarsProps) {
  const ink = useChartColors(); // concrete colours: the PNG export draws this SVG on its own
  if (bars.length === 0) return <div className="muted">No bins</div>;
  const x0 = Math.min(...bars.map((b) => b.x0));
  const x1 = Math.max(...bars.map((b) => b.x1));
  const top = Math.max(1, ...bars.map((b) => b.count));
  const span = x1 - x0 || 1;
  const plotW = WIDTH - LEFT - 8;
  const plotH = height - BOTTOM - TOP;
  const sx = (x: number) => LEFT + ((x - x0) / span) * plotW;
  const sy = (count: number) => TOP + plotH - (count / top) * plotH;
  const xTicks = niceTicks(x0, x1, 5);
  const xStep = xTicks.length > 1 ? xTicks[1] - xTicks[0] : span;
  const yTicks = niceTicks(0, top, 4).filter((t) => Number.isInteger(t) || top < 4);
  const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : top;
  return (
    <figure className="histogram" data-testid={testid} data-bars={bars.length} data-step={step}>
      <svg viewBox={`0 0 ${WIDTH} ${height}`} width="100%" style={{ maxWidth: WIDTH * 1.6 }} role="img" aria-label={`${label}: histogram at step ${step}`}>
        {bars.map((b, i) => {
          const y = sy(b.count);
          return (
            <rect
              key={i}
              x={sx(b.x0)}
              y={y}
              width={Math.max(0.5, sx(b.x1) - sx(b.x0) - 0.5)}
              height={TOP + plotH - y}
              fill={color}
              fillOpacity={0.75}
            >
              <title>
                [{formatNumber(b.x0)}, {formatNumber(b.x1)}): {b.count}
              </title>
            </rect>
          );
        })}
        <g data-testid="histogram-y-axis" fontSize={FONT} fill={ink.axis} textAnchor="end">
          <line x1={LEFT} x2={LEFT} y1={TOP} y2={TOP + plotH} stroke={ink.line} />
          {yTicks.map((t) => (
            <g key={t}>
              <line x1={LEFT - 3} x2={LEFT} y1={sy(t)} y2={sy(t)} stroke={ink.line} />
              <text x={LEFT - 5} y={sy(t)} dy="0.35em">
                {formatTick(t, yStep)}
              </text>
            </g>
          ))}
        </g>
        <g data-testid="histogram-x-axis" fontSize={FONT} fill={ink.axis} textAnchor="middle">
          <line x1={LEFT} x2={LEFT + plotW} y1={TOP + plotH} y2={TOP + plotH} stroke={ink.line} />
          {xTicks.map((t) => (
            <g key={t}>
              <line x1={sx(t)} x2={sx(t)} y1={TOP + plotH} y2={TOP + plotH + 3} stroke={ink.line} />
              <text x={sx(t)} y={height - 4}>
                {formatTick(t, xStep)}
              </text>
            </g>
          ))}
        </g>
      </svg>
    </figure>
  );
}
