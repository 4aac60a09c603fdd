// Every numeric metric's line panel, in sections by key prefix, plus the panels and
// sections the user added (issue 18). Panels can be edited, duplicated, deleted, dragged
// (within and across sections), resized, moved to another section, shown full screen and
// exported; sections renamed, reordered, collapsed and deleted. The layout actions are
// hooks/usePanelLayout's, shared with the media panels' grid.
import { useContext, useMemo, useState } from "react";
import type { MetricKey, Run } from "../api/types";
import { useAfterFirstDraw } from "../hooks/useAfterFirstDraw";
import { SeriesLoaderContext } from "../hooks/useSeries";
import { type LayoutEntry, type LayoutSection, usePanelLayout } from "../hooks/usePanelLayout";
import { groupKeys } from "../lib/keySections";
import { type CustomPanel, type PanelSize, exactKey, newPanelId, orderPanels, panelMetrics } from "../lib/panelLayout";
import { orderSections, sectionTitle } from "../lib/sectionLayout";
import { type PanelSettings, type WorkspaceSettings, toggle } from "../lib/workspaceSettings";
import { BUILTIN_X_AXES, resolveXAxis } from "../lib/xAxis";
import LinePanel, { type XAxisOption } from "./LinePanel";
import PanelEditor from "./PanelEditor";
import SectionPanels, { LAZY_FROM } from "./SectionPanels";
import { linePanelExports } from "./PanelTools";

export interface PanelGridProps {
  keys: MetricKey[];
  runs: Run[];
  settings: WorkspaceSettings;
  update: (change: (settings: WorkspaceSettings) => WorkspaceSettings) => void;
  /** Every numeric key (not only those the panel search shows): what added panels match. */
  allKeys?: MetricKey[];
}

/** The x-axes to offer: the built-in ones, then every numeric metric. */
export function xAxisOptions(keys: readonly MetricKey[]): XAxisOption[] {
  return [
    ...BUILTIN_X_AXES,
    ...keys.filter((k) => k.numeric).map((k) => ({ value: k.key, label: k.key })),
  ];
}

interface PanelEntry extends LayoutEntry {
  metric: MetricKey;
  metrics?: MetricKey[];
}

/** Panels rendered before the page's first chart drew (the first rows on screen; the
 * rest follow at once after it: their headers, menus and observers are most of the
 * grid's first render and layout). */
export const FIRST_DRAW_PANELS = 6;

/** A panel's chart height by size (a large panel also spans the whole row). */
const HEIGHTS: Record<PanelSize, number> = { s: 140, m: 200, l: 300 };

/** A media section's id (their grid's): line panels are not moved there. */
const isMediaSection = (id: string) => id.startsWith("media:");

