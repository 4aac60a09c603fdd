// A run's files under logical names, as the Files tab lists them: which key and
// step a media file was logged at (from the history's media payloads, which name
// their files by `path` or `filenames`), what the run files are (output.log, diff.patch,
// requirements.txt, code/…), and everything else as stored.
import type { JsonValue, RunFile } from "../api/types";

export interface MediaRef {
  key: string;
  /** The history step; null for a value of the summary. */
  step: number | null;
  /** The position in a list of files logged together (`images/separated`, a list of images). */
  index: number | null;
  type: string;
}

export type MediaIndex = Map<string, MediaRef[]>;

export type FileSection = "run" | "code" | "media" | "other";

export interface DescribedFile {
  name: string;
  size: number | null;
  section: FileSection;
  /** What the file is ("Console output", "samples at step 2", …); null for other files. */
  label: string | null;
  refs: MediaRef[];
  /** A download made in the browser (config, summary) instead of a stored file. */
  generated?: string;
}

export const SECTION_TITLES: Record<FileSection, string> = {
  run: "Run",
  code: "Code",
  media: "Media",
  other: "Other files",
};

const RUN_FILES: Record<string, string> = {
  "output.log": "Console output (stdout and stderr)",
  "diff.patch": "Uncommitted changes (git diff against the commit)",
  "requirements.txt": "Installed Python packages",
  "conda-environment.yaml": "Conda environment",
  "config.yaml": "Config",
  "config.json": "Config",
  "wandb-summary.json": "Summary",
  "wandb-metadata.json": "Environment and git metadata",
  "upstream_diff.patch": "Changes against the upstream branch",
};

/** Add the files one logged value names (nested payloads and lists included). */
export function collectMediaRefs(index: MediaIndex, key: string, step: number | null, value: JsonValue | undefined, position: number | null = null): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => collectMediaRefs(index, key, step, item, position ?? i));
    return;
  }
  if (!value || typeof value !== "object") return;
  const type = typeof value._type === "string" ? value._type : null;
  const add = (path: JsonValue | undefined, at: number | null) => {
    if (typeof path !== "string" || !type) return;
    const refs = index.get(path) ?? [];
    if (!refs.some((r) => r.key === key && r.step === step && r.index === at)) refs.push({ key, step, index: at, type });
    index.set(path, refs);
  };
  add(value.path, position);
  if (type && Array.isArray(value.filenames)) value.filenames.forEach((name, i) => add(name, i));
  for (const [field, inner] of Object.entries(value)) {
    if (field !== "path" && field !== "filenames" && inner && typeof inner === "object") collectMediaRefs(index, key, step, inner, position);
  }
}

/** Index media files by path from every key's logged steps and from the summary. */
export function mediaIndex(
  logged: readonly { key: string; steps: readonly { step: number; value: JsonValue }[] }[],
  summary: Record<string, JsonValue> = {},
): MediaIndex {
  const index: MediaIndex = new Map();
  for (const { key, steps } of logged) for (const { step, value } of steps) collectMediaRefs(index, key, step, value);
  for (const [key, value] of Object.entries(summary)) collectMediaRefs(index, key, null, value);
  for (const refs of index.values()) refs.sort(compareRefs);
  return index;
}

function compareRefs(a: MediaRef, b: MediaRef): number {
  return (
    a.key.localeCompare(b.key) ||
    (a.step ?? Infinity) - (b.step ?? Infinity) ||
    (a.index ?? -1) - (b.index ?? -1)
  );
}

/** "samples at step 2", "gallery [1] at step 0", "best_image in the summary". */
export function refLabel(ref: MediaRef): string {
  const item = ref.index === null ? "" : ` [${ref.index}]`;
  return ref.step === null ? `${ref.key}${item} in the summary` : `${ref.key}${item} at step ${ref.step}`;
}

/** Labels of the first few references; a count of the rest. */
export const REFS_SHOWN = 3;

export function refsLabel(refs: readonly MediaRef[]): string {
  const shown = refs.slice(0, REFS_SHOWN).map(refLabel).join("; ");
  return refs.length > REFS_SHOWN ? `${shown} (+${refs.length - REFS_SHOWN} more)` : shown;
}

function describe(file: RunFile, index: MediaIndex): DescribedFile {
  const refs = index.get(file.name) ?? [];
  const base = { name: file.name, size: file.size, refs };
  if (refs.length > 0) return { ...base, section: "media", label: refsLabel(refs) };
  if (RUN_FILES[file.name]) return { ...base, section: "run", label: RUN_FILES[file.name] };
  if (file.name.startsWith("code/")) return { ...base, section: "code", label: file.name.slice("code/".length) };
  if (file.name.startsWith("media/")) return { ...base, section: "media", label: null };
  return { ...base, section: "other", label: null };
}

const SECTION_ORDER: FileSection[] = ["run", "code", "media", "other"];
const RUN_ORDER = Object.keys(RUN_FILES);

/**
 * The Files tab: stored files described and grouped, plus `generated` downloads
 * (config, summary) for names no stored file has. Media files are in key, step order.
 */
export function describeFiles(
  files: readonly RunFile[],
  index: MediaIndex,
  generated: readonly { name: string; label: string; content: string }[] = [],
): { section: FileSection; files: DescribedFile[] }[] {
  const stored = new Set(files.map((f) => f.name));
  const all = [
    ...generated
      .filter((g) => !stored.has(g.name))
      .map((g): DescribedFile => ({ name: g.name, size: null, section: "run", label: g.label, refs: [], generated: g.content })),
    ...files.map((f) => describe(f, index)),
  ];
  const rank = (f: DescribedFile) => {
    const at = RUN_ORDER.indexOf(f.name);
    return at < 0 ? RUN_ORDER.length : at;
  };
  const compare = (a: DescribedFile, b: DescribedFile) => {
    if (a.section === "run") return rank(a) - rank(b) || a.name.localeCompare(b.name);
    if (a.section === "media") {
      const ra = a.refs[0];
      const rb = b.refs[0];
      if (ra && rb) return compareRefs(ra, rb) || a.name.localeCompare(b.name);
      if (ra || rb) return ra ? -1 : 1;
    }
    return a.name.localeCompare(b.name);
  };
  return SECTION_ORDER.map((section) => ({ section, files: all.filter((f) => f.section === section).sort(compare) })).filter(
    (s) => s.files.length > 0,
  );
}
