// The run comparer (issue 17): the selected runs side by side — config, summary and
// metadata (the environment, fetched per run) — with "only differences"; the baseline
// run, when selected, comes first.
import { useEffect, useMemo, useState } from "react";
import { getRun } from "../api/client";
import type { Run } from "../api/types";
import { useBaselineRun } from "../hooks/useBaselineRun";
import { runDisplayName } from "../lib/columns";
import { compareRows } from "../lib/compare";
import { formatValue } from "../lib/format";

/** Runs compared at most (columns beyond this would not fit a screen anyway). */
export const MAX_COMPARED = 20;

export default function RunComparer({ entity, project, runs }: { entity: string; project: string; runs: Run[] }) {
  const baseline = useBaselineRun();
  const [onlyDifferences, setOnlyDifferences] = useState(true);
  const [metadata, setMetadata] = useState<Record<string, Run>>({});
  const [error, setError] = useState<string | null>(null);
  const ordered = useMemo(() => {
    const picked = runs.slice(0, MAX_COMPARED);
    const base = picked.find((r) => r.id === baseline);
    return base ? [base, ...picked.filter((r) => r !== base)] : picked;
  }, [runs, baseline]);
  const idList = ordered.map((r) => r.id).join(",");

  useEffect(() => {
    const controller = new AbortController();
    const missing = idList.split(",").filter((id) => id && !(id in metadata));
    if (missing.length === 0) return;
    Promise.all(missing.map((id) => getRun(entity, project, id, controller.signal)))
      .then((full) => setMetadata((m) => ({ ...m, ...Object.fromEntries(full.map((r) => [r.id, r])) })))
      .catch((e) => {
        if (!controller.signal.aborted) setError(String(e));
      });
    return () => controller.abort();
    // metadata is only added to: re-running on it would refetch nothing
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [entity, project, idList]);

  const withMetadata = useMemo(() => ordered.map((r) => ({ ...r, metadata: metadata[r.id]?.metadata ?? null })), [ordered, metadata]);
  const rows = useMemo(() => compareRows(withMetadata, onlyDifferences), [withMetadata, onlyDifferences]);

  if (runs.length === 0) return <div className="muted">Select runs in the table (their check boxes) to compare them.</div>;
  return (
    <div className="run-comparer" data-testid="run-comparer">
      <div className="panel-head">
        <span className="panel-title">
          {ordered.length} runs{runs.length > MAX_COMPARED ? ` (first ${MAX_COMPARED} of ${runs.length})` : ""}
        </span>
        <label className="panel-log">
          <input type="checkbox" data-testid="compare-only-diff" checked={onlyDifferences} onChange={(e) => setOnlyDifferences(e.target.checked)} />
          only differences
        </label>
      </div>
      {error && <div className="error">{error}</div>}
      <div className="compare-scroll">
        <table className="compare-table">
          <thead>
            <tr>
              <th>key</th>
              {ordered.map((r) => (
                <th key={r.id} data-testid={`compare-col-${r.id}`} className={r.id === baseline ? "baseline" : undefined}>
                  {runDisplayName(r)}
                  {r.id === baseline && <span className="muted"> (baseline)</span>}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => {
              const head = index === 0 || rows[index - 1].section !== row.section;
              return [
                head ? (
                  <tr key={`${row.section}-head`} className="compare-section">
                    <td colSpan={ordered.length + 1}>{row.section}</td>
                  </tr>
                ) : null,
                <tr key={`${row.section}:${row.key}`} data-testid={`compare-row-${row.section}:${row.key}`} data-differs={row.differs} className={row.differs ? "differs" : undefined}>
                  <td className="compare-key">{row.key}</td>
                  {row.values.map((value, i) => (
                    <td key={ordered[i].id}>{value === undefined ? <span className="muted">—</span> : formatValue(value)}</td>
                  ))}
                </tr>,
              ];
            })}
          </tbody>
        </table>
        {rows.length === 0 && <div className="muted">{onlyDifferences ? "These runs do not differ." : "Nothing to compare."}</div>}
      </div>
    </div>
  );
}
