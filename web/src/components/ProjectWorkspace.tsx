// A project's workspace: the runs table in a sidebar and the panel grid of every
// metric, live while runs are running, with the layout saved on the server; the
// settings drawer and the legend of key-based colours.
import { Suspense, lazy, useCallback, useEffect, useMemo, useState } from "react";
import type { MetricKey } from "../api/types";
import { useAfterFirstDraw } from "../hooks/useAfterFirstDraw";
import { useChangeCount } from "../hooks/useChangeCount";
import { GroupingContext, useGroupingScope } from "../hooks/useGroups";
import { useKeyColors } from "../hooks/useKeyColors";
import { useLiveRuns } from "../hooks/useLiveRuns";
import { RunColorsContext, useRunColors } from "../hooks/useRunColors";
import { useMetricKeys, useProjects } from "../hooks/useProjectData";
import { SeriesLoaderContext, makeSeriesLoader } from "../hooks/useSeries";
import { useStableRuns } from "../hooks/useStableRuns";
import { useWorkspaceSettings } from "../hooks/useWorkspaceSettings";
import { initialViewState, useViewState } from "../hooks/useViewState";
import { ViewZoomContext, useViewZoomState } from "../hooks/useViewZoom";
import { groupKeys } from "../lib/keySections";
import { panelMatcher } from "../lib/panelSearch";
import { columnCatalog, sortRuns } from "../lib/columns";
import { plottedRuns, summaryKeySignature } from "../lib/liveRuns";
import { EMPTY_FILTER, filterRuns, isFilterActive } from "../lib/runFilter";
import { type MongoFilter, matchesFilter } from "../lib/mongoFilter";
import { isActive } from "../lib/keyColors";
import { skipFirstDraw } from "../lib/firstDraw";
import AnalysisSection, { type AnalysisTab } from "./AnalysisSection";
import Breadcrumbs from "./Breadcrumbs";
import KeyColorLegend from "./KeyColorLegend";
import MediaGrid from "./media/MediaGrid";
import NotFound from "./NotFound";
import PanelGrid from "./PanelGrid";
import SettingsDrawer from "./SettingsDrawer";
import SystemSection from "./SystemSection";
import ViewsBar from "./ViewsBar";
import WorkspaceSettings from "./WorkspaceSettings";

// The runs table (TanStack Table and Virtual, the filter builder, run actions) is its own
// chunk, loaded and rendered once the first chart has drawn: its script, render and
// layout are not on the first panel's path (lib/firstDraw).
const RunsTable = lazy(() => import("./RunsTable"));

function RunsLoading() {
  return (
    <div className="muted runs-table-waiting" data-testid="runs-table-waiting">
      Loading runs…
    </div>
  );
}

