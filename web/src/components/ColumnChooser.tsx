// Pick the runs table's columns (run fields, config keys, summary keys with
// nested aggregates) and pin the ones that must stay visible.
import { useEffect, useMemo, useRef, useState } from "react";
import type { ColumnDef } from "../lib/columns";
import { type WorkspaceSettings, pinColumn, showColumn } from "../lib/workspaceSettings";
import PinIcon from "./PinIcon";

export interface ColumnChooserProps {
  catalog: ColumnDef[];
  settings: WorkspaceSettings;
  update: (change: (settings: WorkspaceSettings) => WorkspaceSettings) => void;
  onClose: () => void;
}

const SOURCES: { source: ColumnDef["source"]; title: string }[] = [
  { source: "run", title: "Run" },
  { source: "config", title: "Config" },
  { source: "summary", title: "Summary" },
];

export default function ColumnChooser({ catalog, settings, update, onClose }: ColumnChooserProps) {
  const [search, setSearch] = useState("");
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onDown = (e: MouseEvent) => {
      const target = e.target as HTMLElement;
      if (box.current && !box.current.contains(target) && !target.closest("[data-testid=column-chooser]")) onClose();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [onClose]);

  const needle = search.trim().toLowerCase();
  const shown = useMemo(
    () => catalog.filter((c) => !needle || c.label.toLowerCase().includes(needle) || c.id.toLowerCase().includes(needle)),
    [catalog, needle],
  );

  return (
    <div className="column-chooser" ref={box} data-testid="column-chooser-panel" role="dialog" aria-label="Columns">
      <div className="column-chooser-head">
        <input
          autoFocus
          placeholder="Search columns"
          data-testid="column-search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <button type="button" className="link" data-testid="column-chooser-close" onClick={onClose}>
          Done
        </button>
      </div>
      <div className="column-chooser-list">
        {SOURCES.map(({ source, title }) => {
          const columns = shown.filter((c) => c.source === source);
          if (columns.length === 0) return null;
          return (
            <div key={source} className="column-group">
              <div className="column-group-title">{title}</div>
              {columns.map((column) => {
                const visible = settings.columns.includes(column.id);
                const pinned = settings.pinned.includes(column.id);
                return (
                  <div key={column.id} className="column-option" data-testid={`column-option-${column.id}`}>
                    <label>
                      <input
                        type="checkbox"
                        data-testid={`column-toggle-${column.id}`}
                        checked={visible}
                        onChange={(e) => update((s) => showColumn(s, column.id, e.target.checked))}
                      />
                      <span title={column.id}>{column.label}</span>
                    </label>
                    <button
                      type="button"
                      className={pinned ? "pin pinned" : "pin"}
                      data-testid={`pin-${column.id}`}
                      aria-pressed={pinned}
                      title={pinned ? "Unpin column" : "Pin column (stays visible)"}
                      onClick={() => update((s) => pinColumn(s, column.id, !pinned))}
                    >
                      <PinIcon filled={pinned} size={14} />
                    </button>
                  </div>
                );
              })}
            </div>
          );
        })}
        {shown.length === 0 && <div className="muted">No column matches “{search}”.</div>}
      </div>
    </div>
  );
}
