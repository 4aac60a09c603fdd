// Every numeric metric's line panel, in collapsible sections by key prefix, plus the
// panels and sections the user added (issue 18). Panels can be edited, duplicated,
// deleted, dragged within their section, resized, shown full screen and exported.
import { useEffect, useMemo, useRef, useState } from "react";
import type { MetricKey, Run } from "../api/types";
import { groupKeys } from "../lib/keySections";
import {
  type CustomPanel,
  type PanelLook,
  type PanelSize,
  exactKey,
  movePanel,
  newPanelId,
  orderPanels,
  panelMetrics,
} from "../lib/panelLayout";
import { type PanelSettings, type WorkspaceSettings, toggle } from "../lib/workspaceSettings";
import { BUILTIN_X_AXES, resolveXAxis } from "../lib/xAxis";
import LinePanel, { type XAxisOption } from "./LinePanel";
import PanelEditor from "./PanelEditor";
import PanelTools from "./PanelTools";

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

const LOOK_FIELDS = ["title", "xTitle", "yTitle", "yMin", "yMax", "legend", "kind", "ignoreOutliers", "size"] as const;

function stripLook<T extends PanelLook>(panel: T): T {
  const out = { ...panel };
  for (const f of LOOK_FIELDS) delete out[f];
  return out;
}

const isEmpty = (panel: object) => Object.values(panel).every((v) => v === undefined);

interface PanelEntry {
  id: string;
  metric: MetricKey;
  custom?: CustomPanel;
  metrics?: MetricKey[];
}

interface SectionEntry {
  name: string;
  panels: PanelEntry[];
  custom: boolean;
}

/** A panel's chart height by size (a large panel also spans the whole row). */
const HEIGHTS: Record<PanelSize, number> = { s: 140, m: 200, l: 300 };

const SIZES_BY_SPAN: { max: number; size: PanelSize }[] = [
  { max: 0.42, size: "s" },
  { max: 0.72, size: "m" },
  { max: Infinity, size: "l" },
];

