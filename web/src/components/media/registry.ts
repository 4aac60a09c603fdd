// What media panels drew, for browser tests and devtools: Vega views on
// `window.__runyardVega[key]`, Plotly figures on `window.__runyardPlotly[key]`.
import type { View } from "vega";

export interface PublishedVega {
  key: string;
  preset: string;
  /** rows of the `wandb` dataset, as the view holds them */
  rows: number;
  /** scene items of the spec's own marks (axes and legends not counted) */
  marks: number;
  runs: string[];
  /** marktypes of the spec's own marks ("line", "symbol", "rect", …) */
  marktypes: string[];
  /** the spec as drawn: placeholders filled, run colours applied */
  spec: unknown;
  draws: number;
  view: View;
}

export interface PublishedPlotly {
  key: string;
  /** traces drawn per run */
  runs: Record<string, number>;
}

declare global {
  interface Window {
    __runyardVega?: Record<string, PublishedVega>;
    __runyardPlotly?: Record<string, PublishedPlotly>;
  }
}

interface SceneNode {
  marktype?: string;
  role?: string;
  items?: SceneNode[];
}

/** Scene items of the spec's own (non-group) marks, at any depth, and their marktypes. */
export function countMarks(root: unknown): { marks: number; marktypes: string[] } {
  let marks = 0;
  const types = new Set<string>();
  const visit = (node: SceneNode | undefined) => {
    if (!node || !Array.isArray(node.items)) return;
    if (node.marktype && node.marktype !== "group" && node.role === "mark") {
      marks += node.items.length;
      if (node.items.length > 0) types.add(node.marktype);
    }
    for (const item of node.items) visit(item);
  };
  visit(root as SceneNode);
  return { marks, marktypes: [...types].sort() };
}

export function publishVega(entry: Omit<PublishedVega, "draws">): void {
  const registry = (window.__runyardVega ??= {});
  registry[entry.key] = { ...entry, draws: (registry[entry.key]?.draws ?? 0) + 1 };
}

export function unpublishVega(key: string): void {
  if (window.__runyardVega) delete window.__runyardVega[key];
}

export function publishPlotly(key: string, run: string, traces: number | null): void {
  const registry = (window.__runyardPlotly ??= {});
  const entry = (registry[key] ??= { key, runs: {} });
  if (traces === null) delete entry.runs[run];
  else entry.runs[run] = traces;
}
