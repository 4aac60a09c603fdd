// A thin fetch wrapper over /api/v1: one function per route, errors carry the
// server's {"detail": ...} message.
import type {
  ArtifactCollection,
  ArtifactFile,
  ArtifactVersion,
  ColorsResponse,
  ImportanceResponse,
  RunsEdit,
  Lineage,
  RunTriple,
  CustomChart,
  MediaResponse,
  Preset,
  PresetWithSpec,
  TablePage,
  JsonObject,
  LogsPage,
  MetricKey,
  ProjectSystem,
  Project,
  Run,
  RunFile,
  RunsPage,
  SeriesResponse,
  SystemColumns,
} from "./types";
import type { GroupAgg, GroupBand, GroupsResponse } from "../lib/grouping";
import { SERIES_MEDIA_TYPE, seriesResponseOf } from "../lib/seriesBinary";
import { dropEarly, takeEarly, takeEarlySeries } from "./early";

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(path: string, init?: RequestInit, read: (response: Response) => Promise<T> = (r) => r.json() as Promise<T>): Promise<T> {
  const method = (init?.method ?? "GET").toUpperCase();
  if (!SAFE_METHODS.has(method)) {
    // Writes say they come from our own client: other web pages cannot add this
    // header without a CORS preflight, which the server never grants.
    const headers: Record<string, string> = { ...(init?.headers as Record<string, string>), [CLIENT_HEADER]: "web" };
    // Session-cookie writes need the session's CSRF token (team server).
    const token = path.startsWith("/auth/login") ? null : await csrfToken();
    if (token) headers[CSRF_HEADER] = token;
    init = { ...init, headers };
  }
  const response = await respond(API + path, method, init);
  if (response.status === 401 && !path.startsWith("/auth/")) notifyUnauthorized();
  if (!response.ok) {
    let detail = response.statusText;
    try {
      const body = (await response.json()) as { detail?: unknown };
      if (body.detail !== undefined) detail = String(body.detail);
    } catch {
      // not JSON: keep the status text
    }
    throw new ApiError(response.status, `${response.status} ${detail} (${path})`);
  }
  return read(response);
}

/** fetch(), or the same GET started early by index.html's script (api/early.ts). */
async function respond(url: string, method: string, init?: RequestInit): Promise<Response> {
  const early = method === "GET" && !init?.headers ? takeEarly(url) : null;
  if (!early) return fetch(url, init);
  let response: Response;
  try {
    response = await early;
  } catch {
    return fetch(url, init);
  }
  init?.signal?.throwIfAborted();
  // asked before the page knew it must log in: ask again (a login may have happened since)
  return response.status === 401 ? fetch(url, init) : response;
}

function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export function projectPath(entity: string, project: string): string {
  return `/projects/${encodeURIComponent(entity)}/${encodeURIComponent(project)}`;
}

export function listProjects(signal?: AbortSignal): Promise<{ projects: Project[] }> {
  return request("/projects", { signal });
}

export interface ListRunsParams {
  limit?: number;
  offset?: number;
  order?: string;
  updatedSince?: number;
}

export function listRuns(
  entity: string,
  project: string,
  params: ListRunsParams = {},
  signal?: AbortSignal,
): Promise<RunsPage> {
  const q = query({
    limit: params.limit,
    offset: params.offset,
    order: params.order,
    updated_since: params.updatedSince,
  });
  return request(`${projectPath(entity, project)}/runs${q}`, { signal });
}

export function getRun(entity: string, project: string, runId: string, signal?: AbortSignal): Promise<Run> {
  return request(`${projectPath(entity, project)}/runs/${encodeURIComponent(runId)}`, { signal });
}

export function listKeys(
  entity: string,
  project: string,
  runs?: string[],
  signal?: AbortSignal,
): Promise<{ keys: MetricKey[] }> {
  const q = query({ runs: runs && runs.length ? runs.join(",") : undefined });
  return request(`${projectPath(entity, project)}/keys${q}`, { signal });
}

export interface SeriesParams {
  runs: string[];
  keys: string[];
  x: string;
  xmin?: number;
  xmax?: number;
  points?: number;
}