export default function PanelGrid({ keys, runs, settings, update, allKeys }: PanelGridProps) {
  const xOptions = useMemo(() => xAxisOptions(keys), [keys]);
  const [newSection, setNewSection] = useState<string | null>(null);
  const load = useContext(SeriesLoaderContext);
  const matchable = allKeys ?? keys;

  const sections = useMemo<LayoutSection<PanelEntry>[]>(() => {
    const hidden = new Set(settings.hiddenPanels);
    const groups = groupKeys(keys);
    const out: LayoutSection<PanelEntry>[] = groups.map((g) => ({ id: g.name, title: g.name, custom: false, panels: [] }));
    const byId = new Map(out.map((s) => [s.id, s] as const));
    const ensure = (id: string) => {
      let section = byId.get(id);
      if (!section) {
        section = { id, title: id, custom: true, panels: [] };
        byId.set(id, section);
        out.push(section);
      }
      return section;
    };
    for (const name of settings.customSections) ensure(name);
    // a section whose panels all moved away stays, empty, so they can move back
    const emptied = new Set<string>();
    for (const group of groups) {
      for (const metric of group.keys) {
        if (hidden.has(metric.key)) continue;
        const moved = settings.panelSections[metric.key];
        const section = moved && !isMediaSection(moved) ? ensure(moved) : byId.get(group.name)!;
        if (section.id !== group.name) emptied.add(group.name);
        section.panels.push({ id: metric.key, home: group.name, metric });
      }
    }
    for (const custom of settings.customPanels) {
      if (custom.media !== undefined || isMediaSection(custom.section)) continue;
      const metrics = panelMetrics(custom, matchable);
      const metric: MetricKey = metrics[0] ?? ({ key: custom.id, numeric: true } as MetricKey);
      ensure(custom.section).panels.push({ id: custom.id, home: custom.section, metric, added: custom, metrics });
    }
    for (const section of out) {
      const ids = orderPanels(
        section.panels.map((p) => p.id),
        settings.panelOrder[section.id],
      );
      const byPanel = new Map(section.panels.map((p) => [p.id, p] as const));
      section.panels = ids.map((id) => byPanel.get(id)!);
      section.title = sectionTitle(settings, section.id, section.id);
    }
    return orderSections(
      out.filter((s) => s.panels.length > 0 || s.custom || emptied.has(s.id)),
      settings.sectionOrder,
    );
  }, [keys, matchable, settings]);

  const layout = usePanelLayout({
    settings,
    update,
    sections,
    sectionPrefix: "section",
    copyOf: (entry, section, s): CustomPanel => ({ ...(s.panels[entry.id] ?? {}), id: entry.id, section: section.id, metrics: exactKey(entry.id) }),
  });

  const onPanelChange = (id: string, panel: PanelSettings) =>
    update((s) => {
      if (s.customPanels.some((p) => p.id === id)) {
        return { ...s, customPanels: s.customPanels.map((p) => (p.id === id ? { ...p, ...panel, id, section: p.section, metrics: p.metrics } : p)) };
      }
      const panels = { ...s.panels };
      if (Object.values(panel).every((v) => v === undefined)) delete panels[id];
      else panels[id] = panel;
      return { ...s, panels };
    });

  const addPanel = (section: string) => {
    let created = "";
    update((s) => {
      created = newPanelId(s.customPanels);
      return { ...s, customPanels: [...s.customPanels, { id: created, section, metrics: "" }] };
    });
    if (created) layout.setEditing(created);
  };

  const addSection = (name: string) => {
    const clean = name.trim();
    setNewSection(null);
    if (!clean) return;
    update((s) => ({ ...s, customSections: toggle(s.customSections, clean, true), collapsedSections: toggle(s.collapsedSections, clean, false) }));
  };

  const editingEntry = layout.editingEntry;
  // a workspace of many panels renders its sections near the viewport, by pages
  const lazy = useMemo(() => sections.reduce((n, s) => n + s.panels.length, 0) >= LAZY_FROM, [sections]);
  const hiddenCount = settings.hiddenPanels.length;
  // before the first chart drew, the first FIRST_DRAW_PANELS panels only
  const everyPanel = useAfterFirstDraw();
  let budget = everyPanel ? Number.POSITIVE_INFINITY : FIRST_DRAW_PANELS;

  const toolbar = (
    <div className="panel-grid-tools">
      <button type="button" data-testid="add-panel" onClick={() => addPanel(sections.find((s) => s.custom)?.id ?? "Custom")}>
        + Add panel
      </button>
      {newSection === null ? (
        <button type="button" data-testid="add-section" onClick={() => setNewSection("")}>
          + Add section
        </button>
      ) : (
        <span>
          <input
            type="text"
            autoFocus
            data-testid="new-section-name"
            aria-label="name of the new section"
            value={newSection}
            onChange={(e) => setNewSection(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") addSection(newSection);
              if (e.key === "Escape") setNewSection(null);
            }}
          />
          <button type="button" data-testid="new-section-save" onClick={() => addSection(newSection)}>
            Add
          </button>
        </span>
      )}
      {hiddenCount > 0 && (
        <button type="button" className="link" data-testid="restore-panels" onClick={() => update((s) => ({ ...s, hiddenPanels: [] }))}>
          restore {hiddenCount} deleted panel{hiddenCount === 1 ? "" : "s"}
        </button>
      )}
    </div>
  );

  if (sections.length === 0) {
    return (
      <>
        {toolbar}
        <div className="empty" data-testid="no-panels">
          No numeric metrics logged yet.
        </div>
      </>
    );
  }
  return (
    <div className="panel-grid" data-testid="panel-grid" ref={layout.grid}>
      {toolbar}
      {sections.map((section) => {
        const collapsed = settings.collapsedSections.includes(section.id);
        const allowed = budget;
        if (!collapsed) budget = Math.max(0, budget - section.panels.length);
        return (
          <section key={section.id} className="panel-section" data-testid={`section-${section.id}`} {...layout.sectionProps(section)}>
            {layout.sectionBar(
              section,
              section.id,
              <button type="button" className="section-add" data-testid={`section-add-panel-${section.id}`} title={`add a panel to ${section.title}`} onClick={() => addPanel(section.id)}>
                + panel
              </button>,
            )}
            {!collapsed && (
              <SectionPanels sectionId={section.id} count={section.panels.length} lazy={lazy}>
                {(limit) =>
                  section.panels.slice(0, Math.min(limit, allowed)).map((entry) => {
                  const panel: PanelSettings = entry.added ?? settings.panels[entry.id] ?? {};
                  const full = layout.fullscreen === entry.id;
                  const title = panel.title ?? (entry.metrics ? entry.metrics.map((m) => m.key).join(", ") || entry.id : entry.id);
                  const x = resolveXAxis(panel.x, settings.xAxis, entry.metric);
                  const keysDrawn = entry.metrics ? entry.metrics.map((m) => m.key) : [entry.id];
                  return (
                    <LinePanel
                      key={entry.id}
                      id={entry.id}
                      metric={entry.metric}
                      metrics={entry.added ? entry.metrics : undefined}
                      runs={runs}
                      x={x}
                      xOptions={xOptions}
                      panel={panel}
                      smoothing={panel.smoothing ?? settings.smoothing}
                      logY={panel.logY ?? settings.logY}
                      onPanelChange={onPanelChange}
                      height={full ? Math.max(300, window.innerHeight - 220) : HEIGHTS[panel.size ?? "m"]}
                      className={layout.panelClass(entry)}
                      frameProps={layout.frameProps(section, entry)}
                      tools={layout.handles(section, entry, title, linePanelExports({ id: entry.id, title, keys: keysDrawn, runs, x, load }))}
                    />
                  );
                  })
                }
              </SectionPanels>
            )}
          </section>
        );
      })}
      {layout.fullscreen && <div className="panel-backdrop" data-testid="panel-backdrop" onClick={() => layout.setFullscreen(null)} />}
      {editingEntry && (
        <PanelEditor
          id={editingEntry.id}
          kind="line"
          look={layout.lookOf(editingEntry)}
          custom={editingEntry.added ? { metrics: editingEntry.added.metrics, section: editingEntry.added.section } : undefined}
          sections={sections.map((s) => s.id)}
          keys={matchable}
          onSave={(look, custom) => layout.saveLook(editingEntry, look, custom)}
          onClose={() => layout.setEditing(null)}
        />
      )}
    </div>
  );
}
