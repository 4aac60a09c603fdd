// The settings of one panel (issue 18). A line panel: title, axis titles, y range,
// legend, line/area/bar, outlier ignoring, size; for an added panel also its metrics (a
// regex over metric keys) and section (smoothing and the x-axis stay in the panel's
// head). A media or custom-chart panel: title, size, the step shown, for a histogram
// whether it draws every step as a heatmap, for a table the columns shown.
import { useState } from "react";
import type { MetricKey } from "../api/types";
import { CHART_KINDS, type ChartKind } from "../lib/chartStyle";
import { type CustomPanel, PANEL_SIZES, type PanelLook, type PanelSize, panelMetrics } from "../lib/panelLayout";
import { panelSearchError } from "../lib/panelSearch";

export interface PanelEditorProps {
  id: string;
  /** "media": a media or custom-chart panel (no axes, chart kind or legend to set). */
  kind: "line" | "media";
  /** A media panel's media type (`histogram` also offers the heatmap over steps). */
  media?: string;
  look: PanelLook;
  /** Set for an added panel: its metrics regex and section can change. */
  custom?: Pick<CustomPanel, "metrics" | "section">;
  sections: string[];
  keys: MetricKey[];
  onSave: (look: PanelLook, custom?: Pick<CustomPanel, "metrics" | "section">) => void;
  onClose: () => void;
}

const SIZE_NAMES: Record<PanelSize, string> = { s: "small", m: "medium", l: "large" };

function num(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  const v = Number(text);
  return Number.isFinite(v) ? v : undefined;
}

function step(text: string): number | undefined {
  const v = num(text);
  return v !== undefined && Number.isInteger(v) && v >= 0 ? v : undefined;
}

