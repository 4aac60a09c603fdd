// The workspace's "Compare & analyse" section (issue 17): the run comparer, parallel
// coordinates, parameter importance, scatter and bar, one at a time in tabs above the
// metric panels. Collapsed until a tab is picked.
import { useState } from "react";
import type { Run } from "../api/types";
import type { ColumnDef } from "../lib/columns";
import type { MongoFilter } from "../lib/mongoFilter";
import BarPanel from "./BarPanel";
import ImportancePanel from "./ImportancePanel";
import ParallelCoordinates from "./ParallelCoordinates";
import RunComparer from "./RunComparer";
import ScatterPanel from "./ScatterPanel";

export type AnalysisTab = "compare" | "parallel" | "importance" | "scatter" | "bar";
const TABS: [AnalysisTab, string][] = [
  ["compare", "Compare runs"],
  ["parallel", "Parallel coordinates"],
  ["importance", "Parameter importance"],
  ["scatter", "Scatter"],
  ["bar", "Bar"],
];

export interface AnalysisSectionProps {
  entity: string;
  project: string;
  tab: AnalysisTab | null;
  onTab: (tab: AnalysisTab | null) => void;
  /** The table's runs (brushing not applied: parallel coordinates brushes over these). */
  runs: Run[];
  /** The table's runs, brushing applied (scatter and bar draw these). */
  rows: Run[];
  selected: Run[];
  catalog: ColumnDef[];
  groupBy: string[];
  onBrush: (filter: MongoFilter | null) => void;
}

export default function AnalysisSection(props: AnalysisSectionProps) {
  const { entity, project, tab, onTab, runs, rows, selected, catalog, groupBy, onBrush } = props;
  const [everOpened, setEverOpened] = useState(false);
  return (
    <section className="panel-section analysis" data-testid="analysis-section">
      <div className="analysis-tabs" role="tablist">
        {TABS.map(([id, label]) => (
          <button
            type="button"
            role="tab"
            key={id}
            data-testid={`analysis-tab-${id}`}
            aria-selected={tab === id}
            className={tab === id ? "active" : undefined}
            onClick={() => {
              setEverOpened(true);
              onTab(tab === id ? null : id);
            }}
          >
            {label}
            {id === "compare" && selected.length > 0 ? ` (${selected.length})` : ""}
          </button>
        ))}
      </div>
      {/* parallel coordinates stay mounted once opened: their brushes filter the table */}
      {everOpened && (
        <div className="panel" hidden={tab !== "parallel"}>
          <ParallelCoordinates runs={runs} catalog={catalog} onFilter={onBrush} />
        </div>
      )}
      {tab && tab !== "parallel" && (
        <div className="panel" data-testid={`analysis-${tab}`}>
          {tab === "compare" && <RunComparer entity={entity} project={project} runs={selected} />}
          {tab === "importance" && <ImportancePanel entity={entity} project={project} catalog={catalog} />}
          {tab === "scatter" && <ScatterPanel runs={rows} catalog={catalog} />}
          {tab === "bar" && <BarPanel runs={rows} catalog={catalog} groupBy={groupBy} />}
        </div>
      )}
    </section>
  );
}
