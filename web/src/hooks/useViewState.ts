// The workspace's view and its URL: on load the URL (and the saved view it names) is
// laid over the saved settings; afterwards every change of filter, grouping, x-axis,
// zoom or run selection is written back to the address bar (replaceState), so copying
// the URL shares exactly what shows.
import { useEffect, useMemo, useRef, useState } from "react";
import { getView } from "../api/client";
import type { JsonObject } from "../api/types";
import type { RunFilter } from "../lib/runFilter";
import { type ViewState, parseViewState, viewSearch, withViewState } from "../lib/viewState";
import { type WorkspaceSettings, readSettings } from "../lib/workspaceSettings";
import { useAfterFirstDraw } from "./useAfterFirstDraw";
import type { ViewZoom } from "./useViewZoom";

export interface ViewStateInputs {
  entity: string;
  project: string;
  ready: boolean;
  settings: WorkspaceSettings;
  update: (change: (settings: WorkspaceSettings) => WorkspaceSettings) => void;
  filter: RunFilter;
  setFilter: (filter: RunFilter) => void;
  selected: string[];
  setSelected: (ids: string[]) => void;
  zoom: ViewZoom;
  panelSearch: string;
  setPanelSearch: (search: string) => void;
}

/** The URL's state when the page opened (read once). */
export function initialViewState(): ViewState & { search?: string } {
  const state: ViewState & { search?: string } = parseViewState(window.location.search);
  const search = new URLSearchParams(window.location.search).get("panels");
  if (search) state.search = search;
  return state;
}

/** What a saved view holds: the workspace settings and the view's transient state. */
export interface SavedView {
  workspace: JsonObject;
  state: ViewState & { search?: string };
}

export function useViewState(inputs: ViewStateInputs, initial: ViewState & { search?: string }): {
  view: string | null;
  setView: (name: string | null) => void;
  applied: boolean;
  error: string | null;
} {
  const { entity, project, ready, settings, filter, selected, zoom, panelSearch } = inputs;
  const [view, setView] = useState<string | null>(initial.view ?? null);
  const [applied, setApplied] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  const latest = useRef(inputs);
  latest.current = inputs;

  // once the saved settings are in: the named view, then the URL over it
  useEffect(() => {
    if (!ready || started.current) return;
    started.current = true;
    const over = (state: ViewState & { search?: string }) => {
      const l = latest.current;
      l.update((s) => withViewState(s, state));
      if (state.filter) l.setFilter(state.filter);
      if (state.selected) l.setSelected(state.selected);
      if (state.search !== undefined) l.setPanelSearch(state.search);
    };
    const name = initial.view;
    if (!name) {
      over(initial);
      setApplied(true);
      return;
    }
    getView(entity, project, name)
      .then((body) => {
        const saved = body.settings as unknown as SavedView;
        const workspace = readSettings((saved.workspace ?? {}) as JsonObject).settings;
        latest.current.update(() => workspace);
        const state = saved.state ?? {};
        over(state);
        latest.current.zoom.restore({ sync: state.syncZoom, all: state.zoom, panels: state.panelZoom });
      })
      .catch((e: unknown) => setError(`view ${JSON.stringify(name)} not loaded: ${String(e)}`))
      .finally(() => {
        // what the URL carries besides the view's name wins over the saved view
        const { view: _name, ...rest } = initial;
        void _name;
        over(rest);
        setApplied(true);
      });
  }, [ready, entity, project, initial]);

  const search = useMemo(() => {
    if (!applied) return null;
    const state: ViewState = {
      view: view ?? undefined,
      filter,
      groupBy: settings.groupBy,
      xAxis: settings.xAxis,
      zoom: zoom.sync ? zoom.all : undefined,
      panelZoom: zoom.sync ? undefined : zoom.panels,
      syncZoom: zoom.sync || undefined,
      hiddenRuns: settings.hiddenRuns,
      selected: selected.length ? selected : undefined,
    };
    const params = new URLSearchParams(viewSearch(state));
    if (panelSearch) params.set("panels", panelSearch);
    const text = params.toString();
    return text ? `?${text}` : "";
  }, [applied, view, filter, settings.groupBy, settings.xAxis, settings.hiddenRuns, zoom, selected, panelSearch]);

  // written once the first chart drew: a page's first replaceState costs 10-30 ms on a
  // busy core, and the address bar can take the view a moment later
  const writable = useAfterFirstDraw();
  useEffect(() => {
    if (!writable || search === null || window.location.search === search) return;
    window.history.replaceState(window.history.state, "", window.location.pathname + search);
  }, [search, writable]);

  return { view, setView, applied, error };
}
