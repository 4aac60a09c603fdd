// Parameter importance (issue 17): for a chosen summary metric, each config key's
// random-forest importance and its correlation with the metric (GET /importance,
// computed and cached on the server), ranked most important first.
import { useEffect, useMemo, useState } from "react";
import { getImportance } from "../api/client";
import type { ImportanceResponse } from "../api/types";
import type { ColumnDef } from "../lib/columns";
import { formatNumber } from "../lib/format";

export default function ImportancePanel({ entity, project, catalog }: { entity: string; project: string; catalog: ColumnDef[] }) {
  const metrics = useMemo(() => catalog.filter((c) => c.source === "summary").map((c) => c.path), [catalog]);
  const [metric, setMetric] = useState("");
  const chosen = metric || metrics.find((m) => m === "loss") || metrics[0] || "";
  const [answer, setAnswer] = useState<{ metric: string; data?: ImportanceResponse; error?: string } | null>(null);

  useEffect(() => {
    if (!chosen) return;
    const controller = new AbortController();
    setAnswer({ metric: chosen });
    getImportance(entity, project, chosen, null, controller.signal)
      .then((data) => setAnswer({ metric: chosen, data }))
      .catch((e) => {
        if (!controller.signal.aborted) setAnswer({ metric: chosen, error: String(e) });
      });
    return () => controller.abort();
  }, [entity, project, chosen]);

  const data = answer?.metric === chosen ? answer.data : undefined;
  const top = Math.max(1e-12, ...(data?.parameters.map((p) => p.importance ?? 0) ?? [0]));
  return (
    <div className="importance" data-testid="importance-panel">
      <div className="panel-head">
        <span className="panel-title">Parameter importance</span>
        <label className="panel-log">
          with respect to
          <select data-testid="importance-metric" value={chosen} onChange={(e) => setMetric(e.target.value)}>
            {metrics.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
      </div>
      {answer?.error && <div className="error">{answer.error}</div>}
      {!data && !answer?.error && <div className="muted">Computing…</div>}
      {data?.note && <div className="muted" data-testid="importance-note">{data.note}</div>}
      {data && data.parameters.length > 0 && (
        <table className="importance-table" data-testid="importance-table" data-metric={data.metric} data-runs={data.runs}>
          <thead>
            <tr>
              <th>config</th>
              <th>importance</th>
              <th>correlation</th>
            </tr>
          </thead>
          <tbody>
            {data.parameters.map((p, i) => (
              <tr key={p.key} data-testid={`importance-row-${i}`} data-key={p.key} data-importance={p.importance ?? ""} data-correlation={p.correlation ?? ""}>
                <td className="compare-key" title={`${p.runs} runs`}>
                  {p.key}
                </td>
                <td>
                  <span className="bar-cell">
                    <span className="bar importance-bar" style={{ width: `${((p.importance ?? 0) / top) * 100}%` }} />
                    <span>{p.importance === null ? "—" : formatNumber(p.importance)}</span>
                  </span>
                </td>
                <td>
                  <span className="bar-cell">
                    <span className={`bar ${(p.correlation ?? 0) < 0 ? "negative" : "positive"}`} style={{ width: `${Math.abs(p.correlation ?? 0) * 100}%` }} />
                    <span>{p.correlation === null ? "—" : formatNumber(p.correlation)}</span>
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
