// The landing page: every project with its run count and last activity.
import { useProjects } from "../hooks/useProjectData";
import { formatTimestamp, timeAgo } from "../lib/format";
import { workspaceUrl } from "../lib/route";
import Link from "./Link";

export default function ProjectsList() {
  const { data, error, isPending } = useProjects();
  if (isPending) return <div className="page muted">Loading projects…</div>;
  if (error) return <div className="page error">Could not load projects: {String(error)}</div>;
  const projects = [...data.projects].sort((a, b) => (b.last_activity ?? 0) - (a.last_activity ?? 0));
  return (
    <div className="page projects-page">
      <h1>Projects</h1>
      {projects.length === 0 ? (
        <p className="empty" data-testid="no-projects">
          No projects yet. Log a run with <code>runyard.init(project="…")</code>, or try <code>runyard demo</code>.
        </p>
      ) : (
        <table className="projects" data-testid="projects-table">
          <thead>
            <tr>
              <th>Project</th>
              <th className="num">Runs</th>
              <th>Last activity</th>
            </tr>
          </thead>
          <tbody>
            {projects.map((p) => (
              <tr key={`${p.entity}/${p.name}`} data-testid={`project-row-${p.entity}/${p.name}`}>
                <td>
                  <Link href={workspaceUrl(p.entity, p.name)} data-testid={`project-link-${p.entity}/${p.name}`}>
                    <span className="muted">{p.entity} / </span>
                    {p.name}
                  </Link>
                </td>
                <td className="num">{p.run_count}</td>
                <td title={formatTimestamp(p.last_activity)}>{timeAgo(p.last_activity)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
