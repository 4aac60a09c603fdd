// A uPlot canvas for a ChartData: lines, faint raw lines, min/max bands; drag to
// zoom (reported, not applied: the panel re-fetches the range), double-click to
// reset, a tooltip listing every run's value, and a cursor synced across panels.
// `emphasis` (a hovered run or group line) is drawn thicker and everything else faded;
// the `baseline` run (issue 17) is drawn thicker and dashed while nothing is hovered.
import { useEffect, useLayoutEffect, useRef, useState } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Zoom } from "../hooks/useSeries";
import type { ChartData } from "../lib/chartData";
import { formatNumber } from "../lib/format";
import { type ChartStyle, chartColors, outlierRange } from "../lib/chartStyle";
import { formatX, isDurationAxis, isTimeAxis, xAxisLabel } from "../lib/xAxis";

export interface UPlotChartProps {
  data: ChartData;
  xKey: string;
  logY: boolean;
  zoom: Zoom | null;
  height: number;
  syncKey: string;
  onZoom: (zoom: Zoom) => void;
  onResetZoom: () => void;
  /** The run (or group line) id to emphasise; the other lines fade. */
  emphasis?: string | null;
  /** The baseline run: drawn thicker and dashed (hovering another run still wins). */
  baseline?: string | null;
  /** Called after each draw with the data drawn. */
  onDraw?: (data: ChartData) => void;
  /** The panel's own drawing settings (issue 18): line/area/bar, y range, axis titles. */
  style?: ChartStyle;
}

/** Re-render when the page's theme changes (the canvas' axis colours are literals). */
function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    const bump = () => setVersion((v) => v + 1);
    window.addEventListener("runyard:theme", bump);
    return () => window.removeEventListener("runyard:theme", bump);
  }, []);
  return version;
}

function structureOf(data: ChartData): string {
  const columns = data.columns.map((c) => `${c.kind}|${c.run}|${c.color}|${c.label}`).join(";");
  const bands = data.bands.map((b) => `${b.upper}-${b.lower}`).join(",");
  return `${columns}#${bands}`;
}

const FADED = 0.15;
const LINE_WIDTH = 1.5;
const EMPHASISED_WIDTH = 3;
const BASELINE_DASH = [8, 4];

/** Fade every column but the emphasised run's, and thicken its line; the baseline run's
 * line is thick and dashed (read at draw time by uPlot). What uPlot now holds is written
 * on the box (`data-emphasis`: the runs drawn thick, `data-faded`: how many lines are
 * faded, `data-baseline`: the run drawn dashed) for tests. */
function applyEmphasis(
  u: uPlot,
  data: ChartData,
  emphasis: string | null,
  baseline: string | null,
  box: HTMLElement | null,
): void {
  data.columns.forEach((column, c) => {
    const s = u.series[c + 1];
    if (!s) return;
    const mine = emphasis === null || column.run === emphasis;
    s.alpha = mine ? 1 : FADED;
    if (column.kind !== "line") return;
    const isBaseline = baseline !== null && column.run === baseline;
    s.width = (emphasis !== null && mine) || (isBaseline && emphasis === null) ? EMPHASISED_WIDTH : LINE_WIDTH;
    s.dash = isBaseline ? BASELINE_DASH : undefined;
  });
  u.redraw(false, false);
  if (!box) return;
  const lines = data.columns.map((column, c) => ({ column, s: u.series[c + 1] })).filter(({ column, s }) => s && column.kind === "line");
  box.dataset.emphasis = lines.filter(({ s }) => s.width === EMPHASISED_WIDTH).map(({ column }) => column.run).join(",");
  box.dataset.faded = String(lines.filter(({ s }) => (s.alpha ?? 1) < 1).length);
  box.dataset.baseline = lines.filter(({ s }) => s.dash !== undefined).map(({ column }) => column.run).join(",");
}

function aligned(data: ChartData): uPlot.AlignedData {
  return [data.x, ...data.columns.map((c) => c.values)] as uPlot.AlignedData;
}

function makeTooltip(container: HTMLElement): HTMLDivElement {
  const tip = document.createElement("div");
  tip.className = "chart-tooltip";
  tip.style.display = "none";
  container.appendChild(tip);
  return tip;
}

