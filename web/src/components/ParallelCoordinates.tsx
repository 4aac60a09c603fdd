// Parallel coordinates (issue 17): config keys → a metric, one line per run (in its
// colour). Dragging along an axis brushes a range of it; the brushes become an API
// filter the workspace applies to the runs table (and so to the charts); lines outside
// them are drawn faint. Drawn as SVG: a few hundred polylines, no library needed.
import { type PointerEvent, useMemo, useRef, useState } from "react";
import type { Run } from "../api/types";
import { useColorOf } from "../hooks/useRunColors";
import { useChartColors } from "../hooks/useTheme";
import { setHoveredRun, useHoveredRun } from "../hooks/useHoveredRun";
import type { ColumnDef } from "../lib/columns";
import { runDisplayName } from "../lib/columns";
import { formatNumber, formatValue } from "../lib/format";
import type { MongoFilter } from "../lib/mongoFilter";
import { matchesFilter } from "../lib/mongoFilter";
import { type Axis, type Brush, brushesFilter, buildAxis, fieldValue, position, valueAt, varyingConfigKeys } from "../lib/parallelAxes";

const HEIGHT = 260;
const TOP = 24;
const BOTTOM = 28;
const SIDE = 50;
/** Lines drawn at most (SVG slows down past a few thousand); brushing still filters every run. */
const MAX_LINES = 2000;

export interface ParallelCoordinatesProps {
  /** The runs drawn (the table's runs before brushing). */
  runs: Run[];
  catalog: ColumnDef[];
  onFilter: (filter: MongoFilter | null) => void;
}

function axisTicks(axis: Axis): { at: number; text: string }[] {
  if (axis.kind === "category") return axis.categories.map((c) => ({ at: position(axis, c) as number, text: formatValue(c) }));
  return [0, 0.5, 1].map((at) => ({ at, text: formatNumber(valueAt(axis, at)) }));
}

