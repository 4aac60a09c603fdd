// One artifact version: its name, aliases and tabs — Overview (facts, metadata, the
// runs that used it), Files (browser with previews and downloads) and Lineage (the
// graph, loaded with its layout library on first open).
import { Suspense, lazy } from "react";
import type { ArtifactVersion } from "../../api/types";
import { useArtifactUsers, useArtifactVersion } from "../../hooks/useArtifacts";
import { formatBytes, formatTimestamp } from "../../lib/format";
import { ARTIFACT_TABS, type ArtifactTab, REGISTRY_PROJECT, artifactsUrl } from "../../lib/route";
import KeyValueTable from "../KeyValueTable";
import Link from "../Link";
import AliasList from "./AliasList";
import ArtifactFiles from "./ArtifactFiles";
import RunRefLink from "./RunRefLink";

// dagre and the SVG drawing load when the Lineage tab opens
const LineageGraph = lazy(() => import("./LineageGraph"));

const TAB_LABELS: Record<ArtifactTab, string> = { overview: "Overview", files: "Files", lineage: "Lineage" };

export interface ArtifactVersionViewProps {
  entity: string;
  project: string;
  type: string;
  name: string;
  version: string;
  tab: ArtifactTab;
}

export default function ArtifactVersionView({ entity, project, type, name, version, tab }: ArtifactVersionViewProps) {
  const { data, error, isPending } = useArtifactVersion(entity, project, name, version);
  if (isPending) return <p className="muted">Loading…</p>;
  if (error || !data) return <p className="error">Could not load {name}:{version}: {String(error)}</p>;
  const a = data.artifact;
  let body: React.ReactNode;
  if (tab === "files") body = <ArtifactFiles artifact={a} files={data.files} />;
  else if (tab === "lineage")
    body = (
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <LineageGraph artifact={a} />
      </Suspense>
    );
  else body = <VersionOverview artifact={a} />;
  return (
    <section className="artifact-version" data-testid="artifact-version" data-version={a.version}>
      <h1>
        <span data-testid="artifact-version-title">
          {a.name}:{a.version}
        </span>{" "}
        <AliasList aliases={a.aliases} />
      </h1>
      <nav className="run-tabs" role="tablist" data-testid="artifact-tabs">
        {ARTIFACT_TABS.map((t) => (
          <Link
            key={t}
            href={artifactsUrl(entity, project, { type, name, version, tab: t })}
            role="tab"
            aria-selected={t === tab}
            className={t === tab ? "run-tab active" : "run-tab"}
            data-testid={`artifact-tab-${t}`}
          >
            {TAB_LABELS[t]}
          </Link>
        ))}
      </nav>
      <div role="tabpanel" data-testid={`artifact-tab-body-${tab}`}>
        {body}
      </div>
    </section>
  );
}

function Fact({ label, children, testid }: { label: string; children: React.ReactNode; testid?: string }) {
  return (
    <div className="fact" data-testid={testid}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** A link to the version a registry link points at. */
export function SourceLink({ source, type }: { source: NonNullable<ArtifactVersion["source"]>; type: string }) {
  const [e, p, n, v] = source;
  return (
    <Link href={artifactsUrl(e, p, { type, name: n, version: v })} data-testid={`artifact-source-${n}-${v}`}>
      {e}/{p}/{n}:{v}
    </Link>
  );
}

function VersionOverview({ artifact: a }: { artifact: ArtifactVersion }) {
  const users = useArtifactUsers(a.entity, a.project, a.name, a.version);
  return (
    <div className="artifact-overview" data-testid="artifact-overview">
      <dl className="facts">
        <Fact label="Type">{a.type}</Fact>
        <Fact label="Version">{a.version}</Fact>
        <Fact label="Size">{formatBytes(a.size)}</Fact>
        <Fact label="Files">{a.file_count}</Fact>
        <Fact label="Created">{formatTimestamp(a.created_at)}</Fact>
        <Fact label="Logged by" testid="artifact-logged-by">
          {a.logged_by ? <RunRefLink run={a.logged_by} from={[a.entity, a.project]} /> : "—"}
        </Fact>
        <Fact label="Digest">
          <code>{a.digest}</code>
        </Fact>
        {a.source && (
          <Fact label={a.project === REGISTRY_PROJECT ? "Linked from" : "Source"}>
            <SourceLink source={a.source} type={a.type} />
          </Fact>
        )}
      </dl>
      {a.description && <p className="artifact-description">{a.description}</p>}
      <h2>Metadata</h2>
      <KeyValueTable doc={a.metadata} testid="artifact-metadata" empty="No metadata." />
      <h2>Used by</h2>
      {users.data ? (
        users.data.runs.length === 0 ? (
          <p className="muted">No run has used this version.</p>
        ) : (
          <ul data-testid="artifact-used-by">
            {users.data.runs.map((r) => (
              <li key={r.join("/")}>
                <RunRefLink run={r} from={[a.entity, a.project]} />
              </li>
            ))}
          </ul>
        )
      ) : (
        <p className="muted">{users.error ? String(users.error) : "Loading…"}</p>
      )}
    </div>
  );
}