function fillTooltip(u: uPlot, tip: HTMLDivElement, data: ChartData, xKey: string): void {
  const idx = u.cursor.idx;
  if (idx === null || idx === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
    tip.style.display = "none";
    return;
  }
  const idxs = (u.cursor as { idxs?: (number | null)[] }).idxs ?? [];
  const rows: { label: string; color: string; value: number; x: number }[] = [];
  data.columns.forEach((column, c) => {
    if (column.kind !== "line") return;
    const i = idxs[c + 1] ?? idx;
    const value = i === null ? null : column.values[i];
    if (value !== null && value !== undefined) rows.push({ label: column.label, color: column.color, value, x: data.x[i as number] });
  });
  if (rows.length === 0) {
    tip.style.display = "none";
    return;
  }
  rows.sort((a, b) => b.value - a.value);
  tip.replaceChildren();
  const head = document.createElement("div");
  head.className = "chart-tooltip-x";
  head.textContent = formatX(xKey, data.x[idx]);
  tip.appendChild(head);
  for (const row of rows.slice(0, 20)) {
    const line = document.createElement("div");
    line.className = "chart-tooltip-row";
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = row.color;
    const label = document.createElement("span");
    label.className = "chart-tooltip-label";
    label.textContent = row.label;
    const value = document.createElement("span");
    value.className = "chart-tooltip-value";
    value.textContent = formatNumber(row.value);
    line.append(swatch, label, value);
    tip.appendChild(line);
  }
  if (rows.length > 20) {
    const more = document.createElement("div");
    more.className = "chart-tooltip-more";
    more.textContent = `+${rows.length - 20} more`;
    tip.appendChild(more);
  }
  tip.style.display = "block";
  const left = u.cursor.left + u.over.offsetLeft;
  const width = tip.offsetWidth;
  const room = u.over.offsetLeft + u.over.clientWidth;
  tip.style.left = `${left + 12 + width > room ? Math.max(0, left - width - 12) : left + 12}px`;
  tip.style.top = `${Math.max(0, (u.cursor.top ?? 0) + u.over.offsetTop - 10)}px`;
}

