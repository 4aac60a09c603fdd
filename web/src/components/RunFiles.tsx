// The Files tab: a run's files under logical names (lib/runFiles) — the run files
// (console output, git diff, packages), its code, its media by the key and step they
// were logged at, everything else — each with a download link; the config and
// summary download as JSON made in the page.
import { useMemo } from "react";
import { runFileUrl } from "../api/client";
import type { MetricKey, Run } from "../api/types";
import { useRunFiles } from "../hooks/useProjectData";
import { useRunFileIndex } from "../hooks/useRunFileIndex";
import { formatBytes } from "../lib/format";
import { type DescribedFile, SECTION_TITLES, describeFiles } from "../lib/runFiles";

export interface RunFilesProps {
  entity: string;
  project: string;
  run: Run;
  keys: MetricKey[] | undefined;
  refresh: unknown;
}

function jsonDownload(doc: unknown): string {
  return `data:application/json;charset=utf-8,${encodeURIComponent(JSON.stringify(doc, null, 2))}`;
}

export default function RunFiles({ entity, project, run, keys, refresh }: RunFilesProps) {
  const { data, error, isPending } = useRunFiles(entity, project, run.id, refresh);
  const index = useRunFileIndex(entity, project, run.id, keys, run.summary, run.state === "running");
  const generated = useMemo(
    () => [
      { name: "config.json", label: "Config", content: jsonDownload(run.config) },
      { name: "wandb-summary.json", label: "Summary", content: jsonDownload(run.summary) },
      ...(run.metadata ? [{ name: "wandb-metadata.json", label: "Environment and git metadata", content: jsonDownload(run.metadata) }] : []),
    ],
    [run.config, run.summary, run.metadata],
  );
  const sections = useMemo(() => describeFiles(data?.files ?? [], index.index, generated), [data, index.index, generated]);
  return (
    <section className="run-files" data-testid="run-files" data-ready={!isPending && index.ready}>
      {isPending ? (
        <p className="muted">Loading…</p>
      ) : error ? (
        <p className="error">Could not list files: {String(error)}</p>
      ) : (
        <>
          {index.error && <p className="error-note">Could not read which step logged each media file: {index.error}</p>}
          {sections.map(({ section, files }) => (
            <div key={section} className="files-section" data-testid={`files-section-${section}`}>
              <h2>
                {SECTION_TITLES[section]} <span className="count">{files.length}</span>
              </h2>
              <table className="files">
                <tbody>
                  {files.map((file) => (
                    <FileRow key={file.name} entity={entity} project={project} runId={run.id} file={file} />
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </>
      )}
    </section>
  );
}

function FileRow({ entity, project, runId, file }: { entity: string; project: string; runId: string; file: DescribedFile }) {
  const href = file.generated ?? runFileUrl(entity, project, runId, file.name);
  return (
    <tr data-testid={`file-${file.name}`} data-section={file.section} data-generated={file.generated ? "true" : undefined}>
      <td className="file-label" data-testid="file-label">
        {file.label ?? ""}
      </td>
      <td className="file-name">
        <a href={href} download={file.name.split("/").pop()}>
          {file.name}
        </a>
      </td>
      <td className="num">{file.size === null ? "" : formatBytes(file.size)}</td>
    </tr>
  );
}
