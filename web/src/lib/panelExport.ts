// A panel exported as files (issue 18): its data as CSV (the stored points, not the
// smoothed or reduced drawing) and its drawing as SVG (from what the chart published:
// lines, axes, title, legend). Pure: strings out; the download glue is in PanelTools.
import type { JsonValue, Series } from "../api/types";
import type { PublishedChart } from "./chartRegistry";
import { pageColors } from "./chartStyle";
import { formatNumber } from "./format";

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per point: run id, run name, metric, x, value (points with no value left out). */
export function seriesCsv(xKey: string, series: readonly Series[], names: ReadonlyMap<string, string>): string {
  const rows = [["run", "name", "metric", xKey, "value"].map(csvCell).join(",")];
  for (const s of series) {
    s.x.forEach((x, i) => {
      const y = s.y[i];
      if (y === null || y === undefined) return;
      rows.push([s.run, names.get(s.run) ?? s.run, s.key, x, y].map(csvCell).join(","));
    });
  }
  return `${rows.join("\n")}\n`;
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function ticks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const step = 10 ** Math.floor(Math.log10((hi - lo) / count));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= count) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / nice) * nice; v <= hi + nice * 1e-9; v += nice) out.push(Number(v.toPrecision(12)));
  return out;
}

/** The chart as a standalone SVG document. */
export function chartSvg(chart: PublishedChart, options: { title: string; width?: number; height?: number; dark?: boolean }): string {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const { fg, bg, grid } = pageColors(options.dark ?? false);
  const legendRows = Math.min(chart.series.length, 8);
  const left = 64;
  const right = 16;
  const top = 32;
  const bottom = 40 + legendRows * 16;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const points = chart.series.flatMap((s) => s.points);
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]).filter(Number.isFinite);
  let xmin = chart.zoom?.xmin ?? Math.min(...xs);
  let xmax = chart.zoom?.xmax ?? Math.max(...xs);
  let ymin = Math.min(...ys);
  let ymax = Math.max(...ys);
  if (!Number.isFinite(xmin) || !Number.isFinite(xmax)) [xmin, xmax] = [0, 1];
  if (!Number.isFinite(ymin) || !Number.isFinite(ymax)) [ymin, ymax] = [0, 1];
  if (xmax === xmin) xmax = xmin + 1;
  if (ymax === ymin) [ymin, ymax] = [ymin - 0.5, ymax + 0.5];
  const sx = (x: number) => left + ((x - xmin) / (xmax - xmin)) * plotW;
  const sy = (y: number) => top + plotH - ((y - ymin) / (ymax - ymin)) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="${bg}"/>`,
    `<text x="${left}" y="18" font-size="13" font-weight="600" fill="${fg}">${esc(options.title)}</text>`,
  ];
  for (const y of ticks(ymin, ymax, 5)) {
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${sy(y).toFixed(1)}" y2="${sy(y).toFixed(1)}" stroke="${grid}"/>`);
    out.push(`<text x="${left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end" fill="${fg}">${esc(formatNumber(y))}</text>`);
  }
  for (const x of ticks(xmin, xmax, 6)) {
    out.push(`<text x="${sx(x).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle" fill="${fg}">${esc(formatNumber(x))}</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 30}" text-anchor="middle" fill="${fg}">${esc(chart.xKey)}</text>`);
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="${grid}"/>`);
  out.push(`<clipPath id="plot"><rect x="${left}" y="${top}" width="${plotW}" height="${plotH}"/></clipPath>`);
  for (const s of chart.series) {
    const d = s.points
      .filter(([, y]) => Number.isFinite(y))
      .map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(2)},${sy(y).toFixed(2)}`)
      .join("");
    if (d) out.push(`<path d="${d}" fill="none" stroke="${esc(s.color)}" stroke-width="1.5" clip-path="url(#plot)" data-run="${esc(s.run)}"/>`);
  }
  chart.series.slice(0, legendRows).forEach((s, i) => {
    const y = top + plotH + 46 + i * 16;
    out.push(`<rect x="${left}" y="${y - 8}" width="10" height="10" fill="${esc(s.color)}"/>`);
    out.push(`<text x="${left + 16}" y="${y + 1}" fill="${fg}">${esc(s.label)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}

/** A file name from a panel title. */
export function exportName(title: string, ext: string): string {
  const base = title.replace(/[^\w.-]+/g, "_").replace(/^_+|_+$/g, "") || "panel";
  return `${base}.${ext}`;
}

/** A logged table as CSV: its columns, then one line per row; media cells by their file's URL,
 * other objects as JSON. */
export function tableCsv(columns: readonly string[], rows: readonly (readonly JsonValue[])[]): string {
  const cell = (value: JsonValue): string => {
    if (value === null) return "";
    if (typeof value === "object" && !Array.isArray(value) && typeof value.url === "string") return csvCell(value.url);
    return csvCell(typeof value === "object" ? JSON.stringify(value) : typeof value === "boolean" ? String(value) : value);
  };
  return `${[columns.map(csvCell).join(","), ...rows.map((row) => row.map(cell).join(","))].join("\n")}\n`;
}