export default function ProjectWorkspace({ entity, project }: { entity: string; project: string }) {
  const live = useLiveRuns(entity, project);
  // the runs table, media and system panels wait for the first chart (lib/firstDraw)
  const tableShown = useAfterFirstDraw();
  const { settings, update, ready, error: settingsError } = useWorkspaceSettings(entity, project);
  // issue 18: the URL carries the view (filter, grouping, x-axis, zoom, runs, saved view)
  const [initialView] = useState(initialViewState);
  const [filter, setFilter] = useState(initialView.filter ?? EMPTY_FILTER);
  const zoom = useViewZoomState({ sync: initialView.syncZoom, all: initialView.zoom, panels: initialView.panelZoom });
  const [panelSearch, setPanelSearch] = useState(initialView.search ?? "");
  // issue 17 (runs table side): runs deleted/moved by the table's actions leave at once (the
  // live poll only adds and updates), the checked runs, the parallel-coordinate brushes
  const [removed, setRemoved] = useState<ReadonlySet<string>>(new Set());
  const [selected, setSelected] = useState<string[]>(initialView.selected ?? []);
  const viewState = useViewState(
    { entity, project, ready, settings, update, filter, setFilter, selected, setSelected, zoom, panelSearch, setPanelSearch },
    initialView,
  );
  const shownKeys = useMemo(() => {
    const match = panelMatcher(panelSearch);
    return (keys: MetricKey[]) => (panelSearch ? keys.filter((k) => match(k.key)) : keys);
  }, [panelSearch]);
  const [brush, setBrush] = useState<MongoFilter | null>(null);
  const [analysisTab, setAnalysisTab] = useState<AnalysisTab | null>(null);
  const onRemoved = useCallback((ids: string[]) => setRemoved((s) => new Set([...s, ...ids])), []);
  const allRuns = useMemo(() => (removed.size ? live.runs.filter((r) => !removed.has(r.id)) : live.runs), [live.runs, removed]);
  const unbrushed = useMemo(() => sortRuns(filterRuns(allRuns, filter), settings.sort), [allRuns, filter, settings.sort]);
  const rows = useMemo(() => (brush ? unbrushed.filter((r) => matchesFilter(r, brush)) : unbrushed), [unbrushed, brush]);
  const catalog = useMemo(() => columnCatalog(live.runs), [live.runs]);
  const visible = useMemo(() => {
    const hidden = new Set(settings.hiddenRuns);
    return rows.filter((r) => !hidden.has(r.id)).length;
  }, [rows, settings.hiddenRuns]);
  // grouped panels aggregate every visible run (not only the first maxRuns drawn)
  const shownRuns = useMemo(() => rows.filter((r) => !settings.hiddenRuns.includes(r.id)), [rows, settings.hiddenRuns]);
  // asked before the runs arrive unless a filter or brush narrows them (hooks/useGroups)
  const grouping = useGroupingScope(entity, project, settings, allRuns, shownRuns, live.complete, isFilterActive(filter) || brush !== null);
  const plotted = useStableRuns(
    useMemo(() => plottedRuns(rows, settings.hiddenRuns, settings.maxRuns), [rows, settings.hiddenRuns, settings.maxRuns]),
  );
  // metric keys load beside the runs; refetched when runs log keys not seen before
  const keySignature = useMemo(() => summaryKeySignature(live.runs), [live.runs]);
  const keys = useMetricKeys(entity, project, undefined, useChangeCount(live.loading ? null : keySignature));
  const loader = useMemo(() => makeSeriesLoader(entity, project), [entity, project]);
  // the rest of the runs waits for the first chart (hooks/useLiveRuns), unless no chart
  // can draw before it: no metrics, or grouped panels narrowed by a filter (they wait for it)
  const noEarlyChart =
    (keys.data !== undefined && groupKeys(keys.data.keys).length === 0 && settings.customPanels.length === 0) ||
    (grouping !== null && !grouping.askable);
  useEffect(() => {
    if (noEarlyChart) skipFirstDraw();
  }, [noEarlyChart]);
  const keyColors = useKeyColors(entity, project, live.runs, settings.keyColors);
  const colorOf = useRunColors(live.runs, settings.runColors, keyColors.colors);
  const configPaths = useMemo(() => catalog.filter((c) => c.source === "config").map((c) => c.path), [catalog]);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const closeDrawer = useCallback(() => setDrawerOpen(false), []);
  // a project exists once a run logs to it: none listed and no runs -> "not found"
  const projects = useProjects();
  const unknown =
    !live.loading && live.runs.length === 0 && !!projects.data && !projects.data.projects.some((p) => p.entity === entity && p.name === project);
  if (unknown) {
    return <NotFound what="Project" name={`${entity}/${project}`} detail="has no runs on this server." back={{ href: "/", label: "All projects" }} />;
  }

  return (
    <RunColorsContext.Provider value={colorOf}>
      <div className="workspace" data-testid="workspace">
        <aside className="sidebar">
          <Breadcrumbs entity={entity} project={project} />
          {tableShown ? (
            <Suspense fallback={<RunsLoading />}>
              <RunsTable
                entity={entity}
                project={project}
                allRuns={allRuns}
                rows={rows}
                catalog={catalog}
                filter={filter}
                onFilterChange={setFilter}
                settings={settings}
                update={update}
                loading={live.loading}
                loadingTotal={live.complete ? null : live.total}
                selected={selected}
                onSelect={setSelected}
                onRemoved={onRemoved}
                comparing={analysisTab === "compare"}
                onCompare={() => setAnalysisTab((tab) => (tab === "compare" ? null : "compare"))}
              />
            </Suspense>
          ) : (
            <RunsLoading />
          )}
        </aside>
        <main className="main">
          <WorkspaceSettings
            keys={keys.data?.keys ?? []}
            settings={settings}
            update={update}
            plotted={{ drawn: plotted.length, visible }}
            onOpenDrawer={() => setDrawerOpen((open) => !open)}
            drawerOpen={drawerOpen}
            configPaths={configPaths}
          />
          <ViewsBar
            entity={entity}
            project={project}
            view={viewState.view}
            settings={settings}
            sync={zoom.sync}
            onSync={zoom.setSync}
            panelSearch={panelSearch}
            onPanelSearch={setPanelSearch}
          />
          {viewState.error && (
            <div className="error" data-testid="view-error">
              {viewState.error}
            </div>
          )}
          {isActive(settings.keyColors) && (
            <KeyColorLegend
              setting={settings.keyColors}
              colors={keyColors.colors}
              ready={keyColors.ready}
              runs={live.runs}
              error={keyColors.error}
              onEdit={() => setDrawerOpen(true)}
            />
          )}
          {(live.error || settingsError || keys.error) && (
            <div className="error" data-testid="workspace-error">
              {live.error ?? settingsError ?? String(keys.error)}
            </div>
          )}
          <AnalysisSection
            entity={entity}
            project={project}
            tab={analysisTab}
            onTab={setAnalysisTab}
            runs={unbrushed}
            rows={rows}
            selected={allRuns.filter((r) => selected.includes(r.id))}
            catalog={catalog}
            groupBy={settings.groupBy}
            onBrush={setBrush}
          />
          {ready && keys.data ? (
            <SeriesLoaderContext.Provider value={loader}>
              <GroupingContext.Provider value={grouping}>
                <ViewZoomContext.Provider value={zoom}>
                  <PanelGrid keys={shownKeys(keys.data.keys)} allKeys={keys.data.keys} runs={plotted} settings={settings} update={update} />
                </ViewZoomContext.Provider>
              </GroupingContext.Provider>
              {tableShown && (
                // media and system panels below the line panels: after the first chart
                <>
                  <MediaGrid entity={entity} project={project} keys={shownKeys(keys.data.keys)} runs={plotted} settings={settings} update={update} />
                  <SystemSection entity={entity} project={project} runs={plotted} settings={settings} update={update} />
                </>
              )}
            </SeriesLoaderContext.Provider>
          ) : (
            <div className="muted page">Loading…</div>
          )}
        </main>
        {drawerOpen && (
          <SettingsDrawer
            settings={settings}
            update={update}
            metrics={keys.data?.keys ?? []}
            configPaths={configPaths}
            runs={live.runs}
            colors={keyColors.colors}
            onClose={closeDrawer}
          />
        )}
      </div>
    </RunColorsContext.Provider>
  );
}
