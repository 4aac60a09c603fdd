// Scatter of any two numeric config or summary values across the runs (issue 17),
// drawn with vega-embed (VegaView); each point in its run's colour.
import { useMemo, useState } from "react";
import type { Run } from "../api/types";
import { useColorOf } from "../hooks/useRunColors";
import { scatterRows, scatterSpec } from "../lib/analysisCharts";
import { type ColumnDef, columnValue } from "../lib/columns";
import VegaView from "./media/VegaView";

/** Config and summary columns holding a number in some run. */
export function numericColumns(runs: readonly Run[], catalog: readonly ColumnDef[]): ColumnDef[] {
  return catalog.filter((c) => c.source !== "run" && runs.some((r) => typeof columnValue(r, c.id) === "number"));
}

function ColumnSelect({ columns, value, onChange, testid }: { columns: ColumnDef[]; value: string; onChange: (id: string) => void; testid: string }) {
  return (
    <select data-testid={testid} value={value} onChange={(e) => onChange(e.target.value)}>
      {columns.map((c) => (
        <option key={c.id} value={c.id}>
          {c.source}: {c.path}
        </option>
      ))}
    </select>
  );
}

export { ColumnSelect };

export default function ScatterPanel({ runs, catalog }: { runs: Run[]; catalog: ColumnDef[] }) {
  const colorOf = useColorOf();
  const columns = useMemo(() => numericColumns(runs, catalog), [runs, catalog]);
  const [x, setX] = useState("");
  const [y, setY] = useState("");
  const [logX, setLogX] = useState(false);
  const xId = x || columns.find((c) => c.source === "config")?.id || columns[0]?.id || "";
  const yId = y || columns.find((c) => c.source === "summary")?.id || columns[1]?.id || "";
  const rows = useMemo(() => scatterRows(runs, xId, yId, colorOf), [runs, xId, yId, colorOf]);
  const xLabel = xId.replace(":", ".");
  const yLabel = yId.replace(":", ".");
  const spec = useMemo(() => scatterSpec(xLabel, yLabel, logX && rows.every((r) => (r.x as number) > 0)), [xLabel, yLabel, logX, rows]);
  if (columns.length === 0) return <div className="muted">No numeric config or summary values.</div>;
  return (
    <div data-testid="scatter-panel">
      <div className="panel-head">
        <span className="panel-title">Scatter</span>
        <label className="panel-log">
          x <ColumnSelect columns={columns} value={xId} onChange={setX} testid="scatter-x" />
        </label>
        <label className="panel-log">
          <input type="checkbox" checked={logX} onChange={(e) => setLogX(e.target.checked)} /> log x
        </label>
        <label className="panel-log">
          y <ColumnSelect columns={columns} value={yId} onChange={setY} testid="scatter-y" />
        </label>
      </div>
      <VegaView spec={spec} rows={rows} height={260} testid="scatter-chart" />
    </div>
  );
}
