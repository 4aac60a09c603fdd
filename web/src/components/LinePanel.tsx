// One metric's line panel: header (title, x-axis, log scale), the chart, its
// legend, and notes when the data was reduced or the panel is zoomed.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { MetricKey, Run } from "../api/types";
import { useInView } from "../hooks/useInView";
import { useColorOf } from "../hooks/useRunColors";
import { type Zoom, usePanelSeries } from "../hooks/useSeries";
import { type ChartData, type ChartRun, buildChartData } from "../lib/chartData";
import { describeChart, publishChart, unpublishChart } from "../lib/chartRegistry";
import { runDisplayName } from "../lib/columns";
import { formatNumber } from "../lib/format";
import { type SmoothingSetting, isSmoothing } from "../lib/smoothing";
import type { PanelSettings } from "../lib/workspaceSettings";
import { DEFAULT_X, formatX, xAxisLabel } from "../lib/xAxis";
import UPlotChart from "./UPlotChart";

export interface XAxisOption {
  value: string;
  label: string;
}

export interface LinePanelProps {
  metric: MetricKey;
  runs: Run[];
  x: string;
  xOptions: XAxisOption[];
  panel: PanelSettings;
  smoothing: SmoothingSetting;
  logY: boolean;
  onPanelChange: (key: string, panel: PanelSettings) => void;
}

const HEIGHT = 200;

export default function LinePanel(props: LinePanelProps) {
  const { metric, x, xOptions, panel, logY } = props;
  const key = metric.key;
  return (
    <div className="panel" data-testid={`panel-${key}`} data-x={x}>
      <div className="panel-head">
        <span className="panel-title" title={key}>
          {key}
        </span>
        <select
          className="panel-x"
          data-testid={`xaxis-select-${key}`}
          aria-label={`x-axis of ${key}`}
          value={panel.x ?? DEFAULT_X}
          onChange={(e) => props.onPanelChange(key, { ...panel, x: e.target.value === DEFAULT_X ? undefined : e.target.value })}
        >
          <option value={DEFAULT_X}>Default ({xAxisLabel(x)})</option>
          {xOptions
            .filter((o) => o.value !== key)
            .map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
        </select>
        <label className="panel-log" title="log scale (y)">
          <input
            type="checkbox"
            data-testid={`logscale-${key}`}
            checked={logY}
            onChange={(e) => props.onPanelChange(key, { ...panel, logY: e.target.checked })}
          />
          log
        </label>
      </div>
      <PanelChart key={x} {...props} />
    </div>
  );
}

function PanelChart({ metric, runs, x, smoothing, logY }: LinePanelProps) {
  const key = metric.key;
  const body = useRef<HTMLDivElement>(null);
  const inView = useInView(body);
  const [zoom, setZoom] = useState<Zoom | null>(null);
  const colorOf = useColorOf();
  const { series, loading, error } = usePanelSeries(key, x, runs, zoom, inView);

  const chartRuns = useMemo<ChartRun[]>(
    () =>
      runs.flatMap((run) => {
        const s = series.get(run.id);
        return s && s.x.length > 0 ? [{ run: run.id, label: runDisplayName(run), color: colorOf(run), series: s }] : [];
      }),
    [runs, series, colorOf],
  );
  const data = useMemo(() => buildChartData(chartRuns, { smoothing, logY }), [chartRuns, smoothing, logY]);
  const raw = chartRuns.reduce((n, r) => n + r.series.rawPoints, 0);
  const returned = chartRuns.reduce((n, r) => n + r.series.x.length, 0);
  const reduced = chartRuns.some((r) => r.series.reduced);

  const onDraw = useCallback(
    (drawn: ChartData) =>
      publishChart(
        describeChart(key, drawn, {
          xKey: x,
          zoom,
          logY,
          smoothing: isSmoothing(smoothing) ? smoothing.amount : 0,
          smoothingKind: smoothing.kind,
          reduced,
          rawPoints: raw,
        }),
      ),
    [key, x, zoom, logY, smoothing, reduced, raw],
  );
  useEffect(() => () => unpublishChart(key), [key]);

  return (
    <div className="panel-body" ref={body}>
      {chartRuns.length > 0 ? (
        <UPlotChart
          data={data}
          xKey={x}
          logY={logY}
          zoom={zoom}
          height={HEIGHT}
          syncKey={`runyard-${x}`}
          onZoom={setZoom}
          onResetZoom={() => setZoom(null)}
          onDraw={onDraw}
        />
      ) : (
        <div className="panel-empty" style={{ height: HEIGHT }} data-testid={`panel-empty-${key}`}>
          {error ? error : loading || !inView ? "Loading…" : "No data for the shown runs"}
        </div>
      )}
      <div className="panel-notes">
        {zoom && (
          <span className="zoom-note" data-testid={`zoom-note-${key}`}>
            {xAxisLabel(x)} {formatX(x, zoom.xmin)} – {formatX(x, zoom.xmax)}{" "}
            <button type="button" className="link" data-testid={`zoom-reset-${key}`} onClick={() => setZoom(null)}>
              reset zoom
            </button>
          </span>
        )}
        {reduced && (
          <span className="reduced-note" data-testid={`reduced-note-${key}`} title="each point is the last of its bucket; the band shows the bucket's min and max">
            {formatNumber(returned)} points reduced from {formatNumber(raw)} points (band: min/max)
          </span>
        )}
        {error && chartRuns.length > 0 && <span className="error-note">{error}</span>}
      </div>
      <PanelLegend metric={key} runs={chartRuns} />
    </div>
  );
}

const LEGEND_MAX = 8;

function PanelLegend({ metric, runs }: { metric: string; runs: ChartRun[] }) {
  if (runs.length === 0) return null;
  return (
    <div className="panel-legend" data-testid={`legend-${metric}`}>
      {runs.slice(0, LEGEND_MAX).map((r) => (
        <span key={r.run} className="legend-item" title={r.label}>
          <span className="swatch" style={{ background: r.color }} />
          {r.label}
        </span>
      ))}
      {runs.length > LEGEND_MAX && <span className="legend-more">+{runs.length - LEGEND_MAX} more</span>}
    </div>
  );
}
