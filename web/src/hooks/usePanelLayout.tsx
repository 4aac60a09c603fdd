// The layout actions every panel grid shares (issue 18), line panels and media panels
// alike: edit a panel's look, duplicate, delete, drag (within and across sections),
// resize, full screen, move to another section; rename, move, collapse and delete
// sections. The grids build their sections and draw their panels; this hook holds the
// one code path that changes the stored layout (lib/panelLayout, lib/sectionLayout).
import { type HTMLAttributes, type PointerEvent as ReactPointerEvent, type ReactNode, useEffect, useRef, useState } from "react";
import PanelTools, { type PanelExport } from "../components/PanelTools";
import SectionBar from "../components/SectionBar";
import { type CustomPanel, type PanelLook, type PanelSize, movePanel, newPanelId } from "../lib/panelLayout";
import { type ShownPanel, deleteSection, moveSection, moveToSection, renameSection } from "../lib/sectionLayout";
import { type WorkspaceSettings, toggle } from "../lib/workspaceSettings";

export interface LayoutEntry {
  id: string;
  /** The section an automatic panel is grouped into when not moved. */
  home: string;
  /** Set for a panel the user added or duplicated. */
  added?: CustomPanel;
}

export interface LayoutSection<E extends LayoutEntry = LayoutEntry> {
  id: string;
  /** The id, or the name the user gave the section. */
  title: string;
  custom: boolean;
  panels: E[];
}

type Update = (change: (settings: WorkspaceSettings) => WorkspaceSettings) => void;

/** What the panel editor sets, kept on automatic panels in `settings.panels[id]`. */
export const LOOK_FIELDS = ["title", "xTitle", "yTitle", "yMin", "yMax", "legend", "kind", "ignoreOutliers", "size", "step", "overSteps", "columns"] as const;

const SIZES_BY_SPAN: { max: number; size: PanelSize }[] = [
  { max: 0.42, size: "s" },
  { max: 0.72, size: "m" },
  { max: Infinity, size: "l" },
];

function stripLook<T extends PanelLook>(panel: T): T {
  const out = { ...panel };
  for (const f of LOOK_FIELDS) delete out[f];
  return out;
}

const isEmpty = (panel: object) => Object.values(panel).every((v) => v === undefined);

const shown = (entry: LayoutEntry): ShownPanel => ({ id: entry.id, custom: !!entry.added, home: entry.home });

export interface PanelLayoutOptions<E extends LayoutEntry> {
  settings: WorkspaceSettings;
  update: Update;
  sections: LayoutSection<E>[];
  /** A new custom panel copying an automatic one (its id and title are set after). */
  copyOf: (entry: E, section: LayoutSection<E>, settings: WorkspaceSettings) => CustomPanel;
  /** Test-id prefix of the section heads. */
  sectionPrefix: string;
}

