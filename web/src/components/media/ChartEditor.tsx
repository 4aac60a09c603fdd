// The custom-chart editor: the preset's JSON spec in a text area, the table's
// columns, inputs for the spec's ${field:…} and ${string:…} placeholders, a live
// preview (debounced; parse and render errors shown) and "Save as…" a new preset
// of the project's entity (POST /presets/{entity}/{name}).
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { savePreset } from "../../api/client";
import type { PresetWithSpec } from "../../api/types";
import {
  type Mapping,
  type Row,
  type RunTag,
  applyRunColors,
  fillSpec,
  parseSpec,
  specPlaceholders,
  validPresetName,
} from "../../lib/vegaSpec";
import type { ChartOverride } from "./ChartPanel";
import VegaView from "./VegaView";

export interface ChartEditorProps {
  entity: string;
  chartKey: string;
  preset: PresetWithSpec;
  fields: Mapping;
  strings: Mapping;
  columns: string[];
  rows: Row[];
  runs: RunTag[];
  onClose: () => void;
  onSaved: (saved: ChartOverride) => void;
}

const PREVIEW_DELAY = 300;

function useDebounced<T>(value: T, delay: number): T {
  const [held, setHeld] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setHeld(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return held;
}

function defaultName(preset: PresetWithSpec): string {
  const base = preset.name.replace(/\/v\d+$/, "").replace(/\//g, "_");
  return preset.version > 0 ? `${base}_custom` : base || "my_chart";
}

export default function ChartEditor(props: ChartEditorProps) {
  const { entity, chartKey, preset, columns, rows, runs, onClose, onSaved } = props;
  const dialog = useRef<HTMLDialogElement>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const titleId = useId();
  const listId = useId();
  const queryClient = useQueryClient();
  const [text, setText] = useState(() => JSON.stringify(preset.spec, null, 2));
  const [fields, setFields] = useState<Record<string, string>>(() => stringsOf(props.fields));
  const [strings, setStrings] = useState<Record<string, string>>(() => stringsOf(props.strings));
  const [name, setName] = useState(() => defaultName(preset));
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<string | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    textarea.current?.focus();
  }, []);

  const debouncedText = useDebounced(text, PREVIEW_DELAY);
  const parsed = useMemo(() => parseSpec(debouncedText), [debouncedText]);
  const current = useMemo(() => parseSpec(text), [text]);
  const placeholders = useMemo(
    () => ("spec" in current ? specPlaceholders(current.spec) : { fields: Object.keys(fields), strings: Object.keys(strings) }),
    [current, fields, strings],
  );
  const debouncedFields = useDebounced(fields, PREVIEW_DELAY);
  const debouncedStrings = useDebounced(strings, PREVIEW_DELAY);
  const preview = useMemo(
    () => ("spec" in parsed ? applyRunColors(fillSpec(parsed.spec, debouncedFields, debouncedStrings), runs) : null),
    [parsed, debouncedFields, debouncedStrings, runs],
  );
  const nameError = validPresetName(name);

  const save = async () => {
    if (!("spec" in current) || nameError) return;
    setSaving(true);
    setSaveError(null);
    try {
      const saved = await savePreset(entity, name.trim(), current.spec);
      await queryClient.invalidateQueries({ queryKey: ["preset", saved.id] });
      onSaved({ preset: saved.id, fields: only(fields, placeholders.fields), strings: only(strings, placeholders.strings) });
    } catch (e) {
      setSaveError(e instanceof Error ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <dialog
      ref={dialog}
      className="chart-editor"
      aria-labelledby={titleId}
      data-testid="chart-editor"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="chart-editor-head">
        <h2 id={titleId}>
          Edit chart <code>{chartKey}</code>{" "}
          <span className="muted">
            {preset.version > 0 ? `from ${preset.id} (v${preset.version})` : `new spec (no preset ${preset.id} is saved)`}
          </span>
        </h2>
        <button type="button" data-testid="chart-editor-close" onClick={onClose} aria-label="Close the editor">
          ✕
        </button>
      </div>
      <div className="chart-editor-body">
        <div className="chart-editor-spec">
          <label htmlFor={`${titleId}-spec`}>Vega / Vega-Lite spec (JSON)</label>
          <textarea
            ref={textarea}
            id={`${titleId}-spec`}
            data-testid="chart-editor-spec"
            spellCheck={false}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
          {"error" in current && (
            <div className="error-note" role="alert" data-testid="chart-editor-error">
              {current.error}
            </div>
          )}
        </div>
        <div className="chart-editor-side">
          <section>
            <h3>Columns</h3>
            <ul className="chart-editor-columns" data-testid="chart-editor-columns">
              {columns.map((c) => (
                <li key={c} data-testid={`chart-editor-column-${c}`}>
                  <code>{c}</code>
                </li>
              ))}
              {columns.length === 0 && <li className="muted">No table rows loaded</li>}
            </ul>
            <datalist id={listId}>
              {columns.map((c) => (
                <option key={c} value={c} />
              ))}
            </datalist>
          </section>
          <section>
            <h3>Fields</h3>
            {placeholders.fields.length === 0 && <p className="muted">The spec has no ${"{field:…}"} placeholders.</p>}
            {placeholders.fields.map((f) => (
              <label key={f} className="chart-editor-field">
                <span>{f}</span>
                <input
                  list={listId}
                  data-testid={`chart-editor-field-${f}`}
                  value={fields[f] ?? ""}
                  onChange={(e) => setFields((m) => ({ ...m, [f]: e.target.value }))}
                />
              </label>
            ))}
            {placeholders.strings.map((s) => (
              <label key={s} className="chart-editor-field">
                <span>{s}</span>
                <input
                  data-testid={`chart-editor-string-${s}`}
                  value={strings[s] ?? ""}
                  onChange={(e) => setStrings((m) => ({ ...m, [s]: e.target.value }))}
                />
              </label>
            ))}
          </section>
        </div>
        <div className="chart-editor-preview" data-testid="chart-editor-preview">
          <h3>Preview</h3>
          {"error" in parsed ? (
            <div className="muted">Fix the spec to see the preview.</div>
          ) : (
            preview && (
              <VegaView
                spec={preview}
                rows={rows}
                testid="chart-editor-vega"
                publishAs={{ key: `editor:${chartKey}`, preset: "", runs: runs.map((r) => r.run) }}
              />
            )
          )}
        </div>
      </div>
      <form
        className="chart-editor-save"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label>
          Save as <span className="muted">{entity}/</span>
          <input
            data-testid="chart-editor-name"
            aria-label="preset name"
            aria-invalid={nameError !== null}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <button type="submit" data-testid="chart-editor-save" disabled={saving || nameError !== null || "error" in current}>
          {saving ? "Saving…" : "Save as…"}
        </button>
        {nameError && <span className="muted">{nameError}</span>}
        {saveError && (
          <span className="error-note" role="alert" data-testid="chart-editor-save-error">
            {saveError}
          </span>
        )}
      </form>
    </dialog>
  );
}

function stringsOf(mapping: Mapping): Record<string, string> {
  return Object.fromEntries(Object.entries(mapping).map(([k, v]) => [k, v ?? ""]));
}

function only(mapping: Record<string, string>, names: string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((n) => [n, mapping[n] ? mapping[n] : null]));
}
