// The editable panel layout (issue 18): each panel's own settings beyond x/log/smoothing
// (title, axis titles, y range, legend, line/area/bar, outliers, size), panels added by
// the user (one or more metrics chosen by a regex, in any section), panels removed, the
// order panels were dragged into, and sections added by the user. Pure: reading the
// stored document (user data, validated field by field) and the edits the grid makes.
import type { JsonValue, MetricKey } from "../api/types";
import { CHART_KINDS, type ChartKind, type ChartStyle } from "./chartStyle";
import { panelMatcher } from "./panelSearch";
import { type SmoothingSetting, readSmoothing } from "./smoothing";

export type PanelSize = "s" | "m" | "l";
export const PANEL_SIZES: readonly PanelSize[] = ["s", "m", "l"];

/** What a panel's settings editor sets (any panel, automatic or added). */
export interface PanelLook extends ChartStyle {
  title?: string;
  /** false: the legend is hidden. */
  legend?: boolean;
  size?: PanelSize;
  /** Media panels: the step shown (absent: the last logged). */
  step?: number;
  /** Histogram panels: every step as a heatmap instead of one step's bars. */
  overSteps?: boolean;
  /** Table panels: the columns shown (absent: all). */
  columns?: string[];
}

/** A panel the user added: the metrics matching `metrics` (a regex), in `section`; or,
 * with `media` set, a copy of the media or custom-chart panel of that key. */
export interface CustomPanel extends PanelLook {
  id: string;
  section: string;
  metrics: string;
  media?: string;
  x?: string;
  logY?: boolean;
  smoothing?: SmoothingSetting;
}

export const MAX_PANEL_METRICS = 10;
const TEXT_MAX = 200;

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" && value !== "" ? value.slice(0, TEXT_MAX) : undefined;
}

function finite(value: JsonValue | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** The look fields of a stored panel object (unknown or bad fields dropped). */
export function readLook(raw: { [key: string]: JsonValue | undefined }): PanelLook {
  const look: PanelLook = {};
  const title = text(raw.title);
  if (title) look.title = title;
  const xTitle = text(raw.xTitle);
  if (xTitle) look.xTitle = xTitle;
  const yTitle = text(raw.yTitle);
  if (yTitle) look.yTitle = yTitle;
  const yMin = finite(raw.yMin);
  if (yMin !== undefined) look.yMin = yMin;
  const yMax = finite(raw.yMax);
  if (yMax !== undefined) look.yMax = yMax;
  if (raw.legend === false) look.legend = false;
  if (typeof raw.kind === "string" && (CHART_KINDS as readonly string[]).includes(raw.kind) && raw.kind !== "line") {
    look.kind = raw.kind as ChartKind;
  }
  if (raw.ignoreOutliers === true) look.ignoreOutliers = true;
  if (typeof raw.size === "string" && (PANEL_SIZES as readonly string[]).includes(raw.size) && raw.size !== "m") {
    look.size = raw.size as PanelSize;
  }
  if (typeof raw.step === "number" && Number.isInteger(raw.step) && raw.step >= 0) look.step = raw.step;
  if (raw.overSteps === true) look.overSteps = true;
  if (Array.isArray(raw.columns)) {
    const columns = [...new Set(raw.columns.filter((c): c is string => typeof c === "string" && c !== ""))].slice(0, TEXT_MAX);
    if (columns.length) look.columns = columns;
  }
  return look;
}

export function readCustomPanels(value: JsonValue | undefined): CustomPanel[] {
  if (!Array.isArray(value)) return [];
  const seen = new Set<string>();
  return value.flatMap((raw) => {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) return [];
    const id = text(raw.id);
    const metrics = typeof raw.metrics === "string" ? raw.metrics : undefined;
    if (!id || metrics === undefined || seen.has(id)) return [];
    seen.add(id);
    const panel: CustomPanel = { ...readLook(raw), id, section: text(raw.section) ?? "Custom", metrics };
    const media = text(raw.media);
    if (media) panel.media = media;
    if (typeof raw.x === "string") panel.x = raw.x;
    if (typeof raw.logY === "boolean") panel.logY = raw.logY;
    if (raw.smoothing !== undefined) panel.smoothing = readSmoothing(raw.smoothing);
    return [panel];
  });
}

/** A map of strings to strings (section titles, panels moved to another section). */
export function readStringMap(value: JsonValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value || typeof value !== "object" || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    const t = text(v);
    if (t) out[k] = t;
  }
  return out;
}

export function readPanelOrder(value: JsonValue | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!value || typeof value !== "object" || Array.isArray(value)) return out;
  for (const [section, ids] of Object.entries(value)) {
    if (Array.isArray(ids)) out[section] = [...new Set(ids.filter((v): v is string => typeof v === "string"))];
  }
  return out;
}

/** The chart style of a look (what UPlotChart draws). */
export function chartStyleOf(look: PanelLook): ChartStyle {
  const { kind, yMin, yMax, xTitle, yTitle, ignoreOutliers } = look;
  return { kind, yMin, yMax, xTitle, yTitle, ignoreOutliers };
}

/** The metrics a custom panel draws: numeric keys matching its regex, at most MAX_PANEL_METRICS. */
export function panelMetrics(panel: Pick<CustomPanel, "metrics">, keys: readonly MetricKey[]): MetricKey[] {
  if (!panel.metrics) return [];
  const match = panelMatcher(`^(?:${panel.metrics})$`);
  return keys.filter((k) => k.numeric && match(k.key)).slice(0, MAX_PANEL_METRICS);
}

/** A fresh id for an added panel. */
export function newPanelId(existing: readonly { id: string }[]): string {
  const taken = new Set(existing.map((p) => p.id));
  let n = existing.length + 1;
  while (taken.has(`panel-${n}`)) n += 1;
  return `panel-${n}`;
}

/** `ids` in the saved order for the section; ids not in it keep their place after it. */
export function orderPanels(ids: readonly string[], order: readonly string[] | undefined): string[] {
  if (!order || order.length === 0) return [...ids];
  const present = new Set(ids);
  const ordered = order.filter((id) => present.has(id));
  const seen = new Set(ordered);
  return [...ordered, ...ids.filter((id) => !seen.has(id))];
}

/** Move `id` to just before `before` (or to the end with null) within the shown order. */
export function movePanel(ids: readonly string[], id: string, before: string | null): string[] {
  if (id === before) return [...ids];
  const rest = ids.filter((x) => x !== id);
  const at = before === null ? rest.length : rest.indexOf(before);
  if (at < 0) return [...ids];
  return [...rest.slice(0, at), id, ...rest.slice(at)];
}

/** A regex matching exactly `key` (a duplicated automatic panel draws its one metric). */
export function exactKey(key: string): string {
  return key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Indexes of a table's columns a panel shows, in the table's order: those named in
 * `wanted`, or every column when it names none of them (or is absent). */
export function shownColumns(columns: readonly string[], wanted: readonly string[] | undefined): number[] {
  const all = columns.map((_, i) => i);
  if (!wanted?.length) return all;
  const named = new Set(wanted);
  const picked = all.filter((i) => named.has(columns[i]));
  return picked.length ? picked : all;
}
