// The workspace layout kept on the server (GET/PUT /workspace): what the runs
// table shows, which runs are hidden, and how the line panels draw. The document
// is validated field by field when read (it is user data), and keys this version
// does not know are kept so that newer features' settings survive a round-trip.
import type { JsonObject, JsonValue } from "../api/types";
import { AGGREGATES, BANDS, type GroupAgg, type GroupBand, isGroupField } from "./grouping";
import { DEFAULT_KEY_COLORS, type KeyColorSetting, readKeyColorSetting } from "./keyColors";
import { type CustomPanel, type PanelLook, readCustomPanels, readLook, readPanelOrder, readStringMap } from "./panelLayout";
import { validColor } from "./runColor";
import { NO_SMOOTHING, type SmoothingSetting, readSmoothing } from "./smoothing";
import { DEFAULT_X } from "./xAxis";

export interface PanelSettings extends PanelLook {
  x?: string;
  logY?: boolean;
  /** This panel's own smoothing (wins over the workspace's). */
  smoothing?: SmoothingSetting;
}

/** A custom chart drawn with another preset (saved from the chart editor) and mapping. */
export interface ChartSetting {
  preset: string;
  fields: Record<string, string | null>;
  strings: Record<string, string | null>;
}

export interface SortSetting {
  id: string;
  desc: boolean;
}

export interface WorkspaceSettings {
  /** Columns shown in the runs table, in order (besides the run name). */
  columns: string[];
  /** Columns that stay visible at the left of the runs table. */
  pinned: string[];
  hiddenRuns: string[];
  xAxis: string;
  /** Workspace-wide smoothing of line panels (a panel may override it). */
  smoothing: SmoothingSetting;
  logY: boolean;
  /** Group runs by these fields (`config.<dotted key>`, `group`, `job_type`, `tags`);
   * empty: no grouping. Line panels then draw one line per group from GET /groups. */
  groupBy: string[];
  /** A group's line: the mean, median, min or max of its runs at each x. */
  groupAgg: GroupAgg;
  /** The band around a group's line. */
  groupBand: GroupBand;
  collapsedSections: string[];
  panels: Record<string, PanelSettings>;
  sort: SortSetting[];
  /** How many of the visible runs the panels draw (the first ones in table order). */
  maxRuns: number;
  /** Colour runs by a metric or config value (Settings → Runs → Key-based colors). */
  keyColors: KeyColorSetting;
  /** Colours picked in the runs table, by run id (win over stored and palette colours). */
  runColors: Record<string, string>;
  /** Custom charts whose preset was changed in the chart editor, by chart key. */
  charts: Record<string, ChartSetting>;
  /** The System section (runs' system metrics) is open; it starts collapsed. */
  systemOpen: boolean;
  /** Panels added by the user (issue 18), drawn in their section. */
  customPanels: CustomPanel[];
  /** Automatic panels (metric keys) the user deleted. */
  hiddenPanels: string[];
  /** Panel ids in the order they were dragged into, by section. */
  panelOrder: Record<string, string[]>;
  /** Sections the user added (shown even before they hold a panel). */
  customSections: string[];
  /** Names the user gave sections, by section id (a line section's prefix, `media:<name>`). */
  sectionTitles: Record<string, string>;
  /** Section ids in the order they were moved into (sections not listed follow). */
  sectionOrder: string[];
  /** Automatic panels (metric, media or chart keys) moved to another section: its id. */
  panelSections: Record<string, string>;
}

export const DEFAULT_SETTINGS: WorkspaceSettings = {
  columns: ["run:state", "run:runtime"],
  pinned: [],
  hiddenRuns: [],
  xAxis: DEFAULT_X,
  smoothing: NO_SMOOTHING,
  logY: false,
  groupBy: [],
  groupAgg: "mean",
  groupBand: "std",
  collapsedSections: [],
  panels: {},
  sort: [{ id: "run:created_at", desc: true }],
  maxRuns: 20,
  keyColors: DEFAULT_KEY_COLORS,
  runColors: {},
  charts: {},
  systemOpen: false,
  customPanels: [],
  hiddenPanels: [],
  panelOrder: {},
  customSections: [],
  sectionTitles: {},
  sectionOrder: [],
  panelSections: {},
};

export const MAX_RUNS_CHOICES = [5, 10, 20, 50, 100, 200, 500, 1000, 5000];

const KNOWN = new Set(Object.keys(DEFAULT_SETTINGS));

