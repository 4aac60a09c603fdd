// The semantic legend while key-based colours are on: each bucket's colour, range
// (or value) and the runs in it, then the runs without a value.
import type { Run } from "../api/types";
import { runDisplayName } from "../lib/columns";
import { type KeyColorSetting, type KeyColors, MISSING_COLOR, describeKey } from "../lib/keyColors";

export interface KeyColorLegendProps {
  setting: KeyColorSetting;
  colors: KeyColors | null;
  ready: boolean;
  runs: readonly Run[];
  error: string | null;
  onEdit: () => void;
}

const NAMES_SHOWN = 6;

function RunNames({ ids, names }: { ids: string[]; names: Map<string, string> }) {
  const all = ids.map((id) => names.get(id) ?? id);
  return (
    <span className="bucket-runs" title={all.join(", ")}>
      {all.slice(0, NAMES_SHOWN).join(", ")}
      {all.length > NAMES_SHOWN && ` +${all.length - NAMES_SHOWN} more`}
    </span>
  );
}

export default function KeyColorLegend({ setting, colors, ready, runs, error, onEdit }: KeyColorLegendProps) {
  const names = new Map(runs.map((r) => [r.id, runDisplayName(r)] as const));
  return (
    <div
      className="key-color-legend"
      data-testid="key-color-legend"
      data-key={setting.key}
      data-y={setting.y}
      data-ready={ready && colors !== null}
      data-kind={colors?.kind ?? ""}
    >
      <div className="key-color-legend-head">
        <span>
          Colored by <strong data-testid="key-color-legend-key">{describeKey(setting)}</strong>
        </span>
        {!ready && <span className="muted">loading values…</span>}
        {error && <span className="error-note">{error}</span>}
        <button type="button" className="link" onClick={onEdit}>
          change
        </button>
      </div>
      {colors && (
        <div className="key-color-buckets">
          {colors.kind === "empty" && <span className="muted">No run has a value for this key.</span>}
          {colors.buckets.map((bucket, i) => (
            <div
              key={`${i}-${bucket.label}`}
              className="key-color-bucket"
              data-testid={`key-color-bucket-${i}`}
              data-color={bucket.color}
              data-label={bucket.label}
              data-runs={bucket.runs.join(",")}
            >
              <span className="swatch big" style={{ background: bucket.color }} />
              <span className="bucket-label">{bucket.label}</span>
              <span className="bucket-count muted">{bucket.runs.length}</span>
              <RunNames ids={bucket.runs} names={names} />
            </div>
          ))}
          {colors.missing.length > 0 && (
            <div
              className="key-color-bucket missing"
              data-testid="key-color-missing"
              data-color={MISSING_COLOR}
              data-runs={colors.missing.join(",")}
            >
              <span className="swatch big" style={{ background: MISSING_COLOR }} />
              <span className="bucket-label">No value</span>
              <span className="bucket-count muted">{colors.missing.length}</span>
              <RunNames ids={colors.missing} names={names} />
            </div>
          )}
        </div>
      )}
    </div>
  );
}
