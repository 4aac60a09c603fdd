// The workspace's view controls: open, save, rename and delete named views of the project,
// copy a link to what shows, sync zoom across panels, and search panels by regex.
import { useCallback, useEffect, useState } from "react";
import { type SavedViewInfo, deleteView, listViews, putView, renameView } from "../api/client";
import type { JsonObject } from "../api/types";
import type { SavedView } from "../hooks/useViewState";
import { navigate } from "../hooks/useRoute";
import { parseViewState } from "../lib/viewState";
import { type WorkspaceSettings, writeSettings } from "../lib/workspaceSettings";
import { panelSearchError } from "../lib/panelSearch";

export interface ViewsBarProps {
  entity: string;
  project: string;
  view: string | null;
  settings: WorkspaceSettings;
  sync: boolean;
  onSync: (sync: boolean) => void;
  panelSearch: string;
  onPanelSearch: (search: string) => void;
}

export default function ViewsBar(props: ViewsBarProps) {
  const { entity, project, view, settings } = props;
  const [views, setViews] = useState<SavedViewInfo[]>([]);
  const [name, setName] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const reload = useCallback(() => {
    listViews(entity, project)
      .then((body) => setViews(body.views))
      .catch((e: unknown) => setMessage(`views not loaded: ${String(e)}`));
  }, [entity, project]);
  useEffect(reload, [reload]);

  const save = () => {
    const chosen = name.trim() || view;
    if (!chosen) return;
    const state = parseViewState(window.location.search);
    delete state.view;
    const panels = new URLSearchParams(window.location.search).get("panels");
    const saved: SavedView = { workspace: writeSettings({ settings, extra: {} }), state: panels ? { ...state, search: panels } : state };
    putView(entity, project, chosen, saved as unknown as JsonObject)
      .then(() => {
        setMessage(`saved view ${JSON.stringify(chosen)}`);
        setName("");
        reload();
        open(chosen);
      })
      .catch((e: unknown) => setMessage(`view not saved: ${String(e)}`));
  };
  // a view is opened by its URL, so reloading or sharing the page keeps it
  const open = (chosen: string) => {
    const base = window.location.pathname;
    const url = chosen ? `${base}?view=${encodeURIComponent(chosen)}` : base;
    navigate(url);
    window.location.reload();
  };
  const remove = () => {
    if (!view) return;
    deleteView(entity, project, view)
      .then(() => open(""))
      .catch((e: unknown) => setMessage(`view not deleted: ${String(e)}`));
  };
  // renames the open view to the typed name (the server refuses a name already taken)
  const rename = () => {
    const chosen = name.trim();
    if (!view || !chosen || chosen === view) return;
    renameView(entity, project, view, chosen)
      .then(() => open(chosen))
      .catch((e: unknown) => setMessage(`view not renamed: ${String(e)}`));
  };
  const copy = () => {
    void navigator.clipboard?.writeText(window.location.href).catch(() => undefined);
    setMessage("link copied");
  };
  const searchError = panelSearchError(props.panelSearch);

  return (
    <div className="views-bar" data-testid="views-bar">
      <select
        data-testid="view-select"
        aria-label="saved view"
        value={view ?? ""}
        onChange={(e) => open(e.target.value)}
      >
        <option value="">Workspace</option>
        {views.map((v) => (
          <option key={v.name} value={v.name}>
            {v.name}
            {v.owner ? ` (${v.owner})` : ""}
          </option>
        ))}
      </select>
      <input
        type="text"
        data-testid="view-name"
        aria-label="name of the view to save"
        placeholder={view ?? "view name"}
        value={name}
        onChange={(e) => setName(e.target.value)}
        onKeyDown={(e) => e.key === "Enter" && save()}
      />
      <button type="button" data-testid="view-save" onClick={save} disabled={!name.trim() && !view}>
        Save view
      </button>
      {view && (
        <button
          type="button"
          data-testid="view-rename"
          onClick={rename}
          disabled={!name.trim() || name.trim() === view}
          title="rename this view to the name typed"
        >
          Rename view
        </button>
      )}
      {view && (
        <button type="button" data-testid="view-delete" onClick={remove}>
          Delete view
        </button>
      )}
      <button type="button" data-testid="view-copy-link" onClick={copy} title="copy a link to what shows">
        Copy link
      </button>
      <label title="zooming one panel zooms them all">
        <input type="checkbox" data-testid="sync-zoom" checked={props.sync} onChange={(e) => props.onSync(e.target.checked)} /> sync zoom
      </label>
      <input
        type="search"
        data-testid="panel-search"
        aria-label="search panels (regex)"
        aria-invalid={searchError !== null}
        placeholder="search panels (regex)"
        value={props.panelSearch}
        onChange={(e) => props.onPanelSearch(e.target.value)}
      />
      {searchError && (
        <span className="error" data-testid="panel-search-error">
          {searchError}
        </span>
      )}
      {message && (
        <span className="muted" data-testid="views-message">
          {message}
        </span>
      )}
    </div>
  );
}