function strings(value: JsonValue | undefined, fallback: string[]): string[] {
  if (!Array.isArray(value)) return fallback;
  return [...new Set(value.filter((v): v is string => typeof v === "string"))];
}

function clamp(value: JsonValue | undefined, lo: number, hi: number, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.min(hi, Math.max(lo, value)) : fallback;
}

function oneOf<T extends string>(value: JsonValue | undefined, choices: readonly T[], fallback: T): T {
  return typeof value === "string" && (choices as readonly string[]).includes(value) ? (value as T) : fallback;
}

function panels(value: JsonValue | undefined): Record<string, PanelSettings> {
  const out: Record<string, PanelSettings> = {};
  if (!value || typeof value !== "object" || Array.isArray(value)) return out;
  for (const [key, raw] of Object.entries(value)) {
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) continue;
    const panel: PanelSettings = readLook(raw);
    if (typeof raw.x === "string") panel.x = raw.x;
    if (typeof raw.logY === "boolean") panel.logY = raw.logY;
    if (raw.smoothing !== undefined) panel.smoothing = readSmoothing(raw.smoothing);
    if (Object.keys(panel).length) out[key] = panel;
  }
  return out;
}

function sort(value: JsonValue | undefined): SortSetting[] {
  if (!Array.isArray(value)) return DEFAULT_SETTINGS.sort;
  return value.flatMap((item) =>
    item && typeof item === "object" && !Array.isArray(item) && typeof item.id === "string"
      ? [{ id: item.id, desc: item.desc === true }]
      : [],
  );
}

function colorMap(value: JsonValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value || typeof value !== "object" || Array.isArray(value)) return out;
  for (const [id, color] of Object.entries(value)) {
    const valid = typeof color === "string" ? validColor(color) : null;
    if (valid) out[id] = valid;
  }
  return out;
}

function mapping(value: JsonValue | undefined): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (!value || typeof value !== "object" || Array.isArray(value)) return out;
  for (const [name, v] of Object.entries(value)) if (typeof v === "string" || v === null) out[name] = v;
  return out;
}

function charts(value: JsonValue | undefined): Record<string, ChartSetting> {
  const out: Record<string, ChartSetting> = {};
  if (!value || typeof value !== "object" || Array.isArray(value)) return out;
  for (const [key, raw] of Object.entries(value)) {
    if (!raw || typeof raw !== "object" || Array.isArray(raw) || typeof raw.preset !== "string" || !raw.preset) continue;
    out[key] = { preset: raw.preset, fields: mapping(raw.fields), strings: mapping(raw.strings) };
  }
  return out;
}

export interface StoredSettings {
  settings: WorkspaceSettings;
  /** Keys from the stored document this version does not use, written back unchanged. */
  extra: JsonObject;
}

export function readSettings(doc: JsonObject | null | undefined): StoredSettings {
  const raw = doc ?? {};
  const extra: JsonObject = {};
  for (const [key, value] of Object.entries(raw)) if (!KNOWN.has(key)) extra[key] = value;
  const settings: WorkspaceSettings = {
    columns: strings(raw.columns, DEFAULT_SETTINGS.columns),
    pinned: strings(raw.pinned, []),
    hiddenRuns: strings(raw.hiddenRuns, []),
    xAxis: typeof raw.xAxis === "string" && raw.xAxis ? raw.xAxis : DEFAULT_X,
    smoothing: readSmoothing(raw.smoothing),
    logY: raw.logY === true,
    groupBy: strings(raw.groupBy, []).filter(isGroupField),
    groupAgg: oneOf(raw.groupAgg, AGGREGATES, DEFAULT_SETTINGS.groupAgg),
    groupBand: oneOf(raw.groupBand, BANDS, DEFAULT_SETTINGS.groupBand),
    collapsedSections: strings(raw.collapsedSections, []),
    panels: panels(raw.panels),
    sort: sort(raw.sort),
    maxRuns: Math.round(clamp(raw.maxRuns, 1, 10_000, DEFAULT_SETTINGS.maxRuns)),
    keyColors: readKeyColorSetting(raw.keyColors),
    runColors: colorMap(raw.runColors),
    charts: charts(raw.charts),
    systemOpen: raw.systemOpen === true,
    customPanels: readCustomPanels(raw.customPanels),
    hiddenPanels: strings(raw.hiddenPanels, []),
    panelOrder: readPanelOrder(raw.panelOrder),
    customSections: strings(raw.customSections, []),
    sectionTitles: readStringMap(raw.sectionTitles),
    sectionOrder: strings(raw.sectionOrder, []),
    panelSections: readStringMap(raw.panelSections),
  };
  return { settings, extra };
}

