// Bar of a summary value across the runs, or across the workspace's groups (the mean
// over each group's runs with its min–max range), drawn with vega-embed (issue 17).
import { useMemo, useState } from "react";
import type { Run } from "../api/types";
import { useColorOf } from "../hooks/useRunColors";
import { barRows, barSpec } from "../lib/analysisCharts";
import type { ColumnDef } from "../lib/columns";
import { groupColors, groupRuns } from "../lib/grouping";
import VegaView from "./media/VegaView";
import { ColumnSelect, numericColumns } from "./ScatterPanel";

/** Runs drawn as bars at most (a bar per run past this is unreadable). */
const MAX_BARS = 200;

export default function BarPanel({ runs, catalog, groupBy }: { runs: Run[]; catalog: ColumnDef[]; groupBy: string[] }) {
  const colorOf = useColorOf();
  const columns = useMemo(() => numericColumns(runs, catalog).filter((c) => c.source === "summary"), [runs, catalog]);
  const [column, setColumn] = useState("");
  const [byGroup, setByGroup] = useState(true);
  const id = column || columns.find((c) => c.path === "loss")?.id || columns[0]?.id || "";
  const grouped = byGroup && groupBy.length > 0;
  const groups = useMemo(() => (grouped ? groupRuns(runs, groupBy) : null), [grouped, runs, groupBy]);
  const rows = useMemo(() => {
    const colors = groupColors(groups?.map((g) => g.key) ?? []);
    return barRows(runs.slice(0, MAX_BARS), groups, id, colorOf, (key) => colors.get(key) ?? "#888");
  }, [runs, groups, id, colorOf]);
  const label = id.replace(/^summary:/, "");
  const spec = useMemo(() => barSpec(label, grouped), [label, grouped]);
  if (columns.length === 0) return <div className="muted">No numeric summary values.</div>;
  return (
    <div data-testid="bar-panel">
      <div className="panel-head">
        <span className="panel-title">Bar</span>
        <label className="panel-log">
          value <ColumnSelect columns={columns} value={id} onChange={setColumn} testid="bar-column" />
        </label>
        {groupBy.length > 0 && (
          <label className="panel-log">
            <input type="checkbox" data-testid="bar-by-group" checked={byGroup} onChange={(e) => setByGroup(e.target.checked)} /> by group
          </label>
        )}
      </div>
      <VegaView spec={spec} rows={rows} height={Math.max(120, Math.min(600, rows.length * 16))} testid="bar-chart" />
    </div>
  );
}
