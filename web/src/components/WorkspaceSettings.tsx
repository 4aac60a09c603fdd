// The workspace-wide chart settings: x-axis, smoothing, log scale, runs drawn, and
// the ⚙ button that opens the settings drawer (key-based colours, run colours).
import type { MetricKey } from "../api/types";
import { MAX_RUNS_CHOICES, type WorkspaceSettings as Settings } from "../lib/workspaceSettings";
import { DEFAULT_X } from "../lib/xAxis";
import { xAxisOptions } from "./PanelGrid";

export interface WorkspaceSettingsProps {
  keys: MetricKey[];
  settings: Settings;
  update: (change: (settings: Settings) => Settings) => void;
  /** Shown when set: how many runs are drawn out of how many visible. */
  plotted?: { drawn: number; visible: number };
  /** Shown when set: the ⚙ button opening the workspace settings drawer. */
  onOpenDrawer?: () => void;
  drawerOpen?: boolean;
}

export default function WorkspaceSettings(props: WorkspaceSettingsProps) {
  const { keys, settings, update, plotted, onOpenDrawer, drawerOpen } = props;
  return (
    <div className="workspace-settings" data-testid="workspace-settings">
      <div className="workspace-settings-controls">
        <label>
          X-axis
          <select
            data-testid="xaxis-select"
            value={settings.xAxis}
            onChange={(e) => update((s) => ({ ...s, xAxis: e.target.value }))}
          >
            <option value={DEFAULT_X}>Default (step metric or Step)</option>
            {xAxisOptions(keys).map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Smoothing
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            data-testid="smoothing-slider"
            value={settings.smoothing.amount}
            onChange={(e) => update((s) => ({ ...s, smoothing: { ...s.smoothing, amount: Number(e.target.value) } }))}
          />
          <output className="smoothing-value">{settings.smoothing.amount.toFixed(2)}</output>
        </label>
        <label>
          <input
            type="checkbox"
            data-testid="logscale-toggle"
            checked={settings.logY}
            onChange={(e) => update((s) => ({ ...s, logY: e.target.checked }))}
          />
          Log scale
        </label>
        {plotted && (
          <label>
            Draw
            <select
              data-testid="maxruns-select"
              value={settings.maxRuns}
              onChange={(e) => update((s) => ({ ...s, maxRuns: Number(e.target.value) }))}
            >
              {[...new Set([...MAX_RUNS_CHOICES, settings.maxRuns])]
                .sort((a, b) => a - b)
                .map((n) => (
                  <option key={n} value={n}>
                    first {n}
                  </option>
                ))}
            </select>
            <span className="muted" data-testid="plotted-count">
              {plotted.drawn} of {plotted.visible} visible runs drawn
            </span>
          </label>
        )}
      </div>
      {onOpenDrawer && (
        <button
          type="button"
          className="gear"
          data-testid="workspace-settings-button"
          aria-label="Workspace settings"
          aria-expanded={drawerOpen ?? false}
          title="Workspace settings"
          onClick={onOpenDrawer}
        >
          ⚙
        </button>
      )}
    </div>
  );
}
