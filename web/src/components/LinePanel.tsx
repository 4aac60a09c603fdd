// One metric's line panel: header (title, x-axis, log scale, smoothing), the chart,
// its legend, and notes when the data was reduced or the panel is zoomed. When the
// workspace groups runs, the panel draws one line per group (the aggregate, with
// its band) from GET /groups instead of one per run. Hovering a legend entry (or a
// run in the runs table) emphasises that line in every panel.
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { MetricKey, Run } from "../api/types";
import { useInView } from "../hooks/useInView";
import { useColorOf } from "../hooks/useRunColors";
import { type GroupingScope, useGroupLines, useGroupingContext } from "../hooks/useGroups";
import { useBaselineRun } from "../hooks/useBaselineRun";
import { setHoveredRun, useHoveredRun } from "../hooks/useHoveredRun";
import { type SeriesLoader, SeriesLoaderContext, SERIES_POINTS, type Zoom, useEagerPanel, usePanelDensity, usePanelSeries } from "../hooks/useSeries";
import { usePanelZoom } from "../hooks/useViewZoom";
import { metricColors } from "../lib/chartStyle";
import { chartStyleOf } from "../lib/panelLayout";
import { type RunSeries, fromApi } from "../lib/seriesMerge";
import { type ChartData, type ChartRun, buildChartData, groupChartRun } from "../lib/chartData";
import { type PublishedChart, describeChart, publishChart, unpublishChart } from "../lib/chartRegistry";
import { runDisplayName } from "../lib/columns";
import { formatNumber } from "../lib/format";
import { groupKey, groupLabel, groupLineId } from "../lib/grouping";
import { SMOOTHING_KINDS, SMOOTHING_LABELS, type SmoothingKind, type SmoothingSetting, isSmoothing, readSmoothing } from "../lib/smoothing";
import type { PanelSettings } from "../lib/workspaceSettings";
import { BUILTIN_X_AXES, formatX, xAxisLabel } from "../lib/xAxis";
import { DENSITY_THRESHOLD, higherIsBetter } from "../lib/seriesDensity";
import DensityChart from "./DensityPanel";
import UPlotChart from "./UPlotChart";
import XAxisSelect from "./XAxisSelect";

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
  /** The panel's id (an added panel's; the metric key otherwise): test ids and zoom. */
  id?: string;
  /** An added panel's metrics (chosen by its regex): one line per run and metric. */
  metrics?: MetricKey[];
  /** The panel's toolbar (full screen, edit, exports…), drawn in its head. */
  tools?: React.ReactNode;
  height?: number;
  className?: string;
  /** Drag-and-drop and resize handlers from the grid. */
  frameProps?: React.HTMLAttributes<HTMLDivElement>;
}

const HEIGHT = 200;

export default function LinePanel(props: LinePanelProps) {
  const { metric, x, xOptions, panel, logY } = props;
  const key = props.id ?? metric.key;
  const title = panel.title ?? (props.metrics ? props.metrics.map((m) => m.key).join(", ") || "(no metrics match)" : key);
  return (
    <div
      className={`panel panel-size-${panel.size ?? "m"}${props.className ? ` ${props.className}` : ""}`}
      data-testid={`panel-${key}`}
      data-x={x}
      data-panel-id={key}
      {...props.frameProps}
    >
      <div className="panel-head">
        <span className="panel-title" title={title} data-testid={`panel-title-${key}`}>
          {title}
        </span>
        <XAxisSelect
          panelKey={key}
          value={panel.x}
          defaultLabel={`Default (${xAxisLabel(x)})`}
          options={xOptions}
          builtins={BUILTIN_X_AXES.length}
          onChange={(value) => props.onPanelChange(key, { ...panel, x: value })}
        />
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
        {props.tools}
      </div>
      <PanelBody key={x} {...props} />
    </div>
  );
}

function PanelBody(props: LinePanelProps) {
  const grouping = useGroupingContext();
  if (props.metrics) return <MultiMetricChart {...props} metrics={props.metrics} />;
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
  panel?: PanelSettings;
  height?: number;
}

