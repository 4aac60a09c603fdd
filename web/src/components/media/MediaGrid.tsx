// The workspace's (and run page's) media and custom-chart panels, in sections
// (lib/mediaSections) below the line panels. They take the line panels' layout actions
// (hooks/usePanelLayout): edit, duplicate, delete, drag, resize, full screen, move to
// another media section, export; sections renamed, reordered, collapsed, deleted.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useCallback, useMemo, useState } from "react";
import { listCharts } from "../../api/client";
import type { MetricKey, Run } from "../../api/types";
import { type LayoutEntry, type LayoutSection, usePanelLayout } from "../../hooks/usePanelLayout";
import { type MediaPanelSpec, groupMediaPanels } from "../../lib/mediaSections";
import { type CustomPanel, orderPanels } from "../../lib/panelLayout";
import { orderSections, sectionTitle } from "../../lib/sectionLayout";
import { type ChartSetting, type WorkspaceSettings, setChart } from "../../lib/workspaceSettings";
import PanelEditor from "../PanelEditor";
import ChartPanel from "./ChartPanel";
import MediaPanel from "./MediaPanel";
import { PanelChromeContext } from "./panelChrome";
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

/** A media section's id (collapsed, ordered, renamed and moved-to by it). */
const sectionId = (name: string) => `media:${name}`;

interface MediaEntry extends LayoutEntry {
  spec: MediaPanelSpec;
}

/** Media sections with their panels: moved panels in their new section, copies beside. */
function mediaLayout(specs: { name: string; panels: MediaPanelSpec[] }[], settings: WorkspaceSettings): LayoutSection<MediaEntry>[] {
  const hidden = new Set(settings.hiddenPanels);
  const out = specs.map((g) => ({ id: sectionId(g.name), title: g.name, custom: false, panels: [] as MediaEntry[] }));
  const byId = new Map(out.map((s) => [s.id, s] as const));
  const specByKey = new Map<string, { spec: MediaPanelSpec; home: string }>();
  // a section whose panels all moved away stays, empty, so they can move back
  const emptied = new Set<string>();
  for (const group of specs) {
    for (const spec of group.panels) {
      const home = sectionId(group.name);
      specByKey.set(spec.key, { spec, home });
      if (hidden.has(spec.key)) continue;
      const moved = byId.get(settings.panelSections[spec.key] ?? "");
      if (moved && moved.id !== home) emptied.add(home);
      (moved ?? byId.get(home)!).panels.push({ id: spec.key, home, spec });
    }
  }
  for (const custom of settings.customPanels) {
    const source = custom.media === undefined ? undefined : specByKey.get(custom.media);
    if (!source) continue;
    (byId.get(custom.section) ?? byId.get(source.home)!).panels.push({ id: custom.id, home: custom.section, added: custom, spec: source.spec });
  }
  for (const section of out) {
    const byPanel = new Map(section.panels.map((p) => [p.id, p] as const));
    section.panels = orderPanels(
      section.panels.map((p) => p.id),
      settings.panelOrder[section.id],
    ).map((id) => byPanel.get(id)!);
    section.title = sectionTitle(settings, section.id, section.title);
  }
  return orderSections(
    out.filter((s) => s.panels.length > 0 || emptied.has(s.id)),
    settings.sectionOrder,
  );
}

const copyOf = (entry: MediaEntry, section: LayoutSection<MediaEntry>, s: WorkspaceSettings): CustomPanel => ({
  ...(s.panels[entry.id] ?? {}),
  id: entry.id,
  section: section.id,
  metrics: "",
  media: entry.spec.key,
});

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
  const groups = useMemo(() => groupMediaPanels(keys, charts.data?.charts ?? []), [keys, charts.data]);
  const sections = useMemo(() => mediaLayout(groups, settings), [groups, settings]);
  const layout = usePanelLayout({ settings, update, sections, copyOf, sectionPrefix: "media-section" });
  const onOverride = useCallback(
    (key: string, chart: ChartSetting | null) => update((s) => setChart(s, key, chart)),
    [update],
  );
  // Panels wait for the shown runs to be known (the workspace's runs list may come after
  // the keys): drawn before, they were taken down again while the runs' charts were asked
  // for. Once runs were shown, none shown (all hidden) draws the panels empty.
  const [runsKnown, setRunsKnown] = useState(runIds !== "");
  if (runIds !== "" && !runsKnown) setRunsKnown(true);
  // Until the charts are known, a chart's `<key>_table` looks like a table panel of its
  // own: drawing it would start requests that the charts' arrival aborts.
  if (!runsKnown || (runIds !== "" && charts.isPending)) return null;
  if (sections.length === 0 && !charts.error) return null;
  const editing = layout.editingEntry;
  return (
    <div className={`panel-grid media-grid${layout.dragging ? " panel-dragging" : ""}`} data-testid="media-grid" ref={layout.grid}>
      {charts.error && (
        <div className="error-note" role="alert" data-testid="charts-error">
          Custom charts: {String(charts.error)}
        </div>
      )}
      {sections.map((section) => {
        const name = section.id.slice("media:".length);
        const collapsed = settings.collapsedSections.includes(section.id);
        return (
          <section key={section.id} className="panel-section" data-testid={`media-section-${name}`} {...layout.sectionProps(section)}>
            {layout.sectionBar(section, name, undefined, name)}
            {!collapsed && (
              <div className="panels">
                {section.panels.map((entry) => {
                  const { spec } = entry;
                  const look = layout.lookOf(entry);
                  const logged = spec.kind === "chart" ? spec.chart.string_fields.title : null;
                  const title = look.title ?? (logged || spec.key);
                  const chrome = {
                    id: entry.id,
                    look,
                    className: layout.panelClass(entry),
                    frameProps: layout.frameProps(section, entry),
                    tools: (exports: Parameters<typeof layout.handles>[3]) => layout.handles(section, entry, title, exports),
                  };
                  return (
                    <PanelChromeContext.Provider key={entry.id} value={chrome}>
                      {spec.kind === "chart" ? (
                        <ChartPanel
                          entity={entity}
                          project={project}
                          chart={spec.chart}
                          runs={runs}
                          override={settings.charts[spec.key] ?? null}
                          onOverride={onOverride}
                        />
                      ) : spec.media === "table-file" ? (
                        <TablePanel entity={entity} project={project} panelKey={spec.key} runs={runs} />
                      ) : (
                        <MediaPanel entity={entity} project={project} panelKey={spec.key} media={spec.media} runs={runs} />
                      )}
                    </PanelChromeContext.Provider>
                  );
                })}
              </div>
            )}
          </section>
        );
      })}
      {layout.fullscreen && <div className="panel-backdrop" data-testid="panel-backdrop" onClick={() => layout.setFullscreen(null)} />}
      {editing && (
        <PanelEditor
          id={editing.id}
          kind="media"
          media={editing.spec.kind === "chart" ? "chart" : editing.spec.media}
          look={layout.lookOf(editing)}
          sections={sections.map((s) => s.id)}
          keys={[]}
          onSave={(look) => layout.saveLook(editing, look)}
          onClose={() => layout.setEditing(null)}
        />
      )}
    </div>
  );
}
