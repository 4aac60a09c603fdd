// The workspace settings drawer (⚙ at the workspace's top right). Its Runs tab holds
// key-based colours and the colours picked per run in the runs table.
import { useEffect } from "react";
import type { MetricKey, Run } from "../api/types";
import { runDisplayName } from "../lib/columns";
import type { KeyColors } from "../lib/keyColors";
import { type WorkspaceSettings, setKeyColors, setRunColor } from "../lib/workspaceSettings";
import KeyColorSettings from "./KeyColorSettings";

export interface SettingsDrawerProps {
  settings: WorkspaceSettings;
  update: (change: (settings: WorkspaceSettings) => WorkspaceSettings) => void;
  metrics: readonly MetricKey[];
  configPaths: readonly string[];
  runs: readonly Run[];
  colors: KeyColors | null;
  onClose: () => void;
}

export default function SettingsDrawer({ settings, update, metrics, configPaths, runs, colors, onClose }: SettingsDrawerProps) {
  useEffect(() => {
    const escape = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    document.addEventListener("keydown", escape);
    return () => document.removeEventListener("keydown", escape);
  }, [onClose]);

  const names = new Map(runs.map((r) => [r.id, runDisplayName(r)] as const));
  const picked = Object.entries(settings.runColors).filter(([id]) => names.has(id));
  return (
    <aside className="drawer" role="dialog" aria-label="Workspace settings" data-testid="settings-drawer">
      <header className="drawer-head">
        <span className="drawer-title">Workspace settings</span>
        <button type="button" className="drawer-close" data-testid="settings-drawer-close" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      <nav className="drawer-tabs" role="tablist">
        <button type="button" role="tab" aria-selected="true" className="drawer-tab selected" data-testid="drawer-tab-runs">
          Runs
        </button>
      </nav>
      <div className="drawer-body" role="tabpanel">
        <h3>Key-based colors</h3>
        <KeyColorSettings
          setting={settings.keyColors}
          onChange={(change) => update((s) => setKeyColors(s, change))}
          metrics={metrics}
          configPaths={configPaths}
          colors={colors}
        />
        <h3>Run colors</h3>
        <p className="muted hint">
          Pick a run&apos;s colour with its swatch in the runs table, or set it from code with{" "}
          <code>runyard.init(settings={"{"}&quot;run_color&quot;: &quot;#aabbcc&quot;{"}"})</code>. Key-based colours override both
          while they are on.
        </p>
        {picked.length === 0 ? (
          <p className="muted">No colours picked in this workspace.</p>
        ) : (
          <ul className="picked-colors" data-testid="picked-colors">
            {picked.map(([id, color]) => (
              <li key={id}>
                <span className="swatch" style={{ background: color }} />
                <span className="picked-name">{names.get(id)}</span>
                <button type="button" className="link" data-testid={`run-color-reset-${id}`} onClick={() => update((s) => setRunColor(s, id, null))}>
                  reset
                </button>
              </li>
            ))}
          </ul>
        )}
        {picked.length > 1 && (
          <button type="button" data-testid="run-colors-reset" onClick={() => update((s) => ({ ...s, runColors: {} }))}>
            Reset all picked colours
          </button>
        )}
      </div>
    </aside>
  );
}