export default function ParallelCoordinates({ runs, catalog, onFilter }: ParallelCoordinatesProps) {
  const colorOf = useColorOf();
  const ink = useChartColors();
  const hovered = useHoveredRun();
  const metrics = useMemo(() => catalog.filter((c) => c.source === "summary").map((c) => c.path), [catalog]);
  const configKeys = useMemo(() => catalog.filter((c) => c.source === "config").map((c) => c.path), [catalog]);
  const defaults = useMemo(() => varyingConfigKeys(runs), [runs]);
  const [chosen, setChosen] = useState<string[] | null>(null);
  const [metric, setMetric] = useState<string>("");
  const [brushes, setBrushes] = useState<Record<string, Brush>>({});
  const [drag, setDrag] = useState<{ field: string; from: number } | null>(null);
  const svg = useRef<SVGSVGElement>(null);

  const metricKey = metric || metrics.find((m) => m === "loss") || metrics[0] || "";
  const fields = useMemo(() => [...(chosen ?? defaults), ...(metricKey ? [`summary.${metricKey}`] : [])], [chosen, defaults, metricKey]);
  const axes = useMemo(() => fields.map((f) => buildAxis(f, runs)).filter((a): a is Axis => a !== null), [fields, runs]);
  const width = Math.max(420, axes.length * 130);
  const xOf = (i: number) => SIDE + (axes.length === 1 ? 0 : (i * (width - 2 * SIDE)) / (axes.length - 1));
  const yOf = (fraction: number) => TOP + (1 - fraction) * (HEIGHT - TOP - BOTTOM);
  const filter = useMemo(() => brushesFilter(axes, brushes), [axes, brushes]);

  const setBrushesAndFilter = (next: Record<string, Brush>) => {
    setBrushes(next);
    onFilter(brushesFilter(axes, next));
  };

  const fractionAt = (event: PointerEvent) => {
    const box = svg.current?.getBoundingClientRect();
    if (!box) return 0;
    const y = event.clientY - box.top;
    return Math.min(1, Math.max(0, 1 - (y - TOP) / (HEIGHT - TOP - BOTTOM)));
  };

  const lines = runs.slice(0, MAX_LINES).map((run) => {
    const points: string[] = [];
    axes.forEach((axis, i) => {
      const p = position(axis, fieldValue(run, axis.field));
      if (p !== null) points.push(`${xOf(i).toFixed(1)},${yOf(p).toFixed(1)}`);
    });
    const inside = filter === null || matchesFilter(run, filter);
    return { run, points: points.join(" "), inside };
  });

  return (
    <div className="parallel" data-testid="parallel-coordinates">
      <div className="panel-head">
        <span className="panel-title">Parallel coordinates</span>
        <label className="panel-log">
          metric
          <select data-testid="pc-metric" value={metricKey} onChange={(e) => setMetric(e.target.value)}>
            {metrics.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        <label className="panel-log">
          add axis
          <select
            data-testid="pc-add-axis"
            value=""
            onChange={(e) => e.target.value && setChosen([...(chosen ?? defaults), `config.${e.target.value}`])}
          >
            <option value="">config key…</option>
            {configKeys
              .filter((k) => !fields.includes(`config.${k}`))
              .map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
          </select>
        </label>
        <button type="button" data-testid="pc-clear" disabled={Object.keys(brushes).length === 0} onClick={() => setBrushesAndFilter({})}>
          Clear brushes
        </button>
      </div>
      <div className="parallel-scroll">
        <svg ref={svg} width={width} height={HEIGHT} data-testid="pc-svg" data-lines={lines.filter((l) => l.inside).length}>
          {lines.map(({ run, points, inside }) => (
            <polyline
              key={run.id}
              points={points}
              fill="none"
              stroke={inside ? colorOf(run) : ink.inactive}
              strokeOpacity={inside ? (hovered && hovered !== run.id ? 0.25 : 0.85) : 0.35}
              strokeWidth={hovered === run.id ? 3 : 1.2}
              data-run={run.id}
              onPointerEnter={() => setHoveredRun(run.id)}
              onPointerLeave={() => setHoveredRun(null)}
            >
              <title>{runDisplayName(run)}</title>
            </polyline>
          ))}
          {axes.map((axis, i) => {
            const brush = brushes[axis.field];
            const draft = drag?.field === axis.field ? brush : undefined;
            return (
              <g key={axis.field} transform={`translate(${xOf(i)},0)`}>
                <line y1={yOf(0)} y2={yOf(1)} stroke={ink.axis} />
                <text y={TOP - 10} textAnchor="middle" fontSize={11} fontWeight={600} fill={ink.text}>
                  {axis.label}
                  {axis.kind === "log" ? " (log)" : ""}
                </text>
                {axisTicks(axis).map((tick) => (
                  <text key={tick.text + tick.at} x={-5} y={yOf(tick.at) + 3} textAnchor="end" fontSize={10} fill={ink.axis}>
                    {tick.text}
                  </text>
                ))}
                {brush && (
                  <rect
                    x={-7}
                    width={14}
                    y={yOf(Math.max(...brush))}
                    height={Math.max(1, yOf(Math.min(...brush)) - yOf(Math.max(...brush)))}
                    style={{ fill: "var(--selection-fill)", stroke: "var(--selection)" }}
                    data-testid={`pc-brush-${axis.field}`}
                    data-draft={draft ? "true" : "false"}
                  />
                )}
                <rect
                  x={-12}
                  width={24}
                  y={yOf(1)}
                  height={yOf(0) - yOf(1)}
                  fill="transparent"
                  style={{ cursor: "ns-resize" }}
                  data-testid={`pc-axis-${axis.field}`}
                  onPointerDown={(e) => {
                    (e.target as Element).setPointerCapture?.(e.pointerId);
                    const at = fractionAt(e);
                    setDrag({ field: axis.field, from: at });
                    setBrushes({ ...brushes, [axis.field]: [at, at] });
                  }}
                  onPointerMove={(e) => {
                    if (drag?.field !== axis.field) return;
                    setBrushes({ ...brushes, [axis.field]: [drag.from, fractionAt(e)] });
                  }}
                  onPointerUp={(e) => {
                    if (drag?.field !== axis.field) return;
                    const to = fractionAt(e);
                    setDrag(null);
                    const next = { ...brushes };
                    // a click without a drag clears the axis's brush
                    if (Math.abs(to - drag.from) < 0.01) delete next[axis.field];
                    else next[axis.field] = [drag.from, to];
                    setBrushesAndFilter(next);
                  }}
                />
              </g>
            );
          })}
        </svg>
      </div>
      {axes.length === 0 && <div className="muted">No config key varies across these runs.</div>}
      {runs.length > MAX_LINES && <div className="muted">Drawing the first {MAX_LINES} of {runs.length} runs.</div>}
    </div>
  );
}
