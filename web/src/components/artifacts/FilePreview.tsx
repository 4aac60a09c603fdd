// The preview of one artifact file, by kind (lib/artifacts.previewKind).
import type { JsonValue } from "../../api/types";
import { type FileRef, useFileHead, useImageUrl } from "../../hooks/useArtifacts";
import { PREVIEW_BYTES, type PreviewKind, type TablePreview, parseTable, tableFilePointer } from "../../lib/artifacts";
import { formatBytes, formatValue } from "../../lib/format";

export interface FilePreviewProps {
  file: FileRef;
  kind: PreviewKind;
  reference: string | null;
}

export default function FilePreview({ file, kind, reference }: FilePreviewProps) {
  return (
    <div className="artifact-preview" data-testid="artifact-preview" data-kind={kind}>
      <h3>{file.path}</h3>
      {kind === "image" ? (
        <ImagePreview file={file} />
      ) : kind === "text" || kind === "table" ? (
        <TextPreview file={file} table={kind === "table"} />
      ) : reference ? (
        <p>
          A reference to <code data-testid="artifact-reference">{reference}</code>: its content stays there.
        </p>
      ) : (
        <p className="muted">No preview for this kind of file; download it.</p>
      )}
    </div>
  );
}

function ImagePreview({ file }: { file: FileRef }) {
  const { data, error } = useImageUrl(file, true);
  if (error) return <p className="error">Could not load the image: {String(error)}</p>;
  if (!data) return <p className="muted">Loading…</p>;
  return <img src={data} alt={file.path} className="artifact-image" data-testid="artifact-preview-image" />;
}

function TextPreview({ file, table }: { file: FileRef; table: boolean }) {
  const { data, error } = useFileHead(file, true);
  if (error) return <p className="error">Could not read the file: {String(error)}</p>;
  if (!data) return <p className="muted">Loading…</p>;
  const note = data.cut && <p className="muted">The first {formatBytes(PREVIEW_BYTES)} shown.</p>;
  if (table) {
    // a Table added to the artifact: its rows are in the entry it points at
    const pointer = data.cut ? null : tableFilePointer(data.text);
    if (pointer && pointer !== file.path) return <TextPreview file={{ ...file, path: pointer }} table />;
    let parsed: TablePreview | null = null;
    try {
      parsed = parseTable(file.path, data.text, data.cut);
    } catch {
      parsed = null; // a table.json cut mid-way, or not a table: show the text
    }
    if (parsed) return <TableView table={parsed} />;
  }
  return (
    <>
      <pre className="artifact-text" data-testid="artifact-preview-text">
        {data.text}
      </pre>
      {note}
    </>
  );
}

function cell(value: JsonValue): string {
  return typeof value === "string" ? value : formatValue(value);
}

function TableView({ table }: { table: TablePreview }) {
  return (
    <div className="artifact-table-preview">
      <table className="artifact-table" data-testid="artifact-preview-table">
        <thead>
          <tr>
            {table.columns.map((c, i) => (
              <th key={i}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, r) => (
            <tr key={r}>
              {row.map((v, i) => (
                <td key={i}>{cell(v)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {table.partial && <p className="muted">The first rows shown.</p>}
    </div>
  );
}
