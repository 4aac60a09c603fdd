// Settings → Runs → Key-based colors: colour runs by a metric, config or default key.
import { useCallback } from "react";
import type { MetricKey } from "../api/types";
import {
  type KeyColorSetting,
  type KeyColors,
  MAX_BUCKETS,
  MIN_BUCKETS,
  PALETTES,
  Y_VALUES,
  type YValue,
  isConfigKey,
  keyGroups,
  keyLabel,
  ramp,
} from "../lib/keyColors";
import KeySelect from "./KeySelect";

export interface KeyColorSettingsProps {
  setting: KeyColorSetting;
  onChange: (change: Partial<KeyColorSetting>) => void;
  metrics: readonly MetricKey[];
  configPaths: readonly string[];
  colors: KeyColors | null;
}

const BUCKET_CHOICES = Array.from({ length: MAX_BUCKETS - MIN_BUCKETS + 1 }, (_, i) => MIN_BUCKETS + i);

export default function KeyColorSettings({ setting, onChange, metrics, configPaths, colors }: KeyColorSettingsProps) {
  const groups = useCallback((query: string) => keyGroups(metrics, configPaths, query), [metrics, configPaths]);
  const config = isConfigKey(setting.key);
  // text and true/false values get one categorical colour each: no bucket count, no ramp
  const categorical = colors?.kind === "categorical";
  return (
    <div className="key-color-settings" data-testid="key-colors-section">
      <label className="switch-row">
        <input
          type="checkbox"
          data-testid="key-colors-toggle"
          checked={setting.enabled}
          onChange={(e) => onChange({ enabled: e.target.checked })}
        />
        Color runs by a key
      </label>
      <p className="muted hint">
        Runs are grouped into buckets by one value each; every chart and the runs table use the bucket colours while
        this is on (colours set per run are kept for later).
      </p>
      <div className="field">
        <span className="field-label">Key</span>
        <KeySelect
          groups={groups}
          value={setting.key}
          label={keyLabel(setting.key)}
          onChange={(key) => onChange({ key, enabled: true })}
        />
      </div>
      <label className="field">
        <span className="field-label">Y value</span>
        <select
          data-testid="key-colors-y"
          value={setting.y}
          disabled={config}
          title={config ? "a config key has one value per run" : "the value of each run's history to colour by"}
          onChange={(e) => onChange({ y: e.target.value as YValue })}
        >
          {Y_VALUES.map((y) => (
            <option key={y.value} value={y.value}>
              {y.label}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">Buckets</span>
        <select
          data-testid="key-colors-buckets"
          value={setting.buckets}
          disabled={categorical}
          title={categorical ? "text and true/false values get one colour each" : undefined}
          onChange={(e) => onChange({ buckets: Number(e.target.value) })}
        >
          {BUCKET_CHOICES.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">Palette</span>
        <select
          data-testid="key-colors-palette"
          value={setting.palette}
          disabled={categorical}
          title={categorical ? "text and true/false values get distinct colours, not a light-to-dark ramp" : undefined}
          onChange={(e) => onChange({ palette: e.target.value })}
        >
          {Object.keys(PALETTES).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <span className="palette-preview" aria-hidden style={categorical ? { opacity: 0.35 } : undefined}>
          {ramp(setting.palette, setting.buckets).map((c) => (
            <span key={c} className="swatch" style={{ background: c }} />
          ))}
        </span>
      </label>
      <p className="muted hint">Light colours are low values, dark colours high; every palette is colour-blind safe.</p>
      {colors && setting.enabled && (
        <p className="muted" data-testid="key-colors-summary">
          {colors.kind === "empty"
            ? "No run has a value for this key."
            : `${colors.buckets.length} ${colors.kind === "categorical" ? "values" : "buckets"}` +
              (colors.missing.length ? ` · ${colors.missing.length} run${colors.missing.length > 1 ? "s" : ""} without a value` : "")}
        </p>
      )}
    </div>
  );
}
