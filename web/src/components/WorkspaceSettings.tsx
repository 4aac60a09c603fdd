// The workspace-wide chart settings: grouping (fields, aggregate, band), x-axis,
// smoothing (kind and amount), log scale, runs drawn, and the ⚙ button that opens the
// settings drawer (key-based colours, run colours).
import type { MetricKey } from "../api/types";
import { AGGREGATES, BANDS, GROUP_FIELDS, type GroupAgg, type GroupBand, fieldLabel } from "../lib/grouping";
import { SMOOTHING_KINDS, SMOOTHING_LABELS, type SmoothingKind, readSmoothing } from "../lib/smoothing";
import { MAX_RUNS_CHOICES, type WorkspaceSettings as Settings, setGroupBy } from "../lib/workspaceSettings";
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
  /** Config keys (flat, dotted) the runs have: what grouping can use besides run fields. */
  configPaths?: string[];
}

/** The slider's range per smoothing kind (gaussian: sigma in x units). */
const SLIDER: Record<SmoothingKind, { min: number; max: number; step: number }> = {
  none: { min: 0, max: 0, step: 1 },
  twema: { min: 0, max: 0.99, step: 0.01 },
  ema: { min: 0, max: 0.99, step: 0.01 },
  gaussian: { min: 0, max: 100, step: 0.5 },
  running_average: { min: 1, max: 100, step: 1 },
};

const BAND_LABELS: Record<GroupBand, string> = { minmax: "min–max", std: "± std dev", stderr: "± std error", none: "no band" };

function GroupByControl({ settings, update, configPaths }: Pick<WorkspaceSettingsProps, "settings" | "update" | "configPaths">) {
  const fields = [...GROUP_FIELDS, ...(configPaths ?? []).map((p) => `config.${p}`)].filter((f) => !settings.groupBy.includes(f));
  return (
    <span className="groupby" data-testid="groupby">
      Group
      {settings.groupBy.map((field) => (
        <span key={field} className="groupby-chip" data-testid={`groupby-chip-${field}`}>
          {fieldLabel(field)}
          <button
            type="button"
            className="link"
            aria-label={`stop grouping by ${fieldLabel(field)}`}
            data-testid={`groupby-remove-${field}`}
            onClick={() => update((s) => setGroupBy(s, s.groupBy.filter((f) => f !== field)))}
          >
            ×
          </button>
        </span>
      ))}
      <select
        data-testid="groupby-select"
        aria-label="group runs by"
        value=""
        onChange={(e) => {
          const field = e.target.value;
          if (field) update((s) => setGroupBy(s, [...s.groupBy, field]));
        }}
      >
        <option value="">{settings.groupBy.length ? "+ field" : "by…"}</option>
        {fields.map((f) => (
          <option key={f} value={f}>
            {fieldLabel(f)}
          </option>
        ))}
      </select>
      {settings.groupBy.length > 0 && (
        <>
          <select
            data-testid="group-agg-select"
            aria-label="group line"
            value={settings.groupAgg}
            onChange={(e) => update((s) => ({ ...s, groupAgg: e.target.value as GroupAgg }))}
          >
            {AGGREGATES.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
          <select
            data-testid="group-band-select"
            aria-label="group band"
            value={settings.groupBand}
            onChange={(e) => update((s) => ({ ...s, groupBand: e.target.value as GroupBand }))}
          >
            {BANDS.map((b) => (
              <option key={b} value={b}>
                {BAND_LABELS[b]}
              </option>
            ))}
          </select>
        </>
      )}
    </span>
  );
}

export default function WorkspaceSettings(props: WorkspaceSettingsProps) {
  const { keys, settings, update, plotted, onOpenDrawer, drawerOpen, configPaths } = props;
  const smoothing = settings.smoothing;
  const slider = SLIDER[smoothing.kind];
  return (
    <div className="workspace-settings" data-testid="workspace-settings">
      <div className="workspace-settings-controls">
        <GroupByControl settings={settings} update={update} configPaths={configPaths} />
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
          <select
            data-testid="smoothing-kind-select"
            aria-label="smoothing kind"
            value={smoothing.kind}
            onChange={(e) => {
              const kind = e.target.value as SmoothingKind;
              // keep the amount when it fits the new kind, else start at a middling one
              const amount = smoothing.amount >= SLIDER[kind].min && smoothing.amount <= SLIDER[kind].max ? smoothing.amount : kind === "running_average" ? 10 : kind === "gaussian" ? 5 : 0.6;
              update((s) => ({ ...s, smoothing: readSmoothing({ kind, amount }) }));
            }}
          >
            {SMOOTHING_KINDS.map((k) => (
              <option key={k} value={k}>
                {SMOOTHING_LABELS[k]}
              </option>
            ))}
          </select>
          {smoothing.kind !== "none" && (
            <>
              <input
                type="range"
                min={slider.min}
                max={slider.max}
                step={slider.step}
                data-testid="smoothing-slider"
                value={smoothing.amount}
                onChange={(e) => update((s) => ({ ...s, smoothing: readSmoothing({ kind: s.smoothing.kind, amount: Number(e.target.value) }) }))}
              />
              <output className="smoothing-value" data-testid="smoothing-value">
                {slider.step < 1 ? smoothing.amount.toFixed(2) : String(smoothing.amount)}
              </output>
            </>
          )}
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