/** The chart, its notes and legend: shared by per-run and grouped panels. */
function ChartFrame(props: ChartFrameProps) {
  const { metric: key, x, logY, smoothing, chartRuns, extra, seriesExtra, zoom, setZoom, empty, error, body } = props;
  const height = props.height ?? HEIGHT;
  const look = props.panel ?? {};
  const style = useMemo(() => chartStyleOf(look), [look]);
  const hovered = useHoveredRun();
  const data = useMemo(() => buildChartData(chartRuns, { smoothing, logY }), [chartRuns, smoothing, logY]);
  const raw = chartRuns.reduce((n, r) => n + r.series.rawPoints, 0);
  const returned = chartRuns.reduce((n, r) => n + r.series.x.length, 0);
  const reduced = !extra?.grouped && chartRuns.some((r) => r.series.reduced);
  const emphasis = hovered !== null && chartRuns.some((r) => r.run === hovered) ? hovered : null;
  const baselineId = useBaselineRun();
  const baseline = baselineId !== null && chartRuns.some((r) => r.run === baselineId) ? baselineId : null;

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
        baseline,
        ...extra,
      });
      if (isSmoothing(smoothing)) {
        const unsmoothed = drawnRaw(drawn);
        for (const s of chart.series) s.unsmoothed = unsmoothed.get(s.run);
      }
      if (seriesExtra) for (const s of chart.series) Object.assign(s, seriesExtra.get(s.run));
      publishChart(chart);
    },
    [key, x, zoom, logY, smoothing, reduced, raw, emphasis, baseline, extra, seriesExtra],
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
          height={height}
          style={style}
          syncKey={`runyard-${x}`}
          emphasis={emphasis}
          baseline={baseline}
          onZoom={setZoom}
          onResetZoom={() => setZoom(null)}
          onDraw={onDraw}
        />
      ) : (
        <div className="panel-empty" style={{ height }} data-testid={`panel-empty-${key}`}>
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
      {look.legend !== false && <PanelLegend metric={key} runs={chartRuns} hovered={emphasis} baseline={baseline} />}
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

function PanelChart({ metric, runs, x, smoothing, logY, panel, height, id }: LinePanelProps) {
  const key = metric.key;
  const body = useRef<HTMLDivElement>(null);
  const eager = useEagerPanel();
  const inView = useInView(body) || eager;
  const [zoom, setZoom] = usePanelZoom(id ?? key);
  const colorOf = useColorOf();
  // From DENSITY_THRESHOLD runs on the panel draws their density (from the server), with the
  // best, baseline and hovered runs as lines on top; the toggle draws every line instead.
  const [view, setView] = useState<"auto" | "lines" | "density">("auto");
  const dense = view === "density" || (view === "auto" && runs.length >= DENSITY_THRESHOLD);
  const hovered = useHoveredRun();
  const baseline = useBaselineRun();
  const density = usePanelDensity(key, x, runs, logY, higherIsBetter(key), dense && inView);
  const top = useMemo(() => {
    if (!dense) return [];
    const shown = new Set(runs.map((r) => r.id));
    const ids = [...(density.density?.best ?? []).slice().reverse(), baseline, hovered];
    return [...new Set(ids.filter((id): id is string => id !== null && shown.has(id)))];
  }, [dense, runs, density.density, baseline, hovered]);
  const drawnRuns = useMemo(() => (dense ? top.flatMap((id) => runs.find((r) => r.id === id) ?? []) : runs), [dense, top, runs]);
  const { series, loading, error } = usePanelSeries(key, x, drawnRuns, dense ? null : zoom, inView);

  const chartRuns = useMemo<ChartRun[]>(
    () =>
      drawnRuns.flatMap((run) => {
        const s = series.get(run.id);
        return s && s.x.length > 0 ? [{ run: run.id, label: runDisplayName(run), color: colorOf(run), series: s }] : [];
      }),
    [drawnRuns, series, colorOf],
  );
  if (dense) {
    return (
      <div ref={body}>
        {density.density ? (
          <DensityChart
            metric={id ?? key}
            x={x}
            logY={logY}
            density={density.density}
            lines={chartRuns}
            hovered={hovered}
            height={height ?? HEIGHT}
            loading={loading || density.loading}
            onShowLines={() => setView("lines")}
          />
        ) : (
          <div className="panel-empty" style={{ height: height ?? HEIGHT }} data-testid={`panel-empty-${id ?? key}`}>
            {density.error ?? "Loading…"}
          </div>
        )}
        {(error ?? (density.density && density.error)) && <span className="error-note">{error ?? density.error}</span>}
      </div>
    );
  }
  return (
    <>
      <ChartFrame
        metric={id ?? key}
        x={x}
        logY={logY}
        smoothing={smoothing}
        chartRuns={chartRuns}
        zoom={zoom}
        setZoom={setZoom}
        panel={panel}
        height={height}
        empty={loading || !inView ? "Loading…" : "No data for the shown runs"}
        error={error}
        body={body}
      />
      {runs.length >= DENSITY_THRESHOLD && (
        <div className="panel-notes">
          <button type="button" className="link" data-testid={`density-toggle-${id ?? key}`} onClick={() => setView("density")}>
            density view of the {formatNumber(runs.length)} runs
          </button>
        </div>
      )}
    </>
  );
}

/** One line per group: the aggregate over the group's runs with its band, from GET /groups
 * (aggregated by the server over every run's full series). Zoom narrows the view only. */
function GroupedChart({ metric, x, smoothing, logY, scope, panel, height, id }: LinePanelProps & { scope: GroupingScope }) {
  const key = metric.key;
  const body = useRef<HTMLDivElement>(null);
  const inView = useInView(body);
  const [zoom, setZoom] = usePanelZoom(id ?? key);
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
      metric={id ?? key}
      x={x}
      logY={logY}
      smoothing={smoothing}
      chartRuns={chartRuns}
      extra={extra}
      seriesExtra={seriesExtra}
      zoom={zoom}
      setZoom={setZoom}
      panel={panel}
      height={height}
      empty={loading || !inView ? "Loading…" : "No data for the grouped runs"}
      error={error}
      body={body}
    />
  );
}

