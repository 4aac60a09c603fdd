// One run: overview, its charts (the workspace's panels, for this run), files.
import { useMemo, useState } from "react";
import type { Run } from "../api/types";
import { useChangeCount } from "../hooks/useChangeCount";
import { useMetricKeys, useProjectColors, useProjectRuns, useRun } from "../hooks/useProjectData";
import { RunColorsContext, useRunColors } from "../hooks/useRunColors";
import { SeriesLoaderContext, makeSeriesLoader } from "../hooks/useSeries";
import { useStableRuns } from "../hooks/useStableRuns";
import { runDisplayName } from "../lib/columns";
import { summaryKeySignature } from "../lib/liveRuns";
import { DEFAULT_SETTINGS, type WorkspaceSettings as Settings } from "../lib/workspaceSettings";
import Breadcrumbs from "./Breadcrumbs";
import PanelGrid from "./PanelGrid";
import MediaGrid from "./media/MediaGrid";
import RunFiles from "./RunFiles";
import RunOverview from "./RunOverview";
import WorkspaceSettings from "./WorkspaceSettings";

const EMPTY: Run[] = [];

export default function RunPage({ entity, project, runId }: { entity: string; project: string; runId: string }) {
  const { data: run, error, isPending } = useRun(entity, project, runId);
  // colours as the workspace shows them (key-based or picked ones included), from the
  // server; until they arrive, assigned over the project's runs as the workspace does
  const projectRuns = useProjectRuns(entity, project);
  const fallback = useRunColors(projectRuns.data?.runs ?? EMPTY);
  const served = useProjectColors(entity, project, run?.state === "running" ? run.last_step : run?.state).data;
  const colorOf = useMemo(
    () => (r: Pick<Run, "id" | "color">) => served?.get(r.id) ?? fallback(r),
    [served, fallback],
  );
  const [settings, setSettings] = useState<Settings>(DEFAULT_SETTINGS);
  const loader = useMemo(() => makeSeriesLoader(entity, project), [entity, project]);
  const runs = useStableRuns(useMemo(() => (run ? [run] : []), [run]));
  const keys = useMetricKeys(entity, project, [runId], useChangeCount(run ? summaryKeySignature([run]) : null));

  if (isPending) return <div className="page muted">Loading run…</div>;
  if (error || !run) return <div className="page error">Could not load run {runId}: {String(error)}</div>;
  return (
    <RunColorsContext.Provider value={colorOf}>
      <div className="page run-page" data-testid="run-page">
        <Breadcrumbs entity={entity} project={project} run={runId} />
        <h1>
          <span className="swatch big" style={{ background: colorOf(run) }} data-testid="run-color" data-color={colorOf(run)} />
          <span data-testid="run-name">{runDisplayName(run)}</span>
          {run.state === "running" && <span className="live-dot" title="running" />}
        </h1>
        <RunOverview run={run} />
        <section className="run-charts">
          <h2>Charts</h2>
          <WorkspaceSettings keys={keys.data?.keys ?? []} settings={settings} update={setSettings} />
          {keys.data ? (
            <SeriesLoaderContext.Provider value={loader}>
              <PanelGrid keys={keys.data.keys} runs={runs} settings={settings} update={setSettings} />
              <MediaGrid entity={entity} project={project} keys={keys.data.keys} runs={runs} settings={settings} update={setSettings} />
            </SeriesLoaderContext.Provider>
          ) : (
            <p className="muted">{keys.error ? String(keys.error) : "Loading…"}</p>
          )}
        </section>
        <RunFiles entity={entity} project={project} runId={runId} refresh={run.state === "running" ? run.last_step : run.state} />
      </div>
    </RunColorsContext.Provider>
  );
}
