// Pure logic of the artifact pages: grouping collections by type, ordering versions,
// what kind of preview a file gets, table previews, and the lineage graph's layout input.
import type { ArtifactCollection, ArtifactVersion, JsonValue, Lineage, LineageNode } from "../api/types";

export interface TypeGroup {
  type: string;
  collections: ArtifactCollection[];
}

/** Collections grouped by type (types and names sorted), as the sidebar lists them. */
export function groupByType(collections: ArtifactCollection[]): TypeGroup[] {
  const groups = new Map<string, ArtifactCollection[]>();
  for (const c of collections) {
    const list = groups.get(c.type);
    if (list) list.push(c);
    else groups.set(c.type, [c]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, list]) => ({ type, collections: [...list].sort((x, y) => x.name.localeCompare(y.name)) }));
}

/** Newest version first. */
export function newestFirst(versions: ArtifactVersion[]): ArtifactVersion[] {
  return [...versions].sort((a, b) => b.version_index - a.version_index);
}

/** `latest` first, then the other aliases as stored. */
export function orderedAliases(aliases: string[]): string[] {
  return [...aliases].sort((a, b) => Number(b === "latest") - Number(a === "latest"));
}

/** The version a URL names (vN or an alias), or null when none matches. */
export function findVersion(versions: ArtifactVersion[], version: string): ArtifactVersion | null {
  return versions.find((v) => v.version === version) ?? versions.find((v) => v.aliases.includes(version)) ?? null;
}

export type PreviewKind = "image" | "table" | "text" | "none";

const IMAGE = /\.(png|jpe?g|gif|webp|bmp|svg|avif)$/i;
const TABLE = /(\.table\.json|\.csv|\.tsv)$/i;
const TEXT =
  /\.(txt|md|rst|json|jsonl|ya?ml|toml|ini|cfg|conf|py|ipynb|js|ts|tsx|sh|log|xml|html?|css|c|h|cpp|rs|go|java|r|sql|tex|patch|diff|env)$/i;
const TEXT_NAMES = new Set(["readme", "license", "makefile", "dockerfile", "requirements.txt"]);

/** Images larger than this are not fetched for a preview (they are downloaded whole). */
export const MAX_IMAGE_PREVIEW_BYTES = 20 * 1024 * 1024;

/**
 * How a file of a version is previewed, from its name (references have no content of
 * ours; text and tables read only their first PREVIEW_BYTES, so any size will do).
 */
export function previewKind(path: string, isReference = false, size: number | null = null): PreviewKind {
  if (isReference) return "none";
  if (IMAGE.test(path)) return size !== null && size > MAX_IMAGE_PREVIEW_BYTES ? "none" : "image";
  if (TABLE.test(path)) return "table";
  const base = path.split("/").pop()?.toLowerCase() ?? "";
  if (TEXT.test(path) || TEXT_NAMES.has(base) || !base.includes(".")) return "text";
  return "none";
}

/** The MIME type an image preview's blob gets (the server sends octet-stream). */
export function imageMime(path: string): string {
  const ext = path.split(".").pop()?.toLowerCase() ?? "";
  if (ext === "svg") return "image/svg+xml";
  if (ext === "jpg") return "image/jpeg";
  return `image/${ext}`;
}

/** How many bytes a text or table preview reads. */
export const PREVIEW_BYTES = 64 * 1024;
/** Rows a table preview shows. */
export const PREVIEW_ROWS = 100;

export interface TablePreview {
  columns: string[];
  rows: JsonValue[][];
  /** more rows than shown, or the text was cut at PREVIEW_BYTES */
  partial: boolean;
}

function splitDelimited(line: string, sep: string): string[] {
  // quoted fields ("a,b" and "" inside quotes), enough for a preview
  const out: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === sep) {
      out.push(field);
      field = "";
    } else field += ch;
  }
  out.push(field);
  return out;
}

/**
 * A table preview from a file's first bytes: a logged Table (`*.table.json`:
 * `{"columns": [...], "data": [[...]]}`) or CSV/TSV. `cut` says the text is not the
 * whole file. Throws on a table.json that is not one.
 */
