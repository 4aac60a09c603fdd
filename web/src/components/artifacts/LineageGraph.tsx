// An artifact version's lineage as an SVG graph: runs and versions a few hops away
// (the server's lineage route), laid out by dagre (lib/lineageLayout), left to right
// in data-flow order. Every node is a link: runs to their page, versions to theirs.
import { useMemo, useState } from "react";
import type { ArtifactVersion, LineageNode } from "../../api/types";
import { useArtifactLineage } from "../../hooks/useArtifacts";
import { artifactNodeId, lineageLayoutInput, nodeTestId } from "../../lib/artifacts";
import { layoutLineage } from "../../lib/lineageLayout";
import { artifactsUrl, runUrl } from "../../lib/route";
import Link from "../Link";

const MAX_HOPS = 5;

function nodeUrl(node: LineageNode): string {
  if (node.kind === "run") return runUrl(node.entity, node.project, node.run_id, "overview");
  const a = node.artifact;
  return artifactsUrl(a.entity, a.project, { type: a.type, name: a.name, version: a.version, tab: "lineage" });
}

function path(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"}${p.x},${p.y}`).join(" ");
}

export default function LineageGraph({ artifact }: { artifact: ArtifactVersion }) {
  const [hops, setHops] = useState(2);
  const { data, error, isPending } = useArtifactLineage(artifact.entity, artifact.project, artifact.name, artifact.version, hops);
  const placed = useMemo(() => (data ? layoutLineage(lineageLayoutInput(data, artifactNodeId(artifact))) : null), [data, artifact]);
  const byId = useMemo(() => new Map((data?.nodes ?? []).map((n) => [n.id, n] as const)), [data]);
  return (
    <section className="lineage" data-testid="lineage">
      <label className="lineage-hops">
        Hops{" "}
        <select value={hops} onChange={(e) => setHops(Number(e.target.value))} data-testid="lineage-hops">
          {Array.from({ length: MAX_HOPS }, (_, i) => i + 1).map((h) => (
            <option key={h} value={h}>
              {h}
            </option>
          ))}
        </select>
      </label>
      {isPending && <p className="muted">Loading…</p>}
      {error && <p className="error">Could not load the lineage: {String(error)}</p>}
      {data?.truncated && <p className="muted">Too many nodes: some are left out.</p>}
      {placed && (
        <div className="lineage-scroll">
          <svg width={placed.width} height={placed.height} data-testid="lineage-graph" role="img" aria-label="lineage graph">
            <defs>
              <marker id="lineage-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M 0 0 L 10 5 L 0 10 z" className="lineage-arrowhead" />
              </marker>
            </defs>
            {placed.edges.map((e) => (
              <path
                key={`${e.from}>${e.to}`}
                d={path(e.points)}
                className={`lineage-edge ${e.kind}`}
                markerEnd="url(#lineage-arrow)"
                data-testid="lineage-edge"
                data-from={e.from}
                data-to={e.to}
              />
            ))}
            {placed.nodes.map((n) => {
              const node = byId.get(n.id);
              if (!node) return null;
              return (
                <Link key={n.id} href={nodeUrl(node)} data-testid={nodeTestId(node)} data-node={n.id}>
                  <g transform={`translate(${n.x},${n.y})`} className={`lineage-node ${n.kind}${n.focus ? " focus" : ""}`}>
                    <rect width={n.width} height={n.height} rx={n.kind === "run" ? 4 : 12} />
                    <text x={10} y={18} className="lineage-label">
                      {n.label}
                    </text>
                    <text x={10} y={34} className="lineage-sublabel">
                      {n.sublabel}
                    </text>
                  </g>
                </Link>
              );
            })}
          </svg>
        </div>
      )}
    </section>
  );
}
