// One run: its name and colour, then tabs (in the URL: lib/route) — Overview
// (facts, environment, config, summary), Charts (the workspace's panels for this
// run), System (its system metrics), Logs (console output) and Files. A running run
// has a Stop button.
import { useQueryClient } from "@tanstack/react-query";
import { Suspense, lazy, useMemo, useState } from "react";
import { ApiError, stopRun } from "../api/client";
import type { Run } from "../api/types";
import { useChangeCount } from "../hooks/useChangeCount";
import { useMetricKeys, useProjectColors, useRun } from "../hooks/useProjectData";
import { RunColorsContext, useRunColors } from "../hooks/useRunColors";
import { SeriesLoaderContext, makeSeriesLoader } from "../hooks/useSeries";
import { useStableRuns } from "../hooks/useStableRuns";
import { runDisplayName } from "../lib/columns";
import { summaryKeySignature } from "../lib/liveRuns";
import { type RunTab, RUN_TABS, runUrl, workspaceUrl } from "../lib/route";
import { DEFAULT_SETTINGS, type WorkspaceSettings as Settings } from "../lib/workspaceSettings";
import Breadcrumbs from "./Breadcrumbs";
import Link from "./Link";
import PanelGrid from "./PanelGrid";
import MediaGrid from "./media/MediaGrid";
import NotFound from "./NotFound";
import RunFiles from "./RunFiles";
import RunArtifacts from "./artifacts/RunArtifacts";
import RunOverview from "./RunOverview";
import RunSystem from "./RunSystem";
import WorkspaceSettings from "./WorkspaceSettings";

// the virtualised log view (TanStack Virtual, the ANSI parser) loads when opened
const RunLogs = lazy(() => import("./RunLogs"));

const EMPTY: Run[] = [];

const TAB_LABELS: Record<RunTab, string> = {
  overview: "Overview",
  charts: "Charts",
  system: "System",
  logs: "Logs",
  files: "Files",
  artifacts: "Artifacts",
};

export default function RunPage({ entity, project, runId, tab }: { entity: string; project: string; runId: string; tab: RunTab }) {
  const { data: run, error, isPending } = useRun(entity, project, runId);
  // colours as the workspace shows them (key-based or picked ones included), from the
  // server (charts wait for them: a few ms, one light query however many runs the
  // project has); assigned over this run alone only if they cannot be had
  const colors = useProjectColors(entity, project, run?.state === "running" ? run.last_step : run?.state);
  const served = colors.data;
  const colorsReady = served !== undefined || colors.isError;
  const single = useMemo(() => (run ? [run] : EMPTY), [run]);
  const fallback = useRunColors(single);
  const colorOf = useMemo(
    () => (r: Pick<Run, "id" | "color">) => served?.get(r.id) ?? fallback(r),
    [served, fallback],
  );
  const [settings, setSettings] = useState<Settings>(DEFAULT_SETTINGS);
  const loader = useMemo(() => makeSeriesLoader(entity, project), [entity, project]);
  const runs = useStableRuns(useMemo(() => (run ? [run] : []), [run]));
  const keys = useMetricKeys(entity, project, [runId], useChangeCount(run ? summaryKeySignature([run]) : null));

  if (isPending) return <div className="page muted">Loading run…</div>;
  if (error instanceof ApiError && error.status === 404) {
    const back = { href: workspaceUrl(entity, project), label: `Back to ${entity}/${project}` };
    return <NotFound what="Run" name={runId} detail={`is not a run of ${entity}/${project}.`} back={back} />;
  }
  if (error || !run) return <div className="page error">Could not load run {runId}: {String(error)}</div>;
  const live = run.state === "running";
  const refresh = live ? run.last_step : run.state;
  let body: React.ReactNode;
  switch (tab) {
    case "overview":
      body = <RunOverview run={run} entity={entity} project={project} />;
      break;
    case "system":
      body = <RunSystem entity={entity} project={project} run={run} />;
      break;
    case "logs":
      body = (
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <RunLogs entity={entity} project={project} run={run} />
        </Suspense>
      );
      break;
    case "files":
      body = <RunFiles entity={entity} project={project} run={run} keys={keys.data?.keys} refresh={refresh} />;
      break;
    case "artifacts":
      body = <RunArtifacts entity={entity} project={project} runId={runId} />;
      break;
    default:
      body = (
        <section className="run-charts" data-testid="run-charts">
          <WorkspaceSettings keys={keys.data?.keys ?? []} settings={settings} update={setSettings} />
          {keys.data && colorsReady ? (
            <SeriesLoaderContext.Provider value={loader}>
              <PanelGrid keys={keys.data.keys} runs={runs} settings={settings} update={setSettings} />
              <MediaGrid entity={entity} project={project} keys={keys.data.keys} runs={runs} settings={settings} update={setSettings} />
            </SeriesLoaderContext.Provider>
          ) : (
            <p className="muted">{keys.error ? String(keys.error) : "Loading…"}</p>
          )}
        </section>
      );
  }
  return (
    <RunColorsContext.Provider value={colorOf}>
      <div className="page run-page" data-testid="run-page" data-tab={tab}>
        <Breadcrumbs entity={entity} project={project} run={runId} />
        <h1>
          <span className="swatch big" style={{ background: colorOf(run) }} data-testid="run-color" data-color={colorOf(run)} />
          <span data-testid="run-name">{runDisplayName(run)}</span>
          {live && <span className="live-dot" title="running" />}
          {live && <StopRunButton entity={entity} project={project} run={run} />}
        </h1>
        <nav className="run-tabs" role="tablist" data-testid="run-tabs">
          {RUN_TABS.map((name) => (
            <Link
              key={name}
              href={runUrl(entity, project, runId, name)}
              role="tab"
              aria-selected={name === tab}
              className={name === tab ? "run-tab active" : "run-tab"}
              data-testid={`run-tab-${name}`}
            >
              {TAB_LABELS[name]}
            </Link>
          ))}
        </nav>
        <div className="run-tab-body" role="tabpanel" data-testid={`run-tab-body-${tab}`}>
          {body}
        </div>
      </div>
    </RunColorsContext.Provider>
  );
}

/** "Stop run": the server notes the request and tells the run's client at its next
 * contact (a wandb client stops its script, and the run ends `killed`). */
function StopRunButton({ entity, project, run }: { entity: string; project: string; run: Run }) {
  const queryClient = useQueryClient();
  const [sending, setSending] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  // the server's run JSON carries the pending request (schema 0006)
  const requested = (run as Run & { stop_requested_at?: number | null }).stop_requested_at != null;
  const stopping = sending || requested;
  const stop = async () => {
    if (!window.confirm(`Stop run ${runDisplayName(run)}? Its script is interrupted at its next contact with the server.`)) return;
    setSending(true);
    setFailure(null);
    try {
      await stopRun(entity, project, run.id);
      await queryClient.invalidateQueries({ queryKey: ["run", entity, project, run.id] });
    } catch (error) {
      setFailure(String(error instanceof Error ? error.message : error));
    } finally {
      setSending(false);
    }
  };
  return (
    <span className="run-stop">
      <button
        type="button"
        className="link-button"
        data-testid="run-stop"
        data-state={stopping ? "stopping" : "idle"}
        disabled={stopping}
        title="Stop this run: its client is told to stop at its next contact"
        onClick={() => void stop()}
      >
        {stopping ? "Stopping…" : "Stop run"}
      </button>
      {failure && (
        <span className="error" data-testid="run-stop-error">
          {failure}
        </span>
      )}
    </span>
  );
}
