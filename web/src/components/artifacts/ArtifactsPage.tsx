// The project's Artifacts page (in the URL: lib/route): a sidebar of types → names,
// the chosen name's versions (aliases, size, files, created, logged by), and a
// version's tabs — Overview, Files (browser with previews) and Lineage (graph).
import type { ArtifactTab } from "../../lib/route";
import { artifactsUrl } from "../../lib/route";
import { groupByType } from "../../lib/artifacts";
import { useArtifactCollections } from "../../hooks/useArtifacts";
import Breadcrumbs from "../Breadcrumbs";
import Link from "../Link";
import ArtifactVersions from "./ArtifactVersions";
import ArtifactVersionView from "./ArtifactVersionView";

export interface ArtifactsPageProps {
  entity: string;
  project: string;
  type: string | null;
  name: string | null;
  version: string | null;
  tab: ArtifactTab;
}

export default function ArtifactsPage({ entity, project, type, name, version, tab }: ArtifactsPageProps) {
  const { data, error, isPending } = useArtifactCollections(entity, project);
  const groups = groupByType(data?.collections ?? []);
  const trail = [{ label: "Artifacts", href: name ? artifactsUrl(entity, project) : undefined }];
  if (type && name) trail.push({ label: name, href: version ? artifactsUrl(entity, project, { type, name }) : undefined });
  if (type && name && version) trail.push({ label: version, href: undefined });
  return (
    <div className="page artifacts-page" data-testid="artifacts-page">
      <Breadcrumbs entity={entity} project={project} trail={trail} />
      <div className="artifacts-layout">
        <aside className="artifacts-sidebar" data-testid="artifact-types">
          {isPending && <p className="muted">Loading…</p>}
          {error && <p className="error">Could not list artifacts: {String(error)}</p>}
          {data && groups.length === 0 && <p className="muted">No artifacts in this project yet.</p>}
          {groups.map((g) => (
            <section key={g.type} className="artifact-type" data-testid={`artifact-type-${g.type}`}>
              <h3>
                {g.type} <span className="count">{g.collections.length}</span>
              </h3>
              <ul>
                {g.collections.map((c) => (
                  <li key={c.name}>
                    <Link
                      href={artifactsUrl(entity, project, { type: c.type, name: c.name })}
                      className={c.name === name ? "active" : undefined}
                      data-testid={`artifact-collection-${c.name}`}
                    >
                      {c.name}
                    </Link>{" "}
                    <span className="muted">{c.version_count}</span>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </aside>
        <main className="artifacts-main">
          {type && name && version ? (
            <ArtifactVersionView key={`${name}:${version}`} entity={entity} project={project} type={type} name={name} version={version} tab={tab} />
          ) : type && name ? (
            <ArtifactVersions entity={entity} project={project} type={type} name={name} />
          ) : (
            data && groups.length > 0 && <p className="muted">Pick an artifact on the left to see its versions.</p>
          )}
        </main>
      </div>
    </div>
  );
}
