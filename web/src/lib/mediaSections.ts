// Media and custom-chart panels, in sections like the line panels' (lib/keySections):
// custom charts under "Custom Charts", media keys by their prefix before the first
// "/", keys without one under "Media", the charts' own tables last.
import type { CustomChart, MetricKey } from "../api/types";

export const MEDIA_SECTION = "Media";
export const CHARTS_SECTION = "Custom Charts";
/** The tables custom charts draw (`<key>_table`), after every other section. */
export const CHART_TABLES_SECTION = "Custom Chart Tables";

/** The media types a panel draws (the `media` of GET /keys). */
export const PANEL_MEDIA = ["image-file", "images/separated", "html-file", "plotly-file", "table-file", "histogram"] as const;
export type PanelMedia = (typeof PANEL_MEDIA)[number];

export type MediaPanelSpec =
  | { kind: "chart"; key: string; chart: CustomChart }
  | { kind: "media"; key: string; media: PanelMedia };

export interface MediaSection {
  name: string;
  panels: MediaPanelSpec[];
}

export function isPanelMedia(media: string | null | undefined): media is PanelMedia {
  return (PANEL_MEDIA as readonly string[]).includes(media ?? "");
}

function mediaSectionOf(key: string): string {
  const slash = key.indexOf("/");
  return slash > 0 ? key.slice(0, slash) : MEDIA_SECTION;
}

function rank(name: string): number {
  if (name === CHARTS_SECTION) return 0;
  if (name === MEDIA_SECTION) return 1;
  if (name === CHART_TABLES_SECTION) return 3;
  return 2;
}

export function groupMediaPanels(keys: readonly MetricKey[], charts: readonly CustomChart[]): MediaSection[] {
  const sections = new Map<string, MediaPanelSpec[]>();
  const add = (name: string, panel: MediaPanelSpec) => {
    const list = sections.get(name) ?? [];
    list.push(panel);
    sections.set(name, list);
  };
  const chartTables = new Set(charts.map((c) => c.table_key));
  for (const chart of charts) add(CHARTS_SECTION, { kind: "chart", key: chart.key, chart });
  for (const key of keys) {
    if (key.hidden || key.key.startsWith("_") || !isPanelMedia(key.media)) continue;
    const section = chartTables.has(key.key) ? CHART_TABLES_SECTION : mediaSectionOf(key.key);
    add(section, { kind: "media", key: key.key, media: key.media });
  }
  return [...sections.entries()]
    .map(([name, panels]) => ({ name, panels: panels.sort((a, b) => a.key.localeCompare(b.key)) }))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}
