// Shapes of the /api/v1 JSON documents (docs/http-api.md).

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Project {
  entity: string;
  name: string;
  run_count: number;
  last_activity: number | null;
}

export interface MetricDefinition {
  name: string;
  summary?: string[] | null;
  step_metric?: string | null;
  hidden?: boolean;
  goal?: string | null;
}

export interface Run {
  id: string;
  name: string | null;
  state: string;
  created_at: number;
  updated_at: number;
  heartbeat_at: number | null;
  runtime: number | null;
  last_step: number | null;
  tags: string[];
  group: string | null;
  job_type: string | null;
  notes: string | null;
  host: string | null;
  color: string | null;
  config: JsonObject;
  summary: JsonObject;
  metrics?: MetricDefinition[];
  /**
   * The run's environment as wandb records it (wandb-metadata.json: python, os, host,
   * program, args, git, gpu, …); only on GET of one run. Read with lib/runMetadata.
   */
  metadata?: JsonObject | null;
}

export interface RunsPage {
  runs: Run[];
  total: number;
  now: number;
}

export interface MetricKey {
  key: string;
  numeric: boolean;
  step_metric: string | null;
  hidden: boolean;
  /** The `_type` of the key's non-numeric values (`image-file`, `table-file`, `histogram`, …); null for numeric keys. */
  media?: string | null;
}

export interface Series {
  run: string;
  key: string;
  x: number[];
  y: (number | null)[];
  ymin?: (number | null)[];
  ymax?: (number | null)[];
  raw_points: number;
  returned: number;
  reduced: boolean;
}

export interface SeriesResponse {
  x: string;
  series: Series[];
}

/** One terminal line of a run's console output (GET …/runs/{id}/logs). */
export interface LogLine {
  line: number;
  stream: "stdout" | "stderr";
  ts: number;
  text: string;
}

export interface LogsPage {
  lines: LogLine[];
  /** Lines in the run (not only the matching ones). */
  total: number;
  /** With a search: how many lines match. */
  matched?: number;
}

/** A run's system samples, columnar (GET …/runs/{id}/system). */
export interface SystemColumns {
  keys: string[];
  ts: number[];
  runtime: number[];
  values: Record<string, (number | null)[]>;
}

/** GET /projects/{e}/{p}/system?runs=…: per run id. */
export interface ProjectSystem {
  runs: Record<string, SystemColumns>;
}

export interface RunFile {
  name: string;
  size: number;
}

/** One legend entry of GET /colors: a numeric range or one categorical value. */
export interface ColorBucket {
  label: string;
  color: string;
  min: number | null;
  max: number | null;
  value: JsonValue;
  runs: string[];
}

/** GET /projects/{entity}/{project}/colors (docs/colors.md). */
export interface ColorsResponse {
  enabled: boolean;
  key: string;
  y: string;
  buckets: number;
  palette: string;
  kind: "numeric" | "categorical" | "empty" | null;
  missing_color: string;
  legend: ColorBucket[];
  missing: string[];
  /** `value` is a number, string, boolean, null, or `{"$float": "NaN" | "Infinity" | "-Infinity"}`. */
  runs: { id: string; name: string; value: JsonValue; bucket: number | null; color: string }[];
}

// -- media and custom charts (issue 6) ---------------------------------------------

/** One custom chart of GET /projects/{e}/{p}/charts: a preset drawing a logged table. */
export interface CustomChart {
  key: string;
  table_key: string;
  panel_type: string;
  preset: string;
  fields: Record<string, string | null>;
  string_fields: Record<string, string | null>;
  runs: string[];
}

/** A logged media value: the payload plus `url` (single files) or `urls` (images/separated). */
export type MediaValue = JsonObject & { _type?: string; url?: string; urls?: string[]; caption?: string | null };

export interface MediaStep {
  step: number;
  value: MediaValue;
}

/** GET /projects/{e}/{p}/media?runs=…&key=K */
export interface MediaResponse {
  key: string;
  runs: { run: string; steps: MediaStep[] }[];
}

/** GET /projects/{e}/{p}/runs/{r}/table */
export interface TablePage {
  key: string;
  step: number;
  columns: string[];
  rows: JsonValue[][];
  total: number;
  nrows: number;
}

export interface Preset {
  id: string;
  entity: string;
  name: string;
  version: number;
  builtin: boolean;
  fields: string[];
  strings: string[];
}

export interface PresetWithSpec extends Preset {
  spec: JsonObject;
}

// -- artifacts (server/routes/artifacts.py; store/wire.encode_artifact) --------------

/** `[entity, project, run_id]` */
export type RunTriple = [string, string, string];

export interface ArtifactVersion {
  id: number;
  entity: string;
  project: string;
  name: string;
  type: string;
  version_index: number;
  version: string;
  digest: string;
  description: string | null;
  metadata: JsonObject;
  aliases: string[];
  size: number;
  file_count: number;
  created_at: number;
  logged_by: RunTriple | null;
  /** a registry link's source version: [entity, project, name, version] */
  source: [string, string, string, string] | null;
  state: string;
}

export interface ArtifactCollection {
  entity: string;
  project: string;
  name: string;
  type: string;
  kind: string;
  description: string | null;
  created_at: number;
  version_count: number;
  aliases: string[];
}

export interface ArtifactFile {
  path: string;
  digest: string | null;
  size: number | null;
  ref: string | null;
  checksum: string | null;
  extra: JsonObject | null;
}

export type LineageNode =
  | { kind: "run"; id: string; entity: string; project: string; run_id: string }
  | { kind: "artifact"; id: string; artifact: ArtifactVersion };

export interface LineageEdge {
  from: string;
  to: string;
  kind: "logged" | "used";
}

export interface Lineage {
  nodes: LineageNode[];
  edges: LineageEdge[];
  truncated: boolean;
}

/** GET /projects/{e}/{p}/importance: config keys related to a summary metric (issue 17). */
export interface ImportanceParameter {
  /** A config key, or `key=value` for one value of a text key. */
  key: string;
  correlation: number | null;
  /** Share of a random forest's impurity decrease; null without scikit-learn. */
  importance: number | null;
  runs: number;
}

export interface ImportanceResponse {
  metric: string;
  runs: number;
  parameters: ImportanceParameter[];
  note: string | null;
}

/** PATCH /projects/{e}/{p}/runs: what to change on the listed runs. */
export interface RunsEdit {
  runs: string[];
  name?: string;
  notes?: string;
  tags?: string[];
  add_tags?: string[];
  remove_tags?: string[];
}