/** The path (under API) of a GET /series. */
export function seriesPath(entity: string, project: string, params: SeriesParams): string {
  const q = query({
    runs: params.runs.join(","),
    keys: params.keys.join(","),
    x: params.x,
    xmin: params.xmin,
    xmax: params.xmax,
    points: params.points,
  });
  return `${projectPath(entity, project)}/series${q}`;
}

/** The compact typed-array body (lib/seriesBinary.ts): half the bytes, no float parsing. */
async function readSeries(response: Response): Promise<SeriesResponse> {
  return seriesResponseOf(await response.arrayBuffer());
}

export async function fetchSeries(
  entity: string,
  project: string,
  params: SeriesParams,
  signal?: AbortSignal,
): Promise<SeriesResponse> {
  // the first panels' series asked by src/earlyGroups.ts before the app loaded
  const early = takeEarlySeries(API + projectPath(entity, project), params, async (response) =>
    response.ok ? readSeries(response) : null,
  );
  if (early) {
    const rest = params.keys.filter((k) => !early.keys.includes(k));
    const got = await early.body.catch(() => null);
    signal?.throwIfAborted();
    if (got) {
      const wanted = new Set(early.keys);
      const series = got.series.filter((s) => wanted.has(s.key));
      if (rest.length === 0) return { x: got.x, series };
      const more = await fetchSeries(entity, project, { ...params, keys: rest }, signal);
      return { x: more.x, series: [...series, ...more.series] };
    }
    // the early request failed: ask for every key as usual
  }
  return request(seriesPath(entity, project, params), { signal, headers: { Accept: SERIES_MEDIA_TYPE } }, readSeries);
}

export interface DensityParams {
  runs: string[];
  key: string;
  x: string;
  columns: number;
  rows: number;
  logY: boolean;
  /** How many best runs to name, and whether larger last values are better. */
  best: number;
  higher: boolean;
}

/** GET …/density: how many of the runs' lines pass through each cell (issue 20). */
export interface DensityResponse {
  key: string;
  x: string;
  columns: number;
  rows: number;
  xmin: number;
  xmax: number;
  ymin: number;
  ymax: number;
  logY: boolean;
  /** Row-major, row 0 at ymin: counts[row * columns + column]. */
  counts: number[];
  max: number;
  /** Runs with a point drawn, and runs asked for. */
  runs: number;
  runCount: number;
  best: string[];
}

export function fetchDensity(entity: string, project: string, params: DensityParams, signal?: AbortSignal): Promise<DensityResponse> {
  const q = query({
    runs: params.runs.join(","),
    key: params.key,
    x: params.x,
    columns: params.columns,
    rows: params.rows,
    logY: params.logY ? "true" : undefined,
    best: params.best,
    higher: params.higher ? "true" : undefined,
  });
  return request(`${projectPath(entity, project)}/density${q}`, { signal });
}

export interface GroupsParams {
  /** Grouping fields: config.<dotted key>, group, job_type, tags. */
  by: string[];
  keys: string[];
  agg: GroupAgg;
  band: GroupBand;
  x: string;
  points?: number;
  /** MongoDB-like run filters, as JSON (which runs are grouped). */
  filters?: string;
}

/** GET /groups: per group its runs and, per key, the aggregate line with its band. */
export function fetchGroups(entity: string, project: string, params: GroupsParams, signal?: AbortSignal): Promise<GroupsResponse> {
  return request(groupsPath(entity, project, params), { signal });
}

/** The path (under API) of a GET /groups. */
export function groupsPath(entity: string, project: string, params: GroupsParams): string {
  const q = query({
    by: params.by.join(","),
    keys: params.keys.join(","),
    agg: params.agg,
    band: params.band,
    x: params.x,
    points: params.points,
    filters: params.filters,
  });
  return `${projectPath(entity, project)}/groups${q}`;
}

export function listRunFiles(
  entity: string,
  project: string,
  runId: string,
  signal?: AbortSignal,
): Promise<{ files: RunFile[] }> {
  return request(`${projectPath(entity, project)}/runs/${encodeURIComponent(runId)}/files`, { signal });
}

