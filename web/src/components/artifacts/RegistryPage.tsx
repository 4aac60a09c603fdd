// An entity's registry (its project `model-registry`, wandb's model registry): the
// collections, and a collection's linked versions with their aliases and the version
// each links (its source, in a project of the entity).
import { useRegistry, useRegistryVersions } from "../../hooks/useArtifacts";
import { newestFirst } from "../../lib/artifacts";
import { formatTimestamp } from "../../lib/format";
import { REGISTRY_PROJECT, artifactsUrl, registryUrl } from "../../lib/route";
import Link from "../Link";
import AliasList from "./AliasList";
import { SourceLink } from "./ArtifactVersionView";

export default function RegistryPage({ entity, collection }: { entity: string; collection: string | null }) {
  const { data, error, isPending } = useRegistry(entity);
  return (
    <div className="page registry-page" data-testid="registry-page">
      <nav className="breadcrumbs" data-testid="breadcrumbs">
        <Link href="/">Projects</Link>
        <span className="sep">/</span>
        <span className="muted">{entity}</span>
        <span className="sep">/</span>
        {collection ? <Link href={registryUrl(entity)}>Registry</Link> : <strong>Registry</strong>}
        {collection && (
          <>
            <span className="sep">/</span>
            <strong>{collection}</strong>
          </>
        )}
      </nav>
      <div className="artifacts-layout">
        <aside className="artifacts-sidebar" data-testid="registry-collections">
          {isPending && <p className="muted">Loading…</p>}
          {error && <p className="error">Could not read the registry: {String(error)}</p>}
          {data && data.collections.length === 0 && <p className="muted">Nothing linked into {entity}'s registry yet.</p>}
          <ul>
            {data?.collections.map((c) => (
              <li key={c.name}>
                <Link href={registryUrl(entity, c.name)} className={c.name === collection ? "active" : undefined} data-testid={`registry-collection-${c.name}`}>
                  {c.name}
                </Link>{" "}
                <span className="muted">
                  {c.type} · {c.version_count}
                </span>
              </li>
            ))}
          </ul>
        </aside>
        <main className="artifacts-main">{collection && <RegistryCollection entity={entity} collection={collection} />}</main>
      </div>
    </div>
  );
}

function RegistryCollection({ entity, collection }: { entity: string; collection: string }) {
  const { data, error, isPending } = useRegistryVersions(entity, collection);
  if (isPending) return <p className="muted">Loading…</p>;
  if (error || !data) return <p className="error">Could not list {collection}: {String(error)}</p>;
  return (
    <section data-testid="registry-versions">
      <h1>{collection}</h1>
      <table className="artifact-table">
        <thead>
          <tr>
            <th>Version</th>
            <th>Aliases</th>
            <th>Source</th>
            <th>Linked</th>
          </tr>
        </thead>
        <tbody>
          {newestFirst(data.versions).map((v) => (
            <tr key={v.version} data-testid={`registry-version-${v.version}`}>
              <td>
                <Link href={artifactsUrl(entity, REGISTRY_PROJECT, { type: v.type, name: v.name, version: v.version })}>{v.version}</Link>
              </td>
              <td>
                <AliasList aliases={v.aliases} />
              </td>
              <td>{v.source ? <SourceLink source={v.source} type={v.type} /> : <span className="muted">—</span>}</td>
              <td>{formatTimestamp(v.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