/** The series of several metrics for the panel's runs (one loader request per metric). */
function useMultiSeries(load: SeriesLoader | null, metrics: readonly MetricKey[], x: string, runs: readonly Run[], zoom: Zoom | null, enabled: boolean) {
  const [state, setState] = useState<{ series: Map<string, RunSeries>; loading: boolean; error: string | null }>({
    series: new Map(),
    loading: true,
    error: null,
  });
  const ids = runs.map((r) => `${r.id}:${r.last_step ?? ""}`).join(",");
  const keys = metrics.map((m) => m.key).join("\n");
  useEffect(() => {
    if (!enabled || !load) return;
    let alive = true;
    const runIds = runs.map((r) => r.id);
    if (runIds.length === 0 || metrics.length === 0) {
      setState({ series: new Map(), loading: false, error: null });
      return;
    }
    Promise.all(
      metrics.map((m) =>
        load({ runs: runIds, key: m.key, x, points: SERIES_POINTS, ...(zoom ? { xmin: zoom.xmin, xmax: zoom.xmax } : {}) }).then((all) =>
          all.map((s) => [`${s.run}\u0000${m.key}`, fromApi(s)] as const),
        ),
      ),
    )
      .then((lists) => alive && setState({ series: new Map(lists.flat()), loading: false, error: null }))
      .catch((e: unknown) => alive && setState((st) => ({ ...st, loading: false, error: String(e) })));
    return () => {
      alive = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [load, keys, x, ids, zoom, enabled]);
  return state;
}

/** An added panel: one line per run and metric of its regex. */
function MultiMetricChart({ metrics, runs, x, smoothing, logY, panel, height, id, metric }: LinePanelProps & { metrics: MetricKey[] }) {
  const key = id ?? metric.key;
  const body = useRef<HTMLDivElement>(null);
  const inView = useInView(body);
  const [zoom, setZoom] = usePanelZoom(key);
  const colorOf = useColorOf();
  const load = useContext(SeriesLoaderContext);
  const { series, loading, error } = useMultiSeries(load, metrics, x, runs, zoom, inView);
  const chartRuns = useMemo<ChartRun[]>(
    () =>
      metrics.flatMap((m, i) =>
        runs.flatMap((run) => {
          const s = series.get(`${run.id}\u0000${m.key}`);
          if (!s || s.x.length === 0) return [];
          const color = metrics.length > 1 && runs.length === 1 ? metricColors()[i % metricColors().length] : colorOf(run);
          const label = metrics.length > 1 ? `${runDisplayName(run)} · ${m.key}` : runDisplayName(run);
          return [{ run: `${run.id}|${m.key}`, label, color, series: s }];
        }),
      ),
    [metrics, runs, series, colorOf],
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
      panel={panel}
      height={height}
      empty={metrics.length === 0 ? "No metric matches this panel's expression" : loading || !inView ? "Loading…" : "No data for the shown runs"}
      error={error}
      body={body}
    />
  );
}

const LEGEND_MAX = 8;
/** The baseline run's legend swatch: outlined with a dash, as its line is dashed. */
const SWATCH_BASELINE = { outlineStyle: "dashed", outlineWidth: 2, outlineOffset: 1 } as const;

interface PanelLegendProps {
  metric: string;
  runs: ChartRun[];
  hovered: string | null;
  baseline: string | null;
}

function PanelLegend({ metric, runs, hovered, baseline }: PanelLegendProps) {
  if (runs.length === 0) return null;
  return (
    <div className="panel-legend" data-testid={`legend-${metric}`} onMouseLeave={() => setHoveredRun(null)}>
      {runs.slice(0, LEGEND_MAX).map((r) => (
        <span
          key={r.run}
          className={`legend-item${r.run === hovered ? " hovered" : ""}${r.run === baseline ? " baseline" : ""}`}
          title={r.run === baseline ? `${r.label} (baseline)` : r.label}
          data-testid={`legend-item-${metric}-${r.run}`}
          onMouseEnter={() => setHoveredRun(r.run)}
          onMouseLeave={() => setHoveredRun(null)}
        >
          <span className="swatch" style={r.run === baseline ? { ...SWATCH_BASELINE, background: r.color, outlineColor: r.color } : { background: r.color }} />
          {r.label}
        </span>
      ))}
      {runs.length > LEGEND_MAX && <span className="legend-more">+{runs.length - LEGEND_MAX} more</span>}
    </div>
  );
}
