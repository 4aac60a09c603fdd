// A version's files as folders (lib/artifacts.listDir), each with its size and a
// download link; a chosen file is previewed: text (its first PREVIEW_BYTES), images,
// tables (logged Tables and CSV/TSV). References show their URI: their content is not ours.
import { useState } from "react";
import { artifactFileUrl } from "../../api/client";
import type { ArtifactFile, ArtifactVersion } from "../../api/types";
import { listDir, previewKind } from "../../lib/artifacts";
import { formatBytes } from "../../lib/format";
import FilePreview from "./FilePreview";

export default function ArtifactFiles({ artifact, files }: { artifact: ArtifactVersion; files: ArtifactFile[] }) {
  const [dir, setDir] = useState("");
  const [chosen, setChosen] = useState<ArtifactFile | null>(null);
  const { dirs, files: here } = listDir(files, dir);
  const parts = dir === "" ? [] : dir.split("/");
  const url = (f: ArtifactFile) => artifactFileUrl(artifact.entity, artifact.project, artifact.name, artifact.version, f.path);
  return (
    <div className="artifact-files" data-testid="artifact-files">
      <div className="artifact-file-list">
        <div className="file-path" data-testid="artifact-dir">
          <button type="button" className="link-button" onClick={() => setDir("")}>
            root
          </button>
          {parts.map((p, i) => (
            <span key={i}>
              {" / "}
              <button type="button" className="link-button" onClick={() => setDir(parts.slice(0, i + 1).join("/"))}>
                {p}
              </button>
            </span>
          ))}
        </div>
        <table className="artifact-table">
          <tbody>
            {dirs.map((d) => (
              <tr key={`dir:${d}`}>
                <td colSpan={3}>
                  <button type="button" className="link-button" data-testid={`artifact-dir-${d}`} onClick={() => setDir(dir === "" ? d : `${dir}/${d}`)}>
                    📁 {d}/
                  </button>
                </td>
              </tr>
            ))}
            {here.map((f) => (
              <tr key={f.path} className={chosen?.path === f.path ? "chosen" : undefined} data-testid={`artifact-file-${f.path}`}>
                <td>
                  <button type="button" className="link-button" onClick={() => setChosen(f)}>
                    {f.path.slice(dir === "" ? 0 : dir.length + 1)}
                  </button>
                </td>
                <td className="muted">{f.size === null ? "" : formatBytes(f.size)}</td>
                <td>
                  {f.ref ? (
                    <span className="muted" title={f.ref}>
                      reference
                    </span>
                  ) : (
                    <a href={url(f)} download data-testid="artifact-download">
                      download
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="artifact-preview-pane">
        {chosen ? (
          <FilePreview
            key={chosen.path}
            file={{ entity: artifact.entity, project: artifact.project, name: artifact.name, version: artifact.version, path: chosen.path }}
            kind={previewKind(chosen.path, chosen.ref !== null, chosen.size)}
            reference={chosen.ref}
          />
        ) : (
          <p className="muted">Pick a file to preview it.</p>
        )}
      </div>
    </div>
  );
}