export default function PanelGrid({ keys, runs, settings, update, allKeys }: PanelGridProps) {
  const xOptions = useMemo(() => xAxisOptions(keys), [keys]);
  const [fullscreen, setFullscreen] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const [newSection, setNewSection] = useState<string | null>(null);
  const grid = useRef<HTMLDivElement>(null);
  const matchable = allKeys ?? keys;

  const sections = useMemo<SectionEntry[]>(() => {
    const hidden = new Set(settings.hiddenPanels);
    const out: SectionEntry[] = groupKeys(keys).map((section) => ({
      name: section.name,
      custom: false,
      panels: section.keys.filter((k) => !hidden.has(k.key)).map((metric) => ({ id: metric.key, metric })),
    }));
    const byName = new Map(out.map((s) => [s.name, s] as const));
    const ensure = (name: string) => {
      let section = byName.get(name);
      if (!section) {
        section = { name, custom: true, panels: [] };
        byName.set(name, section);
        out.push(section);
      }
      return section;
    };
    for (const name of settings.customSections) ensure(name);
    for (const custom of settings.customPanels) {
      const metrics = panelMetrics(custom, matchable);
      const metric: MetricKey = metrics[0] ?? ({ key: custom.id, numeric: true } as MetricKey);
      ensure(custom.section).panels.push({ id: custom.id, metric, custom, metrics });
    }
    for (const section of out) {
      const ids = orderPanels(
        section.panels.map((p) => p.id),
        settings.panelOrder[section.name],
      );
      const byId = new Map(section.panels.map((p) => [p.id, p] as const));
      section.panels = ids.map((id) => byId.get(id)!);
    }
    return out.filter((s) => s.panels.length > 0 || s.custom);
  }, [keys, matchable, settings.hiddenPanels, settings.customPanels, settings.customSections, settings.panelOrder]);

  useEffect(() => {
    if (!fullscreen) return;
    const close = (e: KeyboardEvent) => e.key === "Escape" && setFullscreen(null);
    window.addEventListener("keydown", close);
    return () => window.removeEventListener("keydown", close);
  }, [fullscreen]);

  const onPanelChange = (id: string, panel: PanelSettings) =>
    update((s) => {
      if (s.customPanels.some((p) => p.id === id)) {
        return { ...s, customPanels: s.customPanels.map((p) => (p.id === id ? { ...p, ...panel, id, section: p.section, metrics: p.metrics } : p)) };
      }
      const panels = { ...s.panels };
      if (isEmpty(panel)) delete panels[id];
      else panels[id] = panel;
      return { ...s, panels };
    });

  const saveLook = (entry: PanelEntry, look: PanelLook, custom?: Pick<CustomPanel, "metrics" | "section">) =>
    update((s) => {
      if (entry.custom) {
        return {
          ...s,
          customPanels: s.customPanels.map((p) => (p.id === entry.id ? { ...stripLook(p), ...look, ...(custom ?? {}) } : p)),
        };
      }
      const panel = { ...stripLook(s.panels[entry.id] ?? {}), ...look };
      const panels = { ...s.panels };
      if (isEmpty(panel)) delete panels[entry.id];
      else panels[entry.id] = panel;
      return { ...s, panels };
    });

  const shownOrder = (section: SectionEntry) => section.panels.map((p) => p.id);

  const duplicate = (section: SectionEntry, entry: PanelEntry) =>
    update((s) => {
      const id = newPanelId(s.customPanels);
      const source = entry.custom ?? { ...(s.panels[entry.id] ?? {}), id: entry.id, section: section.name, metrics: exactKey(entry.id) };
      const copy: CustomPanel = { ...source, id, section: section.name, title: source.title ? `${source.title} (copy)` : undefined };
      if (copy.title === undefined) delete copy.title;
      const order = shownOrder(section);
      order.splice(order.indexOf(entry.id) + 1, 0, id);
      return { ...s, customPanels: [...s.customPanels, copy], panelOrder: { ...s.panelOrder, [section.name]: order } };
    });

  const remove = (entry: PanelEntry) =>
    update((s) =>
      entry.custom
        ? { ...s, customPanels: s.customPanels.filter((p) => p.id !== entry.id) }
        : { ...s, hiddenPanels: toggle(s.hiddenPanels, entry.id, true) },
    );

  const addPanel = (section: string) => {
    let created = "";
    update((s) => {
      created = newPanelId(s.customPanels);
      return { ...s, customPanels: [...s.customPanels, { id: created, section, metrics: "" }] };
    });
    if (created) setEditing(created);
  };

  const addSection = (name: string) => {
    const clean = name.trim();
    setNewSection(null);
    if (!clean) return;
    update((s) => ({ ...s, customSections: toggle(s.customSections, clean, true), collapsedSections: toggle(s.collapsedSections, clean, false) }));
  };

  const deleteSection = (name: string) =>
    update((s) => ({
      ...s,
      customSections: toggle(s.customSections, name, false),
      customPanels: s.customPanels.filter((p) => p.section !== name),
    }));

  const drop = (section: SectionEntry, before: string | null) => {
    const id = dragging;
    setDragging(null);
    if (!id || !section.panels.some((p) => p.id === id)) return;
    const order = movePanel(shownOrder(section), id, before);
    update((s) => ({ ...s, panelOrder: { ...s.panelOrder, [section.name]: order } }));
  };

  /** Drag the panel's corner: its new width against the grid's picks small, medium or large. */
  const startResize = (entry: PanelEntry, event: React.PointerEvent<HTMLElement>) => {
    const panel = (event.currentTarget as HTMLElement).closest<HTMLElement>("[data-panel-id]");
    const width = grid.current?.clientWidth;
    if (!panel || !width) return;
    event.preventDefault();
    const start = event.clientX;
    const panelWidth = panel.getBoundingClientRect().width;
    const up = (e: PointerEvent) => {
      window.removeEventListener("pointerup", up);
      const span = (panelWidth + e.clientX - start) / width;
      const size = SIZES_BY_SPAN.find((s) => span <= s.max)!.size;
      saveLook(entry, { ...lookOf(entry), size });
    };
    window.addEventListener("pointerup", up);
  };

  const lookOf = (entry: PanelEntry): PanelLook => {
    const source: PanelLook = entry.custom ?? settings.panels[entry.id] ?? {};
    const look: PanelLook = {};
    for (const f of LOOK_FIELDS) if (source[f] !== undefined) (look as Record<string, unknown>)[f] = source[f];
    return look;
  };

  const editingEntry = editing ? sections.flatMap((s) => s.panels).find((p) => p.id === editing) : undefined;
  const hiddenCount = settings.hiddenPanels.length;

  const toolbar = (
    <div className="panel-grid-tools">
      <button type="button" data-testid="add-panel" onClick={() => addPanel(sections.find((s) => s.custom)?.name ?? "Custom")}>
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
    <div className="panel-grid" data-testid="panel-grid" ref={grid}>
      {toolbar}
      {sections.map((section) => {
        const collapsed = settings.collapsedSections.includes(section.name);
        return (
          <section
            key={section.name}
            className="panel-section"
            data-testid={`section-${section.name}`}
            onDragOver={(e) => dragging && e.preventDefault()}
            onDrop={(e) => {
              e.preventDefault();
              drop(section, null);
            }}
          >
            <div className="section-bar">
              <button
                type="button"
                className="section-head"
                data-testid={`section-toggle-${section.name}`}
                aria-expanded={!collapsed}
                onClick={() => update((s) => ({ ...s, collapsedSections: toggle(s.collapsedSections, section.name) }))}
              >
                <span className="chevron">{collapsed ? "▸" : "▾"}</span>
                {section.name}
                <span className="count">{section.panels.length}</span>
              </button>
              <button type="button" className="section-add" data-testid={`section-add-panel-${section.name}`} title={`add a panel to ${section.name}`} onClick={() => addPanel(section.name)}>
                + panel
              </button>
              {section.custom && (
                <button type="button" className="section-add" data-testid={`section-delete-${section.name}`} onClick={() => deleteSection(section.name)}>
                  delete section
                </button>
              )}
            </div>
            {!collapsed && (
              <div className="panels">
                {section.panels.map((entry) => {
                  const panel: PanelSettings = entry.custom ?? settings.panels[entry.id] ?? {};
                  const full = fullscreen === entry.id;
                  const title = panel.title ?? (entry.metrics ? entry.metrics.map((m) => m.key).join(", ") || entry.id : entry.id);
                  const x = resolveXAxis(panel.x, settings.xAxis, entry.metric);
                  return (
                    <LinePanel
                      key={entry.id}
                      id={entry.id}
                      metric={entry.metric}
                      metrics={entry.custom ? entry.metrics : undefined}
                      runs={runs}
                      x={x}
                      xOptions={xOptions}
                      panel={panel}
                      smoothing={panel.smoothing ?? settings.smoothing}
                      logY={panel.logY ?? settings.logY}
                      onPanelChange={onPanelChange}
                      height={full ? Math.max(300, window.innerHeight - 220) : HEIGHTS[panel.size ?? "m"]}
                      className={[full ? "panel-fullscreen" : "", dragging === entry.id ? "dragging" : ""].filter(Boolean).join(" ")}
                      frameProps={{
                        onDragOver: (e) => dragging && e.preventDefault(),
                        onDrop: (e) => {
                          e.preventDefault();
                          e.stopPropagation();
                          drop(section, entry.id);
                        },
                      }}
                      tools={
                        <>
                          <span
                            className="panel-drag"
                            draggable
                            data-testid={`panel-drag-${entry.id}`}
                            title={`drag to move ${title}`}
                            aria-hidden="true"
                            onDragStart={(e) => {
                              e.dataTransfer.setData("text/plain", entry.id);
                              e.dataTransfer.effectAllowed = "move";
                              setDragging(entry.id);
                            }}
                            onDragEnd={() => setDragging(null)}
                          >
                            ⠿
                          </span>
                          <PanelTools
                            id={entry.id}
                            title={title}
                            keys={entry.metrics ? entry.metrics.map((m) => m.key) : [entry.id]}
                            runs={runs}
                            x={x}
                            fullscreen={full}
                            onFullscreen={(on) => setFullscreen(on ? entry.id : null)}
                            onEdit={() => setEditing(entry.id)}
                            onDuplicate={() => duplicate(section, entry)}
                            onDelete={() => remove(entry)}
                          />
                          <span
                            className="panel-resize"
                            data-testid={`panel-resize-${entry.id}`}
                            title="drag to resize the panel"
                            aria-hidden="true"
                            onPointerDown={(e) => startResize(entry, e)}
                          >
                            ⇲
                          </span>
                        </>
                      }
                    />
                  );
                })}
              </div>
            )}
          </section>
        );
      })}
      {fullscreen && <div className="panel-backdrop" data-testid="panel-backdrop" onClick={() => setFullscreen(null)} />}
      {editingEntry && (
        <PanelEditor
          id={editingEntry.id}
          look={lookOf(editingEntry)}
          custom={editingEntry.custom ? { metrics: editingEntry.custom.metrics, section: editingEntry.custom.section } : undefined}
          sections={sections.map((s) => s.name)}
          keys={matchable}
          onSave={(look, custom) => saveLook(editingEntry, look, custom)}
          onClose={() => setEditing(null)}
        />
      )}
    </div>
  );
}
