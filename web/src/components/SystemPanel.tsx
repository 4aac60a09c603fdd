// One system-metrics panel: a group's lines (per device, or per run and device)
// over the run's runtime, with drag-zoom on the data already held and a legend.
// Draws publish on window.__runyardCharts[`system:<group id>`] like line panels.
import { useCallback, useEffect, useMemo, useState } from "react";
import type { Zoom } from "../hooks/useSeries";
import { type ChartData, type ChartRun, buildChartData } from "../lib/chartData";
import { describeChart, publishChart, unpublishChart } from "../lib/chartRegistry";
import type { SystemGroup } from "../lib/systemMetrics";
import { formatX } from "../lib/xAxis";
import UPlotChart from "./UPlotChart";

const HEIGHT = 180;
const X = "_runtime";
const LEGEND_MAX = 8;

export function systemChartKey(group: SystemGroup): string {
  return `system:${group.id}`;
}

export default function SystemPanel({ group, lines }: { group: SystemGroup; lines: ChartRun[] }) {
  const key = systemChartKey(group);
  const [zoom, setZoom] = useState<Zoom | null>(null);
  const data = useMemo(() => buildChartData(lines, { smoothing: 0, logY: false }), [lines]);
  const points = lines.reduce((n, l) => n + l.series.x.length, 0);
  const onDraw = useCallback(
    (drawn: ChartData) => publishChart(describeChart(key, drawn, { xKey: X, zoom, logY: false, smoothing: 0, reduced: false, rawPoints: points })),
    [key, zoom, points],
  );
  useEffect(() => () => unpublishChart(key), [key]);
  return (
    <div className="panel system-panel" data-testid={`system-panel-${group.id}`} data-lines={lines.length}>
      <div className="panel-head">
        <span className="panel-title" title={group.members.map((m) => m.key).join(", ")}>
          {group.title}
        </span>
      </div>
      <div className="panel-body">
        {lines.length > 0 ? (
          <UPlotChart
            data={data}
            xKey={X}
            logY={false}
            zoom={zoom}
            height={HEIGHT}
            syncKey="runyard-system"
            onZoom={setZoom}
            onResetZoom={() => setZoom(null)}
            onDraw={onDraw}
          />
        ) : (
          <div className="panel-empty" style={{ height: HEIGHT }}>
            No samples for the shown runs
          </div>
        )}
        <div className="panel-notes">
          {zoom && (
            <span className="zoom-note">
              {formatX(X, zoom.xmin)} – {formatX(X, zoom.xmax)}{" "}
              <button type="button" className="link" onClick={() => setZoom(null)}>
                reset zoom
              </button>
            </span>
          )}
        </div>
        {lines.length > 0 && (
          <div className="panel-legend" data-testid={`system-legend-${group.id}`}>
            {lines.slice(0, LEGEND_MAX).map((l) => (
              <span key={l.run} className="legend-item" title={l.label}>
                <span className="swatch" style={{ background: l.color }} />
                {l.label}
              </span>
            ))}
            {lines.length > LEGEND_MAX && <span className="legend-more">+{lines.length - LEGEND_MAX} more</span>}
          </div>
        )}
      </div>
    </div>
  );
}