export function usePanelLayout<E extends LayoutEntry>({ settings, update, sections, copyOf, sectionPrefix }: PanelLayoutOptions<E>) {
  const [fullscreen, setFullscreen] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const grid = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!fullscreen) return;
    const close = (e: KeyboardEvent) => e.key === "Escape" && setFullscreen(null);
    window.addEventListener("keydown", close);
    return () => window.removeEventListener("keydown", close);
  }, [fullscreen]);

  const sectionOf = (id: string) => sections.find((s) => s.panels.some((p) => p.id === id));
  const order = (section: LayoutSection<E>) => section.panels.map((p) => p.id);

  const lookOf = (entry: E): PanelLook => {
    const source: PanelLook = entry.added ?? settings.panels[entry.id] ?? {};
    const look: PanelLook = {};
    for (const f of LOOK_FIELDS) if (source[f] !== undefined) (look as Record<string, unknown>)[f] = source[f];
    return look;
  };

  const saveLook = (entry: E, look: PanelLook, custom?: Pick<CustomPanel, "metrics" | "section">) =>
    update((s) => {
      if (entry.added) {
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

  const duplicate = (section: LayoutSection<E>, entry: E) =>
    update((s) => {
      const id = newPanelId(s.customPanels);
      const source = entry.added ?? copyOf(entry, section, s);
      const copy: CustomPanel = { ...source, id, section: section.id, title: source.title ? `${source.title} (copy)` : undefined };
      if (copy.title === undefined) delete copy.title;
      const ids = order(section);
      ids.splice(ids.indexOf(entry.id) + 1, 0, id);
      return { ...s, customPanels: [...s.customPanels, copy], panelOrder: { ...s.panelOrder, [section.id]: ids } };
    });

  const remove = (entry: E) =>
    update((s) =>
      entry.added
        ? { ...s, customPanels: s.customPanels.filter((p) => p.id !== entry.id) }
        : { ...s, hiddenPanels: toggle(s.hiddenPanels, entry.id, true) },
    );

  /** Move a panel to another section, placed last there (the order shown is stored). */
  const moveTo = (entry: E, from: LayoutSection<E>, to: string) =>
    update((s) => {
      const moved = moveToSection(s, shown(entry), from.id, to);
      const target = sections.find((x) => x.id === to);
      if (!target) return moved;
      return { ...moved, panelOrder: { ...moved.panelOrder, [to]: [...order(target).filter((id) => id !== entry.id), entry.id] } };
    });

  /** Drop the dragged panel before `before` (null: last) in `section`, from any section of the grid. */
  const drop = (section: LayoutSection<E>, before: string | null) => {
    const id = dragging;
    setDragging(null);
    const from = id ? sectionOf(id) : undefined;
    if (!id || !from) return;
    const entry = from.panels.find((p) => p.id === id)!;
    update((s) => {
      const moved = from.id === section.id ? s : moveToSection(s, shown(entry), from.id, section.id);
      const ids = from.id === section.id ? order(section) : [...order(section), id];
      return { ...moved, panelOrder: { ...moved.panelOrder, [section.id]: movePanel(ids, id, before) } };
    });
  };

  /** Drag the panel's corner: its new width against the grid's picks small, medium or large. */
  const startResize = (entry: E, event: ReactPointerEvent<HTMLElement>) => {
    const panel = event.currentTarget.closest<HTMLElement>("[data-panel-id]");
    const width = grid.current?.clientWidth;
    if (!panel || !width) return;
    event.preventDefault();
    const start = event.clientX;
    const panelWidth = panel.getBoundingClientRect().width;
    const up = (e: PointerEvent) => {
      window.removeEventListener("pointerup", up);
      const span = (panelWidth + e.clientX - start) / width;
      const size = SIZES_BY_SPAN.find((s) => span <= s.max)!.size;
      saveLook(entry, { ...lookOf(entry), size: size === "m" ? undefined : size });
    };
    window.addEventListener("pointerup", up);
  };

  /** Drag-and-drop handlers of a panel's frame (drop before it) and its classes. */
  const frameProps = (section: LayoutSection<E>, entry: E): HTMLAttributes<HTMLDivElement> => ({
    onDragOver: (e) => dragging && e.preventDefault(),
    onDrop: (e) => {
      e.preventDefault();
      e.stopPropagation();
      drop(section, entry.id);
    },
  });

  const panelClass = (entry: E) =>
    [fullscreen === entry.id ? "panel-fullscreen" : "", dragging === entry.id ? "dragging" : ""].filter(Boolean).join(" ");

  /** A section element's drop target (drop last in it). */
  const sectionProps = (section: LayoutSection<E>): HTMLAttributes<HTMLElement> => ({
    onDragOver: (e) => dragging && e.preventDefault(),
    onDrop: (e) => {
      e.preventDefault();
      drop(section, null);
    },
  });

  /** The drag handle, the tools menu and the resize corner of a panel. */
  const handles = (section: LayoutSection<E>, entry: E, title: string, exports: readonly PanelExport[]): ReactNode => (
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
        exports={exports}
        fullscreen={fullscreen === entry.id}
        onFullscreen={(on) => setFullscreen(on ? entry.id : null)}
        onEdit={() => setEditing(entry.id)}
        onDuplicate={() => duplicate(section, entry)}
        onDelete={() => remove(entry)}
        sections={sections.filter((s) => s.id !== section.id).map((s) => ({ id: s.id, title: s.title }))}
        onMoveTo={(to) => moveTo(entry, section, to)}
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
  );

  /** A section's head with its actions wired to the stored layout. */
  const sectionBar = (section: LayoutSection<E>, fallbackTitle: string, children?: ReactNode, testKey = section.id): ReactNode => {
    const ids = sections.map((s) => s.id);
    const at = ids.indexOf(section.id);
    return (
      <SectionBar
        prefix={sectionPrefix}
        testKey={testKey}
        title={section.title}
        count={section.panels.length}
        collapsed={settings.collapsedSections.includes(section.id)}
        onToggle={() => update((s) => ({ ...s, collapsedSections: toggle(s.collapsedSections, section.id) }))}
        onRename={(title) => update((s) => renameSection(s, section.id, title, fallbackTitle))}
        onUp={at > 0 ? () => update((s) => moveSection(s, ids, section.id, -1)) : undefined}
        onDown={at < ids.length - 1 ? () => update((s) => moveSection(s, ids, section.id, 1)) : undefined}
        onDelete={() => update((s) => deleteSection(s, { id: section.id, custom: section.custom, panels: section.panels.map(shown) }))}
      >
        {children}
      </SectionBar>
    );
  };

  const editingEntry = editing ? sections.flatMap((s) => s.panels).find((p) => p.id === editing) : undefined;

  return {
    grid,
    dragging,
    fullscreen,
    setFullscreen,
    editingEntry,
    setEditing,
    lookOf,
    saveLook,
    frameProps,
    panelClass,
    sectionProps,
    handles,
    sectionBar,
  };
}
