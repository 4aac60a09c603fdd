// The workspace's System section: the plotted runs' system metrics compared, one
// panel per system key (GPUs of one measure together), a line per run in its
// colour. Collapsed until opened (the choice is saved with the workspace); nothing
// is fetched while it is closed.
import { useMemo } from "react";
import type { Run } from "../api/types";
import { useProjectSystem } from "../hooks/useSystemMetrics";
import { useColorOf } from "../hooks/useRunColors";
import { runDisplayName } from "../lib/columns";
import { PALETTE } from "../lib/runColor";
import { groupSystemKeys, systemChartRuns } from "../lib/systemMetrics";
import type { WorkspaceSettings } from "../lib/workspaceSettings";
import SystemPanel from "./SystemPanel";

export interface SystemSectionProps {
  entity: string;
  project: string;
  runs: Run[];
  settings: WorkspaceSettings;
  update: (change: (settings: WorkspaceSettings) => WorkspaceSettings) => void;
}

export default function SystemSection({ entity, project, runs, settings, update }: SystemSectionProps) {
  const open = settings.systemOpen;
  const ids = useMemo(() => runs.map((r) => r.id), [runs]);
  const live = runs.some((r) => r.state === "running");
  const { data, error, isPending } = useProjectSystem(entity, project, ids, live, open);
  const colorOf = useColorOf();
  const panels = useMemo(() => {
    if (!data) return [];
    const keys = Object.values(data.runs).flatMap((c) => [...c.keys, ...Object.keys(c.values)]);
    const systemRuns = runs.map((r) => ({ id: r.id, label: runDisplayName(r), color: colorOf(r), columns: data.runs[r.id] }));
    return groupSystemKeys(keys).map((group) => ({ group, lines: systemChartRuns(group, systemRuns, PALETTE) }));
  }, [data, runs, colorOf]);
  return (
    <div className="panel-grid system-grid">
      <section className="panel-section" data-testid="section-System">
        <button
          type="button"
          className="section-head"
          data-testid="system-section-toggle"
          aria-expanded={open}
          onClick={() => update((s) => ({ ...s, systemOpen: !s.systemOpen }))}
        >
          <span className="chevron">{open ? "▾" : "▸"}</span>
          System
          {open && data && <span className="count">{panels.length}</span>}
        </button>
        {open &&
          (error ? (
            <p className="error">Could not load system metrics: {String(error)}</p>
          ) : isPending && ids.length > 0 ? (
            <p className="muted">Loading…</p>
          ) : panels.length === 0 ? (
            <p className="empty" data-testid="system-empty">
              No system metrics recorded for the shown runs.
            </p>
          ) : (
            <div className="panels system-panels" data-testid="system-panels">
              {panels.map(({ group, lines }) => (
                <SystemPanel key={group.id} group={group} lines={lines} />
              ))}
            </div>
          ))}
      </section>
    </div>
  );
}
