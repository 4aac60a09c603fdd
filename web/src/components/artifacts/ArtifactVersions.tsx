// One artifact name's versions, newest first: aliases, size, files, created, logged by.
import { useArtifactVersions } from "../../hooks/useArtifacts";
import { newestFirst } from "../../lib/artifacts";
import { formatBytes, formatTimestamp } from "../../lib/format";
import { artifactsUrl } from "../../lib/route";
import Link from "../Link";
import AliasList from "./AliasList";
import RunRefLink from "./RunRefLink";

export default function ArtifactVersions({ entity, project, type, name }: { entity: string; project: string; type: string; name: string }) {
  const { data, error, isPending } = useArtifactVersions(entity, project, name);
  if (isPending) return <p className="muted">Loading…</p>;
  if (error || !data) return <p className="error">Could not list versions: {String(error)}</p>;
  return (
    <section className="artifact-versions" data-testid="artifact-versions">
      <h1>
        {name} <span className="muted type-label">{type}</span>
      </h1>
      <table className="artifact-table">
        <thead>
          <tr>
            <th>Version</th>
            <th>Aliases</th>
            <th>Size</th>
            <th>Files</th>
            <th>Created</th>
            <th>Logged by</th>
          </tr>
        </thead>
        <tbody>
          {newestFirst(data.versions).map((v) => (
            <tr key={v.version} data-testid={`artifact-version-${v.version}`}>
              <td>
                <Link href={artifactsUrl(entity, project, { type, name, version: v.version })}>{v.version}</Link>
              </td>
              <td>
                <AliasList aliases={v.aliases} />
              </td>
              <td>{formatBytes(v.size)}</td>
              <td>{v.file_count}</td>
              <td>{formatTimestamp(v.created_at)}</td>
              <td>{v.logged_by ? <RunRefLink run={v.logged_by} from={[entity, project]} /> : <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
