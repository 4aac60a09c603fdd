// Sections of the workspace (issue 18): renamed, reordered, deleted, and panels moved
// from one to another. A section's id is what its panels are grouped by (a metric key's
// prefix, the name of a section the user added, `media:<name>` for media sections); its
// title is what the user named it. Pure edits of the workspace settings, called by both
// grids (line panels, media panels) with the sections they show.
import { orderPanels } from "./panelLayout";
import { type WorkspaceSettings, toggle } from "./workspaceSettings";

export interface ShownPanel {
  id: string;
  /** A panel the user added or duplicated (a `customPanels` entry), not an automatic one. */
  custom: boolean;
  /** The section an automatic panel is grouped into when not moved. */
  home: string;
}

export interface ShownSection {
  id: string;
  panels: readonly ShownPanel[];
  /** A section the user added. */
  custom: boolean;
}

const TITLE_MAX = 200;

/** The sections in the order the user moved them into (sections not in it keep their place after). */
export function orderSections<T extends { id: string }>(sections: readonly T[], order: readonly string[]): T[] {
  const byId = new Map(sections.map((s) => [s.id, s] as const));
  return orderPanels(
    sections.map((s) => s.id),
    order,
  ).map((id) => byId.get(id)!);
}

/** The title shown for a section. */
export function sectionTitle(settings: Pick<WorkspaceSettings, "sectionTitles">, id: string, fallback: string): string {
  return settings.sectionTitles[id] ?? fallback;
}

/** Name a section (an empty name or its own name again clears the title). */
export function renameSection(settings: WorkspaceSettings, id: string, title: string, fallback: string): WorkspaceSettings {
  const clean = title.trim().slice(0, TITLE_MAX);
  const sectionTitles = { ...settings.sectionTitles };
  if (!clean || clean === fallback) delete sectionTitles[id];
  else sectionTitles[id] = clean;
  return { ...settings, sectionTitles };
}

/** Move section `id` one place up (-1) or down (+1) among the `shown` section ids. */
export function moveSection(settings: WorkspaceSettings, shown: readonly string[], id: string, delta: -1 | 1): WorkspaceSettings {
  const at = shown.indexOf(id);
  const to = at + delta;
  if (at < 0 || to < 0 || to >= shown.length) return settings;
  const next = [...shown];
  [next[at], next[to]] = [next[to], next[at]];
  const placed = new Set(next);
  return { ...settings, sectionOrder: [...next, ...settings.sectionOrder.filter((s) => !placed.has(s))] };
}

/** Delete a section: the panels the user added in it go, its automatic panels are hidden
 * (restorable like any deleted panel), and what was stored about it is dropped. */
export function deleteSection(settings: WorkspaceSettings, section: ShownSection): WorkspaceSettings {
  const added = new Set(section.panels.filter((p) => p.custom).map((p) => p.id));
  let hiddenPanels = settings.hiddenPanels;
  for (const p of section.panels) if (!p.custom) hiddenPanels = toggle(hiddenPanels, p.id, true);
  const sectionTitles = { ...settings.sectionTitles };
  delete sectionTitles[section.id];
  const panelOrder = { ...settings.panelOrder };
  delete panelOrder[section.id];
  const panelSections = Object.fromEntries(Object.entries(settings.panelSections).filter(([, to]) => to !== section.id));
  return {
    ...settings,
    customSections: toggle(settings.customSections, section.id, false),
    customPanels: settings.customPanels.filter((p) => !added.has(p.id) && p.section !== section.id),
    hiddenPanels,
    sectionTitles,
    sectionOrder: settings.sectionOrder.filter((s) => s !== section.id),
    panelOrder,
    panelSections,
    collapsedSections: toggle(settings.collapsedSections, section.id, false),
  };
}

/** Move a panel from section `from` to section `to` (placed last there). */
export function moveToSection(settings: WorkspaceSettings, panel: ShownPanel, from: string, to: string): WorkspaceSettings {
  if (from === to) return settings;
  const panelOrder = { ...settings.panelOrder };
  if (panelOrder[from]) panelOrder[from] = panelOrder[from].filter((id) => id !== panel.id);
  if (panelOrder[to]) panelOrder[to] = [...panelOrder[to].filter((id) => id !== panel.id), panel.id];
  if (panel.custom) {
    return { ...settings, panelOrder, customPanels: settings.customPanels.map((p) => (p.id === panel.id ? { ...p, section: to } : p)) };
  }
  const panelSections = { ...settings.panelSections };
  if (to === panel.home) delete panelSections[panel.id];
  else panelSections[panel.id] = to;
  return { ...settings, panelOrder, panelSections };
}
