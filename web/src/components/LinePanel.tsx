// One metric's line panel: header (title, x-axis, log scale, smoothing), the chart,
// its legend, and notes when the data was reduced or the panel is zoomed. When the
// workspace groups runs, the panel draws one line per group (the aggregate, with
// its band) from GET /groups instead of one per run. Hovering a legend entry (or a
// run in the runs table) emphasises that line in every panel.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { MetricKey, Run } from "../api/types";
import { useInView } from "../hooks/useInView";
import { useColorOf } from "../hooks/useRunColors";
import { type GroupingScope, useGroupLines, useGroupingContext } from "../hooks/useGroups";
import { setHoveredRun, useHoveredRun } from "../hooks/useHoveredRun";
import { type Zoom, usePanelSeries } from "../hooks/useSeries";
import { type ChartData, type ChartRun, buildChartData, groupChartRun } from "../lib/chartData";
import { type PublishedChart, describeChart, publishChart, unpublishChart } from "../lib/chartRegistry";
import { runDisplayName } from "../lib/columns";
import { formatNumber } from "../lib/format";
import { groupKey, groupLabel, groupLineId } from "../lib/grouping";
import { SMOOTHING_KINDS, SMOOTHING_LABELS, type SmoothingKind, type SmoothingSetting, isSmoothing, readSmoothing } from "../lib/smoothing";
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
        <PanelSmoothing metric={key} panel={panel} onPanelChange={props.onPanelChange} />
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
      <PanelBody key={x} {...props} />
    </div>
  );
}

function PanelBody(props: LinePanelProps) {
  const grouping = useGroupingContext();
  return grouping ? <GroupedChart {...props} scope={grouping} /> : <PanelChart {...props} />;
}

/** The panel's own smoothing: "workspace" (inherit) or a kind with its amount. */
function PanelSmoothing({ metric, panel, onPanelChange }: Pick<LinePanelProps, "panel" | "onPanelChange"> & { metric: string }) {
  const own = panel.smoothing;
  return (
    <span className="panel-smoothing">
      <select
        data-testid={`smoothing-select-${metric}`}
        aria-label={`smoothing of ${metric}`}
        title="smoothing of this panel"
        value={own ? own.kind : ""}
        onChange={(e) => {
          const kind = e.target.value as SmoothingKind | "";
          const smoothing = kind ? readSmoothing({ kind, amount: own?.amount ?? (kind === "running_average" ? 10 : 0.6) }) : undefined;
          onPanelChange(metric, { ...panel, smoothing });
        }}
      >
        <option value="">smoothing: workspace</option>
        {SMOOTHING_KINDS.map((k) => (
          <option key={k} value={k}>
            {SMOOTHING_LABELS[k]}
          </option>
        ))}
      </select>
      {own && own.kind !== "none" && (
        <input
          type="number"
          className="panel-smoothing-amount"
          data-testid={`smoothing-amount-${metric}`}
          aria-label={`smoothing amount of ${metric}`}
          step={own.kind === "running_average" ? 1 : own.kind === "gaussian" ? 0.5 : 0.01}
          value={own.amount}
          onChange={(e) => onPanelChange(metric, { ...panel, smoothing: readSmoothing({ kind: own.kind, amount: Number(e.target.value) }) })}
        />
      )}
    </span>
  );
}

interface ChartFrameProps {
  metric: string;
  x: string;
  logY: boolean;
  smoothing: SmoothingSetting;
  chartRuns: ChartRun[];
  /** Extra fields published with the chart (grouping) and per-series additions. */
  extra?: Partial<PublishedChart>;
  seriesExtra?: Map<string, Record<string, unknown>>;
  zoom: Zoom | null;
  setZoom: (zoom: Zoom | null) => void;
  empty: string;
  error: string | null;
  body: React.RefObject<HTMLDivElement | null>;
}

