// Positions for the lineage graph, by dagre (layered, left to right: producing run →
// artifact → consuming run). Imported only by the lazily loaded LineageGraph, so dagre
// stays out of the main bundle.
import { Graph, layout } from "@dagrejs/dagre";
import type { LayoutInput, LayoutNode } from "./artifacts";

export interface PlacedNode extends LayoutNode {
  /** top-left corner */
  x: number;
  y: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  kind: "logged" | "used";
  points: { x: number; y: number }[];
}

export interface PlacedGraph {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

export function layoutLineage(input: LayoutInput): PlacedGraph {
  const g = new Graph();
  g.setGraph({ rankdir: "LR", nodesep: 20, ranksep: 70, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of input.nodes) g.setNode(n.id, { width: n.width, height: n.height });
  for (const e of input.edges) g.setEdge(e.from, e.to);
  layout(g);
  const nodes = input.nodes.map((n) => {
    const placed = g.node(n.id) as { x: number; y: number };
    return { ...n, x: placed.x - n.width / 2, y: placed.y - n.height / 2 };
  });
  const edges = input.edges.map((e) => {
    const placed = g.edge(e.from, e.to) as { points?: { x: number; y: number }[] } | undefined;
    return { ...e, points: placed?.points ?? [] };
  });
  const size = g.graph() as { width?: number; height?: number };
  return { nodes, edges, width: size.width ?? 0, height: size.height ?? 0 };
}