export function writeSettings(stored: StoredSettings): JsonObject {
  const { settings, extra } = stored;
  const panelsDoc: JsonObject = {};
  for (const [key, panel] of Object.entries(settings.panels)) {
    const { smoothing, ...rest } = panel;
    panelsDoc[key] = smoothing ? { ...rest, smoothing: { ...smoothing } } : { ...rest };
  }
  return {
    ...extra,
    columns: settings.columns,
    pinned: settings.pinned,
    hiddenRuns: settings.hiddenRuns,
    xAxis: settings.xAxis,
    smoothing: { ...settings.smoothing },
    logY: settings.logY,
    groupBy: settings.groupBy,
    groupAgg: settings.groupAgg,
    groupBand: settings.groupBand,
    collapsedSections: settings.collapsedSections,
    panels: panelsDoc,
    sort: settings.sort.map((s) => ({ id: s.id, desc: s.desc })),
    maxRuns: settings.maxRuns,
    keyColors: { ...settings.keyColors },
    runColors: { ...settings.runColors },
    charts: Object.fromEntries(
      Object.entries(settings.charts).map(([key, c]) => [key, { preset: c.preset, fields: { ...c.fields }, strings: { ...c.strings } }]),
    ),
    systemOpen: settings.systemOpen,
    customPanels: settings.customPanels.map((p) => ({ ...p })) as unknown as JsonValue,
    hiddenPanels: settings.hiddenPanels,
    panelOrder: { ...settings.panelOrder },
    customSections: settings.customSections,
    sectionTitles: { ...settings.sectionTitles },
    sectionOrder: settings.sectionOrder,
    panelSections: { ...settings.panelSections },
  };
}

/** Draw a custom chart with another preset and mapping, or (null) as logged again. */
export function setChart(settings: WorkspaceSettings, key: string, chart: ChartSetting | null): WorkspaceSettings {
  const next = { ...settings.charts };
  if (chart) next[key] = chart;
  else delete next[key];
  return { ...settings, charts: next };
}

/** Toggle membership of `item` in a list (for hidden runs, collapsed sections...). */
export function toggle(list: readonly string[], item: string, on?: boolean): string[] {
  const has = list.includes(item);
  const want = on ?? !has;
  if (want === has) return list as string[];
  return want ? [...list, item] : list.filter((x) => x !== item);
}

/** Pin or unpin a column; pinning also shows it. */
export function pinColumn(settings: WorkspaceSettings, id: string, pinned: boolean): WorkspaceSettings {
  return {
    ...settings,
    pinned: toggle(settings.pinned, id, pinned),
    columns: pinned ? toggle(settings.columns, id, true) : settings.columns,
  };
}

/** Show or hide a column; hiding also unpins it. */
export function showColumn(settings: WorkspaceSettings, id: string, shown: boolean): WorkspaceSettings {
  return {
    ...settings,
    columns: toggle(settings.columns, id, shown),
    pinned: shown ? settings.pinned : toggle(settings.pinned, id, false),
  };
}

/** "Show only these": every run outside `visible` becomes hidden. */
export function showOnly(allRunIds: readonly string[], visible: readonly string[]): string[] {
  const keep = new Set(visible);
  return allRunIds.filter((id) => !keep.has(id));
}

/** Set (or, with null, clear) the colour picked for a run in the runs table. */
export function setRunColor(settings: WorkspaceSettings, id: string, color: string | null): WorkspaceSettings {
  const runColors = { ...settings.runColors };
  const valid = color === null ? null : validColor(color);
  if (valid) runColors[id] = valid;
  else delete runColors[id];
  return { ...settings, runColors };
}

/** Change the key-based colour setting. */
export function setKeyColors(settings: WorkspaceSettings, change: Partial<KeyColorSetting>): WorkspaceSettings {
  return { ...settings, keyColors: { ...settings.keyColors, ...change } };
}

/** Group by these fields (empty: no grouping); invalid fields are dropped. */
export function setGroupBy(settings: WorkspaceSettings, groupBy: readonly string[]): WorkspaceSettings {
  return { ...settings, groupBy: [...new Set(groupBy.filter(isGroupField))] };
}

/** The smoothing a panel draws with: its own, else the workspace's. */
export function panelSmoothing(settings: WorkspaceSettings, key: string): SmoothingSetting {
  return settings.panels[key]?.smoothing ?? settings.smoothing;
}
