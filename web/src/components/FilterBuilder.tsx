// The filter builder (issue 17): AND/OR rows over config, summary, metadata (run
// fields), tags, state and dates. It edits the filter box's text (so the two never
// disagree) and shows the API filter the text compiles to — the one to pass to
// `runyard.Api().runs(filters=…)` for the same runs — or why there is none.
import { useMemo, useState } from "react";
import type { Run } from "../api/types";
import type { ColumnDef } from "../lib/columns";
import { DATE_FIELDS, type FilterCategory, type FilterRow, METADATA_FIELDS, OPS, rowsToText, textToRows } from "../lib/filterRows";
import { compileFilterText, knownKeys } from "../lib/runFilter";

const STATES = ["running", "finished", "crashed", "failed", "killed"];
const CATEGORIES: FilterCategory[] = ["config", "summary", "metadata", "tags", "state", "date"];

export interface FilterBuilderProps {
  text: string;
  onChange: (text: string) => void;
  runs: readonly Run[];
  catalog: ColumnDef[];
}

function blank(category: FilterCategory, catalog: ColumnDef[]): FilterRow {
  const first = (source: string) => catalog.find((c) => c.source === source)?.path ?? "";
  const key = category === "config" ? first("config") : category === "summary" ? first("summary") : category === "metadata" ? METADATA_FIELDS[0] : category === "date" ? DATE_FIELDS[0] : "";
  return { join: "and", category, key, op: category === "date" ? ">=" : "=", value: category === "state" ? "finished" : "" };
}

export default function FilterBuilder({ text, onChange, runs, catalog }: FilterBuilderProps) {
  const initial = useMemo(() => textToRows(text), []); // eslint-disable-line react-hooks/exhaustive-deps
  const [rows, setRows] = useState<FilterRow[]>(initial && initial.length ? initial : [blank("config", catalog)]);
  const compiled = useMemo(() => compileFilterText(text, () => knownKeys(runs)), [text, runs]);

  const change = (next: FilterRow[]) => {
    setRows(next);
    onChange(rowsToText(next));
  };
  const set = (index: number, patch: Partial<FilterRow>) => change(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  const keysOf = (row: FilterRow): string[] => {
    if (row.category === "config" || row.category === "summary") return catalog.filter((c) => c.source === row.category).map((c) => c.path);
    if (row.category === "metadata") return METADATA_FIELDS;
    if (row.category === "date") return DATE_FIELDS;
    return [];
  };

  return (
    <div className="filter-builder" data-testid="filter-builder">
      {textToRows(text) === null && text.trim() && <div className="muted">The box holds plain text; the builder replaces it.</div>}
      {rows.map((row, index) => {
        const keys = keysOf(row);
        return (
          <div className="filter-row" key={index} data-testid={`filter-row-${index}`}>
            {index === 0 ? (
              <span className="filter-join muted">where</span>
            ) : (
              <select className="filter-join" data-testid={`filter-join-${index}`} value={row.join} onChange={(e) => set(index, { join: e.target.value as "and" | "or" })}>
                <option value="and">and</option>
                <option value="or">or</option>
              </select>
            )}
            <select data-testid={`filter-category-${index}`} value={row.category} onChange={(e) => change(rows.map((r, i) => (i === index ? { ...blank(e.target.value as FilterCategory, catalog), join: r.join } : r)))}>
              {CATEGORIES.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
              {row.category === "key" && <option value="key">key</option>}
            </select>
            {row.category === "key" ? (
              <input data-testid={`filter-key-${index}`} value={row.key} onChange={(e) => set(index, { key: e.target.value })} />
            ) : keys.length > 0 ? (
              <select data-testid={`filter-key-${index}`} value={row.key} onChange={(e) => set(index, { key: e.target.value })}>
                {!keys.includes(row.key) && <option value={row.key}>{row.key}</option>}
                {keys.map((k) => (
                  <option key={k} value={k}>
                    {k}
                  </option>
                ))}
              </select>
            ) : null}
            <select data-testid={`filter-op-${index}`} value={row.op} onChange={(e) => set(index, { op: e.target.value as FilterRow["op"] })}>
              {OPS.map((op) => (
                <option key={op} value={op}>
                  {op === "~" ? "contains" : op}
                </option>
              ))}
            </select>
            {row.category === "state" ? (
              <select data-testid={`filter-value-${index}`} value={row.value} onChange={(e) => set(index, { value: e.target.value })}>
                {STATES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            ) : (
              <input
                data-testid={`filter-value-${index}`}
                placeholder={row.category === "date" ? "2024-05-01 or 2024-05-01T12:00:00Z" : "value"}
                value={row.value}
                onChange={(e) => set(index, { value: e.target.value })}
              />
            )}
            <button type="button" className="link" data-testid={`filter-remove-${index}`} title="Remove this condition" onClick={() => change(rows.filter((_, i) => i !== index))}>
              ✕
            </button>
          </div>
        );
      })}
      <div className="runs-controls-row">
        <button type="button" data-testid="filter-add" onClick={() => setRows([...rows, blank("config", catalog)])}>
          + condition
        </button>
        <button type="button" data-testid="filter-clear" onClick={() => change([])}>
          Clear
        </button>
      </div>
      <div className="filter-compiled" data-testid="filter-compiled">
        {compiled.kind === "filter" && (
          <>
            <span className="muted">Api().runs(filters=…):</span>
            <code data-testid="filter-mongo">{JSON.stringify(compiled.filter)}</code>
          </>
        )}
        {compiled.kind === "error" && <span className="error">{compiled.message}</span>}
      </div>
    </div>
  );
}
