// The workspace's (and run page's) media and custom-chart panels, in collapsible
// sections (lib/mediaSections) below the line panels.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";
import { listCharts } from "../../api/client";
import type { MetricKey, Run } from "../../api/types";
import { groupMediaPanels } from "../../lib/mediaSections";
import { type ChartSetting, type WorkspaceSettings, setChart, toggle } from "../../lib/workspaceSettings";
import ChartPanel from "./ChartPanel";
import MediaPanel from "./MediaPanel";
import TablePanel from "./TablePanel";
import "./MediaGrid.css";

export interface MediaGridProps {
  entity: string;
  project: string;
  keys: MetricKey[];
  runs: Run[];
  settings: WorkspaceSettings;
  update: (change: (settings: WorkspaceSettings) => WorkspaceSettings) => void;
}

/** Collapsed media sections are stored beside the line sections, prefixed. */
const collapseId = (name: string) => `media:${name}`;

export default function MediaGrid({ entity, project, keys, runs, settings, update }: MediaGridProps) {
  const runIds = runs.map((r) => r.id).join(",");
  // re-read when the runs log keys not seen before (a new chart logs its `<key>_table`)
  const keySignature = keys.map((k) => k.key).join("\u0001");
  const charts = useQuery({
    queryKey: ["charts", entity, project, runIds, keySignature],
    queryFn: ({ signal }) => listCharts(entity, project, runIds ? runIds.split(",") : [], signal),
    enabled: runIds !== "",
    placeholderData: keepPreviousData,
  });
  const sections = useMemo(() => groupMediaPanels(keys, charts.data?.charts ?? []), [keys, charts.data]);
  const onOverride = useCallback(
    (key: string, chart: ChartSetting | null) => update((s) => setChart(s, key, chart)),
    [update],
  );
  // Until the charts are known, a chart's `<key>_table` looks like a table panel of its
  // own: drawing it would start requests that the charts' arrival aborts.
  if (runIds !== "" && charts.isPending) return null;
  if (sections.length === 0 && !charts.error) return null;
  return (
    <div className="panel-grid media-grid" data-testid="media-grid">
      {charts.error && (
        <div className="error-note" role="alert" data-testid="charts-error">
          Custom charts: {String(charts.error)}
        </div>
      )}
      {sections.map((section) => {
        const id = collapseId(section.name);
        const collapsed = settings.collapsedSections.includes(id);
        return (
          <section key={id} className="panel-section" data-testid={`media-section-${section.name}`}>
            <button
              type="button"
              className="section-head"
              data-testid={`media-section-toggle-${section.name}`}
              aria-expanded={!collapsed}
              onClick={() => update((s) => ({ ...s, collapsedSections: toggle(s.collapsedSections, id) }))}
            >
              <span className="chevron">{collapsed ? "▸" : "▾"}</span>
              {section.name}
              <span className="count">{section.panels.length}</span>
            </button>
            {!collapsed && (
              <div className="panels">
                {section.panels.map((panel) =>
                  panel.kind === "chart" ? (
                    <ChartPanel
                      key={`chart:${panel.key}`}
                      entity={entity}
                      project={project}
                      chart={panel.chart}
                      runs={runs}
                      override={settings.charts[panel.key] ?? null}
                      onOverride={onOverride}
                    />
                  ) : panel.media === "table-file" ? (
                    <TablePanel key={panel.key} entity={entity} project={project} panelKey={panel.key} runs={runs} />
                  ) : (
                    <MediaPanel key={panel.key} entity={entity} project={project} panelKey={panel.key} media={panel.media} runs={runs} />
                  ),
                )}
              </div>
            )}
          </section>
        );
      })}
    </div>
  );
}