/** The chart, its notes and legend: shared by per-run and grouped panels. */
function ChartFrame(props: ChartFrameProps) {
  const { metric: key, x, logY, smoothing, chartRuns, extra, seriesExtra, zoom, setZoom, empty, error, body } = props;
  const hovered = useHoveredRun();
  const data = useMemo(() => buildChartData(chartRuns, { smoothing, logY }), [chartRuns, smoothing, logY]);
  const raw = chartRuns.reduce((n, r) => n + r.series.rawPoints, 0);
  const returned = chartRuns.reduce((n, r) => n + r.series.x.length, 0);
  const reduced = !extra?.grouped && chartRuns.some((r) => r.series.reduced);
  const emphasis = hovered !== null && chartRuns.some((r) => r.run === hovered) ? hovered : null;

  const onDraw = useCallback(
    (drawn: ChartData) => {
      const chart = describeChart(key, drawn, {
        xKey: x,
        zoom,
        logY,
        smoothing: isSmoothing(smoothing) ? smoothing.amount : 0,
        smoothingKind: smoothing.kind,
        reduced,
        rawPoints: raw,
        hovered: emphasis,
        ...extra,
      });
      if (isSmoothing(smoothing)) {
        const unsmoothed = drawnRaw(drawn);
        for (const s of chart.series) s.unsmoothed = unsmoothed.get(s.run);
      }
      if (seriesExtra) for (const s of chart.series) Object.assign(s, seriesExtra.get(s.run));
      publishChart(chart);
    },
    [key, x, zoom, logY, smoothing, reduced, raw, emphasis, extra, seriesExtra],
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
          emphasis={emphasis}
          onZoom={setZoom}
          onResetZoom={() => setZoom(null)}
          onDraw={onDraw}
        />
      ) : (
        <div className="panel-empty" style={{ height: HEIGHT }} data-testid={`panel-empty-${key}`}>
          {error ?? empty}
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
        {extra?.grouped && (
          <span className="group-note" data-testid={`group-note-${key}`}>
            {extra.agg} of {formatNumber(chartRuns.reduce((n, r) => n + Number(seriesExtra?.get(r.run)?.count ?? 0), 0))} runs
            {extra.band !== "none" ? ` (band: ${BAND_NAMES[extra.band ?? "none"]})` : ""}
          </span>
        )}
        {error && chartRuns.length > 0 && <span className="error-note">{error}</span>}
      </div>
      <PanelLegend metric={key} runs={chartRuns} hovered={emphasis} />
    </div>
  );
}

const BAND_NAMES: Record<string, string> = { minmax: "min–max", std: "± std dev", stderr: "± std error", none: "none" };

/** Each line's unsmoothed points (the faint raw columns). */
function drawnRaw(data: ChartData): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const column of data.columns) {
    if (column.kind !== "raw") continue;
    const points: [number, number][] = [];
    column.values.forEach((v, i) => {
      if (v !== null) points.push([data.x[i], v]);
    });
    out.set(column.run, points);
  }
  return out;
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
  return (
    <ChartFrame
      metric={key}
      x={x}
      logY={logY}
      smoothing={smoothing}
      chartRuns={chartRuns}
      zoom={zoom}
      setZoom={setZoom}
      empty={loading || !inView ? "Loading…" : "No data for the shown runs"}
      error={error}
      body={body}
    />
  );
}

/** One line per group: the aggregate over the group's runs with its band, from GET /groups
 * (aggregated by the server over every run's full series). Zoom narrows the view only. */
function GroupedChart({ metric, x, smoothing, logY, scope }: LinePanelProps & { scope: GroupingScope }) {
  const key = metric.key;
  const body = useRef<HTMLDivElement>(null);
  const inView = useInView(body);
  const [zoom, setZoom] = useState<Zoom | null>(null);
  const { data, colors, loading, error } = useGroupLines(scope, key, x, inView);

  const { chartRuns, seriesExtra } = useMemo(() => {
    const runs: ChartRun[] = [];
    const more = new Map<string, Record<string, unknown>>();
    for (const group of data?.groups ?? []) {
      const line = group.series.find((s) => s.key === key);
      if (!line || line.x.length === 0) continue;
      const gkey = groupKey(data!.by, group.values);
      const id = groupLineId(gkey);
      const label = `${groupLabel(data!.by, group.values)} (${group.count})`;
      runs.push(groupChartRun(id, label, colors.get(gkey) ?? "#888", line, data!.band !== "none"));
      more.set(id, { group: { key: gkey, values: group.values, count: group.count, runs: group.runs }, count: group.count });
    }
    return { chartRuns: runs, seriesExtra: more };
  }, [data, colors, key]);
  const extra = useMemo<Partial<PublishedChart>>(
    () => ({ grouped: true, by: data?.by ?? scope.by, agg: data?.agg ?? scope.agg, band: data?.band ?? scope.band }),
    [data, scope],
  );
  return (
    <ChartFrame
      metric={key}
      x={x}
      logY={logY}
      smoothing={smoothing}
      chartRuns={chartRuns}
      extra={extra}
      seriesExtra={seriesExtra}
      zoom={zoom}
      setZoom={setZoom}
      empty={loading || !inView ? "Loading…" : "No data for the grouped runs"}
      error={error}
      body={body}
    />
  );
}

const LEGEND_MAX = 8;

function PanelLegend({ metric, runs, hovered }: { metric: string; runs: ChartRun[]; hovered: string | null }) {
  if (runs.length === 0) return null;
  return (
    <div className="panel-legend" data-testid={`legend-${metric}`} onMouseLeave={() => setHoveredRun(null)}>
      {runs.slice(0, LEGEND_MAX).map((r) => (
        <span
          key={r.run}
          className={r.run === hovered ? "legend-item hovered" : "legend-item"}
          title={r.label}
          data-testid={`legend-item-${metric}-${r.run}`}
          onMouseEnter={() => setHoveredRun(r.run)}
          onMouseLeave={() => setHoveredRun(null)}
        >
          <span className="swatch" style={{ background: r.color }} />
          {r.label}
        </span>
      ))}
      {runs.length > LEGEND_MAX && <span className="legend-more">+{runs.length - LEGEND_MAX} more</span>}
    </div>
  );
}