export function runFileUrl(entity: string, project: string, runId: string, name: string): string {
  const encoded = name.split("/").map(encodeURIComponent).join("/");
  return `${API}${projectPath(entity, project)}/runs/${encodeURIComponent(runId)}/files/${encoded}`;
}

function runPath(entity: string, project: string, runId: string): string {
  return `${projectPath(entity, project)}/runs/${encodeURIComponent(runId)}`;
}

export interface LogsParams {
  q?: string;
  regex?: boolean;
  start?: number;
  limit?: number;
}

/** A run's console lines from line `start` (matching `q` when given). */
export function getRunLogs(entity: string, project: string, runId: string, params: LogsParams, signal?: AbortSignal): Promise<LogsPage> {
  const q = query({
    q: params.q,
    regex: params.q && params.regex ? 1 : undefined,
    start: params.start,
    limit: params.limit,
  });
  return request(`${runPath(entity, project, runId)}/logs${q}`, { signal });
}

/** A run's system samples (every key, or `keys`), columnar. */
export function getRunSystem(entity: string, project: string, runId: string, keys?: string[], signal?: AbortSignal): Promise<SystemColumns> {
  const q = query({ keys: keys && keys.length ? keys.join(",") : undefined });
  return request(`${runPath(entity, project, runId)}/system${q}`, { signal });
}

/** System samples of several runs (the workspace's System section). */
export function getProjectSystem(entity: string, project: string, runs: string[], keys?: string[], signal?: AbortSignal): Promise<ProjectSystem> {
  const q = query({ runs: runs.join(","), keys: keys && keys.length ? keys.join(",") : undefined });
  return request(`${projectPath(entity, project)}/system${q}`, { signal });
}

export function getWorkspace(
  entity: string,
  project: string,
  signal?: AbortSignal,
): Promise<{ settings: JsonObject }> {
  return request(`${projectPath(entity, project)}/workspace`, { signal });
}

export function putWorkspace(entity: string, project: string, settings: JsonObject): Promise<unknown> {
  return request(`${projectPath(entity, project)}/workspace`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ settings }),
  });
}

export interface ColorsParams {
  key?: string;
  y?: string;
  buckets?: number;
  palette?: string;
  runs?: string[];
}

/** Run colours as the workspace draws them; `key`/`y`/… override the saved key-based colours. */
export function getColors(
  entity: string,
  project: string,
  params: ColorsParams = {},
  signal?: AbortSignal,
): Promise<ColorsResponse> {
  const q = query({
    key: params.key,
    y: params.y,
    buckets: params.buckets,
    palette: params.palette,
    runs: params.runs && params.runs.length ? params.runs.join(",") : undefined,
  });
  return request(`${projectPath(entity, project)}/colors${q}`, { signal });
}

// -- media and custom charts (issue 6) ---------------------------------------------

/** Every custom chart (`_wandb.visualize`) of the given runs; one entry per chart key. */
export function listCharts(
  entity: string,
  project: string,
  runs: string[],
  signal?: AbortSignal,
): Promise<{ charts: CustomChart[] }> {
  return request(`${projectPath(entity, project)}/charts${query({ runs: runs.join(",") })}`, { signal });
}

/** Every logged step of a media key for the given runs. */
export function fetchMedia(
  entity: string,
  project: string,
  runs: string[],
  key: string,
  signal?: AbortSignal,
): Promise<MediaResponse> {
  return request(`${projectPath(entity, project)}/media${query({ runs: runs.join(","), key })}`, { signal });
}

/** The URL of a logged media file (route 4), for a payload's relative `path`. */
export function mediaFileUrl(entity: string, project: string, runId: string, path: string): string {
  const encoded = path.split("/").map(encodeURIComponent).join("/");
  return `${API}${projectPath(entity, project)}/runs/${encodeURIComponent(runId)}/media/${encoded}`;
}