export default function PanelEditor({ id, kind: panelKind, media, look, custom, sections, keys, onSave, onClose }: PanelEditorProps) {
  const line = panelKind === "line";
  const [title, setTitle] = useState(look.title ?? "");
  const [xTitle, setXTitle] = useState(look.xTitle ?? "");
  const [yTitle, setYTitle] = useState(look.yTitle ?? "");
  const [yMin, setYMin] = useState(look.yMin?.toString() ?? "");
  const [yMax, setYMax] = useState(look.yMax?.toString() ?? "");
  const [legend, setLegend] = useState(look.legend !== false);
  const [kind, setKind] = useState<ChartKind>(look.kind ?? "line");
  const [outliers, setOutliers] = useState(look.ignoreOutliers === true);
  const [size, setSize] = useState<PanelSize>(look.size ?? "m");
  const [metrics, setMetrics] = useState(custom?.metrics ?? "");
  const [section, setSection] = useState(custom?.section ?? "");
  const [stepText, setStepText] = useState(look.step?.toString() ?? "");
  const [overSteps, setOverSteps] = useState(look.overSteps === true);
  const [columns, setColumns] = useState((look.columns ?? []).join(", "));
  const badStep = stepText.trim() !== "" && step(stepText) === undefined;
  const badRange = num(yMin) !== undefined && num(yMax) !== undefined && num(yMin)! >= num(yMax)!;
  const badNumber = (yMin.trim() !== "" && num(yMin) === undefined) || (yMax.trim() !== "" && num(yMax) === undefined);
  const regexError = custom ? panelSearchError(metrics) : null;
  const matched = custom ? panelMetrics({ metrics }, keys) : [];

  const save = () => {
    const next: PanelLook = {};
    if (title.trim()) next.title = title.trim();
    if (line && xTitle.trim()) next.xTitle = xTitle.trim();
    if (line && yTitle.trim()) next.yTitle = yTitle.trim();
    if (line && num(yMin) !== undefined) next.yMin = num(yMin);
    if (line && num(yMax) !== undefined) next.yMax = num(yMax);
    if (line && !legend) next.legend = false;
    if (line && kind !== "line") next.kind = kind;
    if (line && outliers) next.ignoreOutliers = true;
    if (size !== "m") next.size = size;
    if (!line) {
      if (step(stepText) !== undefined) next.step = step(stepText);
      if (overSteps) next.overSteps = true;
      const shown = [...new Set(columns.split(",").map((c) => c.trim()).filter(Boolean))];
      if (media === "table-file" && shown.length) next.columns = shown;
    }
    onSave(next, custom ? { metrics, section: section.trim() || "Custom" } : undefined);
    onClose();
  };

  return (
    <div className="panel-backdrop" onClick={onClose}>
      <div
        className="panel-editor panel-fullscreen"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`panel-editor-title-${id}`}
        data-testid="panel-editor"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === "Escape" && onClose()}
      >
        <h2 id={`panel-editor-title-${id}`}>Edit panel</h2>
        <div className="panel-editor-grid">
          {custom && (
            <>
              <label htmlFor="pe-metrics">Metrics (regex)</label>
              <span>
                <input id="pe-metrics" type="text" data-testid="panel-edit-metrics" value={metrics} onChange={(e) => setMetrics(e.target.value)} />{" "}
                <span className="muted" data-testid="panel-edit-matched">
                  {regexError ?? `${matched.length} metric${matched.length === 1 ? "" : "s"}: ${matched.map((m) => m.key).join(", ")}`}
                </span>
              </span>
              <label htmlFor="pe-section">Section</label>
              <input id="pe-section" type="text" list="pe-sections" data-testid="panel-edit-section" value={section} onChange={(e) => setSection(e.target.value)} />
              <datalist id="pe-sections">
                {sections.map((s) => (
                  <option key={s} value={s} />
                ))}
              </datalist>
            </>
          )}
          <label htmlFor="pe-title">Title</label>
          <input id="pe-title" type="text" data-testid="panel-edit-title" value={title} onChange={(e) => setTitle(e.target.value)} />
          {line && (
            <>
              <label htmlFor="pe-xtitle">X axis title</label>
              <input id="pe-xtitle" type="text" data-testid="panel-edit-xtitle" value={xTitle} onChange={(e) => setXTitle(e.target.value)} />
              <label htmlFor="pe-ytitle">Y axis title</label>
              <input id="pe-ytitle" type="text" data-testid="panel-edit-ytitle" value={yTitle} onChange={(e) => setYTitle(e.target.value)} />
              <label htmlFor="pe-ymin">Y range</label>
              <span>
                <input id="pe-ymin" type="text" inputMode="decimal" aria-label="y minimum" placeholder="auto" data-testid="panel-edit-ymin" value={yMin} onChange={(e) => setYMin(e.target.value)} />
                {" – "}
                <input type="text" inputMode="decimal" aria-label="y maximum" placeholder="auto" data-testid="panel-edit-ymax" value={yMax} onChange={(e) => setYMax(e.target.value)} />
              </span>
              <label htmlFor="pe-kind">Chart</label>
              <select id="pe-kind" data-testid="panel-edit-kind" value={kind} onChange={(e) => setKind(e.target.value as ChartKind)}>
                {CHART_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            </>
          )}
          {!line && (
            <>
              <label htmlFor="pe-step">Step shown</label>
              <input
                id="pe-step"
                type="text"
                inputMode="numeric"
                placeholder="the last logged"
                data-testid="panel-edit-step"
                value={stepText}
                onChange={(e) => setStepText(e.target.value)}
              />
            </>
          )}
          <label htmlFor="pe-size">Size</label>
          <select id="pe-size" data-testid="panel-edit-size" value={size} onChange={(e) => setSize(e.target.value as PanelSize)}>
            {PANEL_SIZES.map((s) => (
              <option key={s} value={s}>
                {SIZE_NAMES[s]}
              </option>
            ))}
          </select>
          {media === "table-file" && (
            <>
              <label htmlFor="pe-columns">Columns shown</label>
              <input
                id="pe-columns"
                type="text"
                placeholder="all (or names, comma-separated)"
                data-testid="panel-edit-columns"
                value={columns}
                onChange={(e) => setColumns(e.target.value)}
              />
            </>
          )}
          {media === "histogram" && (
            <>
              <span />
              <label>
                <input type="checkbox" data-testid="panel-edit-oversteps" checked={overSteps} onChange={(e) => setOverSteps(e.target.checked)} /> every step (heatmap)
              </label>
            </>
          )}
          {line && (
            <>
              <span />
              <label>
                <input type="checkbox" data-testid="panel-edit-legend" checked={legend} onChange={(e) => setLegend(e.target.checked)} /> legend
              </label>
              <span />
              <label title="scale y to the 5th–95th percentile of the values">
                <input type="checkbox" data-testid="panel-edit-outliers" checked={outliers} onChange={(e) => setOutliers(e.target.checked)} /> ignore outliers
              </label>
            </>
          )}
        </div>
        {(badRange || badNumber || badStep) && (
          <div className="error" data-testid="panel-edit-error">
            {badStep
              ? `the step must be a whole number ≥ 0, got ${JSON.stringify(stepText)}`
              : badNumber
                ? `y range must be numbers, got ${JSON.stringify(yMin)} – ${JSON.stringify(yMax)}`
                : `y minimum ${yMin} is not below the maximum ${yMax}`}
          </div>
        )}
        <div className="panel-editor-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="button" data-testid="panel-edit-save" disabled={badRange || badNumber || badStep} onClick={save}>
            Save
          </button>
        </div>
      </div>
    </div>
  );
}
