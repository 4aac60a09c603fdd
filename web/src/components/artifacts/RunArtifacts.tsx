// A run page's Artifacts tab: the versions the run logged (outputs) and used (inputs).
import type { ArtifactVersion } from "../../api/types";
import { useRunArtifacts } from "../../hooks/useArtifacts";
import { formatBytes, formatTimestamp } from "../../lib/format";
import { artifactsUrl } from "../../lib/route";
import Link from "../Link";
import AliasList from "./AliasList";

export default function RunArtifacts({ entity, project, runId }: { entity: string; project: string; runId: string }) {
  return (
    <section className="run-artifacts" data-testid="run-artifacts">
      <Direction entity={entity} project={project} runId={runId} direction="logged" title="Logged (outputs)" />
      <Direction entity={entity} project={project} runId={runId} direction="used" title="Used (inputs)" />
    </section>
  );
}

function Direction({ entity, project, runId, direction, title }: { entity: string; project: string; runId: string; direction: "logged" | "used"; title: string }) {
  const { data, error, isPending } = useRunArtifacts(entity, project, runId, direction);
  return (
    <div className="run-artifacts-section" data-testid={`run-artifacts-${direction}`}>
      <h2>
        {title} {data && <span className="count">{data.artifacts.length}</span>}
      </h2>
      {isPending ? (
        <p className="muted">Loading…</p>
      ) : error || !data ? (
        <p className="error">Could not list artifacts: {String(error)}</p>
      ) : data.artifacts.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <VersionTable versions={data.artifacts} here={[entity, project]} />
      )}
    </div>
  );
}

function VersionTable({ versions, here }: { versions: ArtifactVersion[]; here: [string, string] }) {
  return (
    <table className="artifact-table">
      <thead>
        <tr>
          <th>Artifact</th>
          <th>Type</th>
          <th>Aliases</th>
          <th>Size</th>
          <th>Created</th>
        </tr>
      </thead>
      <tbody>
        {versions.map((v) => {
          const elsewhere = v.entity !== here[0] || v.project !== here[1];
          return (
            <tr key={`${v.entity}/${v.project}/${v.name}:${v.version}`} data-testid={`run-artifact-${v.name}-${v.version}`}>
              <td>
                <Link href={artifactsUrl(v.entity, v.project, { type: v.type, name: v.name, version: v.version })}>
                  {elsewhere ? `${v.entity}/${v.project}/` : ""}
                  {v.name}:{v.version}
                </Link>
              </td>
              <td>{v.type}</td>
              <td>
                <AliasList aliases={v.aliases} />
              </td>
              <td>{formatBytes(v.size)}</td>
              <td>{formatTimestamp(v.created_at)}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
