// The System tab: a panel per system key of the run (GPUs of one measure share a
// panel), over the run's runtime, re-read while the run is live.
import { useMemo } from "react";
import type { Run } from "../api/types";
import { useRunSystem } from "../hooks/useSystemMetrics";
import { useColorOf } from "../hooks/useRunColors";
import { runDisplayName } from "../lib/columns";
import { PALETTE } from "../lib/runColor";
import { groupSystemKeys, systemChartRuns } from "../lib/systemMetrics";
import SystemPanel from "./SystemPanel";

export default function RunSystem({ entity, project, run }: { entity: string; project: string; run: Run }) {
  const { data, error, isPending } = useRunSystem(entity, project, run.id, run.state === "running");
  const colorOf = useColorOf();
  const color = colorOf(run);
  const label = runDisplayName(run);
  const groups = useMemo(() => groupSystemKeys(data ? [...data.keys, ...Object.keys(data.values)] : []), [data]);
  const panels = useMemo(
    () => groups.map((group) => ({ group, lines: systemChartRuns(group, [{ id: run.id, label, color, columns: data }], PALETTE) })),
    [groups, run.id, label, color, data],
  );
  if (isPending) return <p className="muted">Loading…</p>;
  if (error) return <p className="error">Could not load system metrics: {String(error)}</p>;
  if (groups.length === 0) {
    return (
      <p className="empty" data-testid="system-empty">
        No system metrics recorded for this run (they are sampled every 15 s while a run is live; see
        <code> settings.x_stats_sampling_interval</code>).
      </p>
    );
  }
  return (
    <div className="panels system-panels" data-testid="system-panels" data-samples={data?.runtime.length ?? 0}>
      {panels.map(({ group, lines }) => (
        <SystemPanel key={group.id} group={group} lines={lines} />
      ))}
    </div>
  );
}
