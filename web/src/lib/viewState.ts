// What a shared workspace URL carries, so a link opens the same view: the runs filter,
// grouping, x-axis, zoom, hidden (unselected) and checked runs, and the saved view it
// came from. Pure: parse from and write to a query string; applying it to the saved
// settings is `withViewState`. Absent parameters leave the workspace's own value; a
// present but empty list (`group=`) means "none".
import type { RunFilter } from "./runFilter";
import type { WorkspaceSettings } from "./workspaceSettings";

export interface ZoomRange {
  xmin: number;
  xmax: number;
}

export interface ViewState {
  /** The saved view the page shows (`?view=name`). */
  view?: string;
  filter?: RunFilter;
  groupBy?: string[];
  xAxis?: string;
  /** Zoom of every panel (synced zoom). */
  zoom?: ZoomRange | null;
  /** Zoom of single panels, by metric key (zoom not synced). */
  panelZoom?: Record<string, ZoomRange>;
  syncZoom?: boolean;
  hiddenRuns?: string[];
  selected?: string[];
}

function list(params: URLSearchParams, name: string): string[] | undefined {
  if (!params.has(name)) return undefined;
  return params.getAll(name).filter((v) => v !== "");
}

function range(text: string | null): ZoomRange | null {
  if (!text) return null;
  const [a, b] = text.split(",").map(Number);
  return Number.isFinite(a) && Number.isFinite(b) && b > a ? { xmin: a, xmax: b } : null;
}

export function parseViewState(search: string): ViewState {
  const params = new URLSearchParams(search);
  const state: ViewState = {};
  const view = params.get("view");
  if (view) state.view = view;
  if (params.has("q") || params.has("state") || params.has("filter")) {
    state.filter = { search: params.get("q") ?? "", state: params.get("state") ?? "", text: params.get("filter") ?? "" };
  }
  const group = list(params, "group");
  if (group) state.groupBy = group;
  const x = params.get("x");
  if (x) state.xAxis = x;
  if (params.has("zoom")) state.zoom = range(params.get("zoom"));
  for (const item of params.getAll("pzoom")) {
    const at = item.lastIndexOf(":");
    const zoom = at > 0 ? range(item.slice(at + 1)) : null;
    if (zoom) (state.panelZoom ??= {})[item.slice(0, at)] = zoom;
  }
  if (params.has("sync")) state.syncZoom = params.get("sync") !== "0";
  const hidden = list(params, "hide");
  if (hidden) state.hiddenRuns = hidden;
  const selected = list(params, "sel");
  if (selected) state.selected = selected;
  return state;
}

function setList(params: URLSearchParams, name: string, values: readonly string[] | undefined): void {
  if (values === undefined) return;
  if (values.length === 0) params.append(name, "");
  for (const v of values) params.append(name, v);
}

const num = (v: number) => String(Number(v.toPrecision(12)));

/** The query string (with its `?`, or "" when empty) for `state`. */
export function viewSearch(state: ViewState): string {
  const params = new URLSearchParams();
  if (state.view) params.set("view", state.view);
  if (state.filter) {
    if (state.filter.search) params.set("q", state.filter.search);
    if (state.filter.state) params.set("state", state.filter.state);
    if (state.filter.text) params.set("filter", state.filter.text);
  }
  setList(params, "group", state.groupBy);
  if (state.xAxis) params.set("x", state.xAxis);
  if (state.zoom) params.set("zoom", `${num(state.zoom.xmin)},${num(state.zoom.xmax)}`);
  for (const [key, z] of Object.entries(state.panelZoom ?? {})) params.append("pzoom", `${key}:${num(z.xmin)},${num(z.xmax)}`);
  if (state.syncZoom !== undefined) params.set("sync", state.syncZoom ? "1" : "0");
  setList(params, "hide", state.hiddenRuns);
  setList(params, "sel", state.selected);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The settings with what the URL carries laid over them (the same object if nothing changes). */
export function withViewState(settings: WorkspaceSettings, state: ViewState): WorkspaceSettings {
  const next = { ...settings };
  let changed = false;
  if (state.groupBy && state.groupBy.join("\n") !== settings.groupBy.join("\n")) {
    next.groupBy = state.groupBy;
    changed = true;
  }
  if (state.xAxis && state.xAxis !== settings.xAxis) {
    next.xAxis = state.xAxis;
    changed = true;
  }
  if (state.hiddenRuns && state.hiddenRuns.join("\n") !== settings.hiddenRuns.join("\n")) {
    next.hiddenRuns = state.hiddenRuns;
    changed = true;
  }
  return changed ? next : settings;
}