export default function UPlotChart(props: UPlotChartProps) {
  const { data, xKey, logY, zoom, height, syncKey } = props;
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const style = props.style ?? {};
  const styleKey = JSON.stringify(style);
  const themeVersion = useThemeVersion();
  const structure = structureOf(data);

  // The chart is made and drawn in layout effects, in the commit that mounts or changes
  // it, not after the browser's next paint (a frame later, and on a busy page the paint
  // of everything else first): a workspace's first panel is drawn as soon as its data is.
  useLayoutEffect(() => {
    const container = box.current;
    if (!container) return;
    const current = latest.current.data;
    const tip = makeTooltip(container);
    let hovering = false;
    const colors = chartColors();
    const kind = style.kind ?? "line";
    const bars = kind === "bar" && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 24] }) : undefined;
    const series: uPlot.Series[] = [
      { label: xKey },
      ...current.columns.map((column): uPlot.Series => {
        const line = column.kind === "line" || column.kind === "raw";
        return {
          label: column.label,
          stroke: line ? column.color : "transparent",
          width: column.kind === "line" ? LINE_WIDTH : line ? 1 : 0,
          ...(column.kind === "line" && kind === "area" ? { fill: `${column.color}40` } : {}),
          ...(column.kind === "line" && bars ? { paths: bars, fill: `${column.color}99` } : {}),
          spanGaps: true,
          points: { show: false },
        };
      }),
    ];
    const options: uPlot.Options = {
      width: Math.max(100, container.clientWidth),
      height,
      legend: { show: false },
      series,
      bands: current.bands.map((b) => ({ series: [b.upper + 1, b.lower + 1], fill: b.fill })),
      scales: {
        x: { time: isTimeAxis(xKey) },
        y: {
          ...(logY ? { distr: 3, log: 10 } : { distr: 1 }),
          ...(style.yMin !== undefined || style.yMax !== undefined || style.ignoreOutliers
            ? {
                range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => {
                  const robust = style.ignoreOutliers ? outlierRange(latest.current.data) : null;
                  const lo = style.yMin ?? robust?.[0] ?? min;
                  const hi = style.yMax ?? robust?.[1] ?? max;
                  return hi > lo ? [lo, hi] : [min, max];
                },
              }
            : {}),
        },
      },
      axes: [
        {
          stroke: colors.axis,
          grid: { stroke: colors.grid },
          ticks: { stroke: colors.tick },
          label: style.xTitle ?? xAxisLabel(xKey),
          labelSize: 18,
          labelFont: "11px system-ui, sans-serif",
          ...(isDurationAxis(xKey) || !isTimeAxis(xKey)
            ? { values: (_u: uPlot, splits: number[]) => splits.map((v) => (v === null ? "" : formatX(xKey, v))) }
            : {}),
        },
        {
          stroke: colors.axis,
          grid: { stroke: colors.grid },
          ticks: { stroke: colors.tick },
          size: 56,
          ...(style.yTitle ? { label: style.yTitle, labelSize: 18, labelFont: "11px system-ui, sans-serif" } : {}),
          values: (_u: uPlot, splits: number[]) => splits.map((v) => (v === null ? "" : formatNumber(v))),
        },
      ],
      cursor: {
        // the cursor moves together across panels; drag-zoom and double-click stay per panel
        sync: { key: syncKey, setSeries: false, filters: { pub: (type: string) => type === "mousemove" } },
        drag: { x: true, y: false, setScale: false },
        hover: { skip: [null, undefined] },
        points: { show: false },
        bind: { dblclick: () => null },
      },
      hooks: {
        // the y range drawn, for tests of a panel's y range and outlier setting
        draw: [
          (u) => {
            container.dataset.yrange = `${u.scales.y.min ?? ""},${u.scales.y.max ?? ""}`;
            container.dataset.axisTitles = u.axes.map((axis) => String(axis.label ?? "")).join("|");
          },
        ],
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width > 3) {
              const xmin = u.posToVal(left, "x");
              const xmax = u.posToVal(left + width, "x");
              if (Number.isFinite(xmin) && Number.isFinite(xmax) && xmax > xmin) latest.current.onZoom({ xmin, xmax });
            }
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
        setCursor: [
          (u) => {
            if (hovering) fillTooltip(u, tip, latest.current.data, xKey);
          },
        ],
      },
    };
    const u = new uPlot(options, aligned(current), container);
    plot.current = u;
    const enter = () => {
      hovering = true;
    };
    const leave = () => {
      hovering = false;
      tip.style.display = "none";
    };
    const dblclick = () => latest.current.onResetZoom();
    u.over.addEventListener("mouseenter", enter);
    u.over.addEventListener("mouseleave", leave);
    u.over.addEventListener("dblclick", dblclick);
    const resize = new ResizeObserver(() => {
      const width = Math.max(100, container.clientWidth);
      if (width !== u.width) u.setSize({ width, height });
    });
    resize.observe(container);
    return () => {
      resize.disconnect();
      u.over.removeEventListener("mouseenter", enter);
      u.over.removeEventListener("mouseleave", leave);
      u.over.removeEventListener("dblclick", dblclick);
      u.destroy();
      tip.remove();
      plot.current = null;
    };
  }, [structure, xKey, logY, height, syncKey, styleKey, themeVersion]);

  useLayoutEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(aligned(data), !zoom);
    if (zoom) u.setScale("x", { min: zoom.xmin, max: zoom.xmax });
    applyEmphasis(u, data, latest.current.emphasis ?? null, latest.current.baseline ?? null, box.current);
    latest.current.onDraw?.(data);
  }, [data, zoom, structure, xKey, logY, height, syncKey, styleKey, themeVersion]);

  const emphasis = props.emphasis ?? null;
  const baseline = props.baseline ?? null;
  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    applyEmphasis(u, latest.current.data, emphasis, baseline, box.current);
    latest.current.onDraw?.(latest.current.data);
  }, [emphasis, baseline, structure]);

  return <div className="uplot-box" ref={box} data-chart-kind={style.kind ?? "line"} />;
}