export function parseTable(path: string, text: string, cut: boolean): TablePreview {
  if (/\.json$/i.test(path)) {
    const doc = JSON.parse(text) as { columns?: unknown; data?: unknown };
    if (!Array.isArray(doc.columns) || !Array.isArray(doc.data)) throw new Error(`${path} has no columns and data`);
    const data = doc.data as JsonValue[][];
    return { columns: doc.columns.map(String), rows: data.slice(0, PREVIEW_ROWS), partial: data.length > PREVIEW_ROWS };
  }
  const sep = /\.tsv$/i.test(path) ? "\t" : ",";
  let lines = text.split(/\r?\n/);
  if (cut) lines = lines.slice(0, -1); // the last line may be cut in the middle
  lines = lines.filter((l) => l !== "");
  const [head = "", ...body] = lines;
  return {
    columns: splitDelimited(head, sep),
    rows: body.slice(0, PREVIEW_ROWS).map((l) => splitDelimited(l, sep)),
    partial: cut || body.length > PREVIEW_ROWS,
  };
}

/**
 * The entry a Table added with `artifact.add(table, name)` keeps its rows in: the SDK
 * writes `<name>.table.json` as `{"_type": "table-file", "path": "media/table/…"}`
 * pointing at another entry of the same version. Null for anything else.
 */
export function tableFilePointer(text: string): string | null {
  try {
    const doc = JSON.parse(text) as { _type?: unknown; path?: unknown };
    return doc._type === "table-file" && typeof doc.path === "string" ? doc.path : null;
  } catch {
    return null;
  }
}

/** A folder view of a manifest: the entries and sub-folders directly under `dir` ("" = root). */
export function listDir<T extends { path: string }>(files: T[], dir: string): { dirs: string[]; files: T[] } {
  const prefix = dir === "" ? "" : `${dir}/`;
  const dirs = new Set<string>();
  const here: T[] = [];
  for (const f of files) {
    if (!f.path.startsWith(prefix)) continue;
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash === -1) here.push(f);
    else dirs.add(rest.slice(0, slash));
  }
  return { dirs: [...dirs].sort(), files: here.sort((a, b) => a.path.localeCompare(b.path)) };
}

// -- lineage --------------------------------------------------------------------------

export interface LayoutNode {
  id: string;
  kind: "run" | "artifact";
  label: string;
  sublabel: string;
  width: number;
  height: number;
  focus: boolean;
}

export interface LayoutInput {
  nodes: LayoutNode[];
  /** producing run → artifact (logged), artifact → consuming run (used): left to right */
  edges: { from: string; to: string; kind: "logged" | "used" }[];
}

const CHAR_WIDTH = 7;
const NODE_HEIGHT = 44;
const MIN_WIDTH = 120;
const MAX_WIDTH = 260;

export function nodeLabel(node: LineageNode): { label: string; sublabel: string } {
  if (node.kind === "run") return { label: node.run_id, sublabel: `run · ${node.project}` };
  const a = node.artifact;
  return { label: `${a.name}:${a.version}`, sublabel: `${a.type} · ${a.project}` };
}

/**
 * The graph to lay out: one box per node sized to its label, edges in data-flow
 * direction, only edges whose two ends are nodes. `focusId` marks the version the
 * page shows.
 */
export function lineageLayoutInput(lineage: Lineage, focusId: string | null): LayoutInput {
  const ids = new Set(lineage.nodes.map((n) => n.id));
  const nodes = lineage.nodes.map((n) => {
    const { label, sublabel } = nodeLabel(n);
    const chars = Math.max(label.length, sublabel.length);
    const width = Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, chars * CHAR_WIDTH + 24));
    return { id: n.id, kind: n.kind, label, sublabel, width, height: NODE_HEIGHT, focus: n.id === focusId };
  });
  const seen = new Set<string>();
  const edges = lineage.edges.filter((e) => {
    const key = `${e.from}\u0000${e.to}`;
    if (!ids.has(e.from) || !ids.has(e.to) || e.from === e.to || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { nodes, edges: edges.map((e) => ({ from: e.from, to: e.to, kind: e.kind })) };
}

/** The node id the server gives a version (server/lineage.py). */
export function artifactNodeId(a: Pick<ArtifactVersion, "entity" | "project" | "name" | "version">): string {
  return `artifact:${a.entity}/${a.project}/${a.name}:${a.version}`;
}

/** A lineage node id safe in a test id / CSS selector. */
export function nodeTestId(node: LineageNode): string {
  return node.kind === "run" ? `lineage-run-${node.run_id}` : `lineage-artifact-${node.artifact.name}-${node.artifact.version}`;
}
