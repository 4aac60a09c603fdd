// A run's files with download links.
import { runFileUrl } from "../api/client";
import { useRunFiles } from "../hooks/useProjectData";
import { formatBytes } from "../lib/format";

export default function RunFiles({ entity, project, runId, refresh }: { entity: string; project: string; runId: string; refresh: unknown }) {
  const { data, error, isPending } = useRunFiles(entity, project, runId, refresh);
  return (
    <section className="run-files" data-testid="run-files">
      <h2>Files</h2>
      {isPending ? (
        <p className="muted">Loading…</p>
      ) : error ? (
        <p className="error">Could not list files: {String(error)}</p>
      ) : data.files.length === 0 ? (
        <p className="muted">No files.</p>
      ) : (
        <table className="files">
          <tbody>
            {data.files.map((file) => (
              <tr key={file.name} data-testid={`file-${file.name}`}>
                <td>
                  <a href={runFileUrl(entity, project, runId, file.name)} download={file.name.split("/").pop()}>
                    {file.name}
                  </a>
                </td>
                <td className="num">{formatBytes(file.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
