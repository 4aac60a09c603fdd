// Where we are: Projects / entity / project [/ run].
import { workspaceUrl } from "../lib/route";
import Link from "./Link";

export default function Breadcrumbs({ entity, project, run }: { entity: string; project: string; run?: string }) {
  return (
    <nav className="breadcrumbs" data-testid="breadcrumbs">
      <Link href="/">Projects</Link>
      <span className="sep">/</span>
      <span className="muted">{entity}</span>
      <span className="sep">/</span>
      {run ? <Link href={workspaceUrl(entity, project)}>{project}</Link> : <strong>{project}</strong>}
      {run && (
        <>
          <span className="sep">/</span>
          <strong>{run}</strong>
        </>
      )}
    </nav>
  );
}
