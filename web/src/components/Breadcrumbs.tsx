// Where we are: Projects / entity / project [/ run | / Artifacts / name / version],
// and the project's pages (Runs, Artifacts, the entity's Registry).
import { artifactsUrl, registryUrl, workspaceUrl } from "../lib/route";
import Link from "./Link";

export interface Crumb {
  label: string;
  /** absent on the page itself */
  href?: string;
}

export default function Breadcrumbs({ entity, project, run, trail }: { entity: string; project: string; run?: string; trail?: Crumb[] }) {
  const crumbs: Crumb[] = run ? [{ label: run }] : (trail ?? []);
  return (
    <nav className="breadcrumbs" data-testid="breadcrumbs">
      <Link href="/">Projects</Link>
      <span className="sep">/</span>
      <span className="muted">{entity}</span>
      <span className="sep">/</span>
      {crumbs.length > 0 ? <Link href={workspaceUrl(entity, project)}>{project}</Link> : <strong>{project}</strong>}
      {crumbs.map((c, i) => (
        <span key={i} className="crumb">
          <span className="sep">/</span>
          {c.href ? <Link href={c.href}>{c.label}</Link> : <strong>{c.label}</strong>}
        </span>
      ))}
      <span className="project-nav" data-testid="project-nav">
        <Link href={workspaceUrl(entity, project)} data-testid="nav-runs">
          Runs
        </Link>
        <Link href={artifactsUrl(entity, project)} data-testid="nav-artifacts">
          Artifacts
        </Link>
        <Link href={registryUrl(entity)} data-testid="nav-registry">
          Registry
        </Link>
      </span>
    </nav>
  );
}