/** One page of a logged table, sorted and filtered on the server (params: lib/tableQuery). */
export function fetchTable(
  entity: string,
  project: string,
  runId: string,
  params: Record<string, string>,
  signal?: AbortSignal,
): Promise<TablePage> {
  return request(`${projectPath(entity, project)}/runs/${encodeURIComponent(runId)}/table${query(params)}`, { signal });
}

export function listPresets(entity: string, signal?: AbortSignal): Promise<{ presets: Preset[] }> {
  return request(`/presets${query({ entity })}`, { signal });
}

/** A preset's spec; `id` is "entity/name" (e.g. "wandb/line/v0"), its slashes kept in the path. */
export function getPreset(id: string, version?: number, signal?: AbortSignal): Promise<PresetWithSpec> {
  const path = id.split("/").map(encodeURIComponent).join("/");
  return request(`/presets/${path}${query({ version })}`, { signal });
}

export function savePreset(entity: string, name: string, spec: unknown): Promise<{ id: string; version: number }> {
  const path = [entity, ...name.split("/")].map(encodeURIComponent).join("/");
  return request(`/presets/${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ spec }),
  });
}

// -- accounts (team server) ------------------------------------------------------
// The team server answers 401 without a login; the single-user `runyard ui` has
// no accounts (`/auth/me` says `auth: false`) and never asks.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
export const CSRF_HEADER = "X-CSRF-Token";
export const CLIENT_HEADER = "X-Runyard-Client";

export interface Me {
  auth: boolean;
  user: { username: string; is_admin: boolean } | null;
  entities: Record<string, string>;
  via: "key" | "session" | null;
  csrf_token: string | null;
}

let csrf: Promise<string | null> | null = null;
const unauthorizedListeners = new Set<() => void>();

/** Call `listener` whenever an API request answers 401; returns the unsubscribe. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function notifyUnauthorized(): void {
  csrf = null;
  dropEarly();
  for (const listener of unauthorizedListeners) listener();
}

/** The session's CSRF token, read once from /auth/me (null without a session). */
function csrfToken(): Promise<string | null> {
  csrf ??= getMe().then(
    (me) => me.csrf_token,
    () => null,
  );
  return csrf;
}

export async function getMe(signal?: AbortSignal): Promise<Me> {
  const me = await request<Me>("/auth/me", { signal });
  csrf = Promise.resolve(me.csrf_token);
  return me;
}

export async function login(username: string, password: string): Promise<Me> {
  const me = await request<Me>("/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  csrf = Promise.resolve(me.csrf_token);
  dropEarly(); // asked before the login: what they answered is someone else's view
  return me;
}

export async function logout(): Promise<void> {
  await request("/auth/logout", { method: "POST" });
  csrf = null;
  dropEarly();
}

// -- artifacts ------------------------------------------------------------------------

function versionPath(entity: string, project: string, name: string, version: string): string {
  return `${projectPath(entity, project)}/artifacts/${encodeURIComponent(name)}/${encodeURIComponent(version)}`;
}

export function listArtifactCollections(entity: string, project: string, signal?: AbortSignal): Promise<{ collections: ArtifactCollection[] }> {
  return request(`${projectPath(entity, project)}/artifacts`, { signal });
}

export function listArtifactVersions(entity: string, project: string, name: string, signal?: AbortSignal): Promise<{ versions: ArtifactVersion[] }> {
  return request(`${projectPath(entity, project)}/artifacts/${encodeURIComponent(name)}/versions`, { signal });
}

export function getArtifactVersion(
  entity: string,
  project: string,
  name: string,
  version: string,
  signal?: AbortSignal,
): Promise<{ artifact: ArtifactVersion; files: ArtifactFile[] }> {
  return request(versionPath(entity, project, name, version), { signal });
}

export function getArtifactUsers(entity: string, project: string, name: string, version: string, signal?: AbortSignal): Promise<{ runs: RunTriple[] }> {
  return request(`${versionPath(entity, project, name, version)}/runs`, { signal });
}

export function getArtifactLineage(entity: string, project: string, name: string, version: string, hops: number, signal?: AbortSignal): Promise<Lineage> {
  return request(`${versionPath(entity, project, name, version)}/lineage${query({ hops })}`, { signal });
}

/** The bytes of one file of a version (a download link; previews fetch it too). */
export function artifactFileUrl(entity: string, project: string, name: string, version: string, path: string): string {
  const file = path.split("/").map(encodeURIComponent).join("/");
  return `${API}${versionPath(entity, project, name, version)}/files/${file}`;
}

export function listRunArtifacts(
  entity: string,
  project: string,
  runId: string,
  direction: "logged" | "used",
  signal?: AbortSignal,
): Promise<{ artifacts: ArtifactVersion[] }> {
  return request(`${projectPath(entity, project)}/runs/${encodeURIComponent(runId)}/artifacts${query({ direction })}`, { signal });
}

export function listRegistry(entity: string, signal?: AbortSignal): Promise<{ collections: ArtifactCollection[] }> {
  return request(`/registry/${encodeURIComponent(entity)}`, { signal });
}

export function listRegistryVersions(entity: string, collection: string, signal?: AbortSignal): Promise<{ versions: ArtifactVersion[] }> {
  return request(`/registry/${encodeURIComponent(entity)}/${encodeURIComponent(collection)}`, { signal });
}

// -- issue 17: parameter importance and edits from the runs table ---------------------
export function getImportance(
  entity: string,
  project: string,
  metric: string,
  filters?: JsonObject | null,
  signal?: AbortSignal,
): Promise<ImportanceResponse> {
  const params = query({ metric, filters: filters ? JSON.stringify(filters) : undefined });
  return request(`${projectPath(entity, project)}/importance${params}`, { signal });
}

function sendJson<T>(method: string, path: string, body: unknown): Promise<T> {
  return request(path, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

/** Rename (one run), set notes, set or add/remove tags. */
export function editRuns(entity: string, project: string, edit: RunsEdit): Promise<{ runs: string[] }> {
  return sendJson("PATCH", `${projectPath(entity, project)}/runs`, edit);
}

export function deleteRuns(entity: string, project: string, runs: string[]): Promise<{ deleted: string[] }> {
  return sendJson("POST", `${projectPath(entity, project)}/runs/delete`, { runs });
}

export function moveRuns(entity: string, project: string, runs: string[], toEntity: string, toProject: string): Promise<{ moved: string[] }> {
  return sendJson("POST", `${projectPath(entity, project)}/runs/move`, { runs, entity: toEntity, project: toProject });
}

/** "Stop run" (a running run): its client is told to stop at its next contact. */
export function stopRun(entity: string, project: string, runId: string): Promise<{ stop_requested_at: number }> {
  return request(`${projectPath(entity, project)}/runs/${encodeURIComponent(runId)}/stop`, { method: "POST" });
}

// -- saved views of a project (issue 18) ----------------------------------------------

export interface SavedViewInfo {
  name: string;
  owner: string | null;
  created_at: number;
  updated_at: number;
}

export function listViews(entity: string, project: string, signal?: AbortSignal): Promise<{ views: SavedViewInfo[] }> {
  return request(`${projectPath(entity, project)}/views`, { signal });
}

export function getView(
  entity: string,
  project: string,
  name: string,
  signal?: AbortSignal,
): Promise<SavedViewInfo & { settings: JsonObject }> {
  return request(`${projectPath(entity, project)}/views/${encodeURIComponent(name)}`, { signal });
}

export function putView(entity: string, project: string, name: string, settings: JsonObject): Promise<unknown> {
  return request(`${projectPath(entity, project)}/views/${encodeURIComponent(name)}`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ settings }),
  });
}

/** Rename a saved view; the server answers 409 when the project has a view named `newName`. */
export function renameView(entity: string, project: string, name: string, newName: string): Promise<unknown> {
  return request(`${projectPath(entity, project)}/views/${encodeURIComponent(name)}`, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: newName }),
  });
}

export function deleteView(entity: string, project: string, name: string): Promise<unknown> {
  return request(`${projectPath(entity, project)}/views/${encodeURIComponent(name)}`, { method: "DELETE" });
}
