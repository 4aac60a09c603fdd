// A second, tiny entry of the web app (index.html loads it beside the main one): as soon
// as the saved settings, the metric keys and the first page of runs (asked by
// index.html's inline script) arrive, while the main bundle still downloads and
// compiles, it asks for the first panels' data: a grouped workspace's GET /groups, an
// ungrouped one's GET /series of its first panels. The panels adopt the responses
// (api/early.ts). Predicted only for the plain layout (lib/earlyGroups.ts).
import { API, groupsPath, projectPath, seriesPath } from "./api/client";
import { startEarly } from "./api/early";
import type { JsonObject, MetricKey, Run } from "./api/types";
import { firstGroupedRequest, firstSeriesRequest } from "./lib/earlyGroups";
import { SERIES_MEDIA_TYPE } from "./lib/seriesBinary";

async function askFirstPanels(): Promise<void> {
  const early = window.__runyardEarly;
  const bodies = early?.bodies;
  if (!early || !bodies || early.entity === undefined || early.project === undefined) return;
  const { entity, project } = early;
  const base = API + projectPath(entity, project);
  const body = <T>(path: string) => (bodies[base + path] ?? Promise.resolve(null)) as Promise<T | null>;
  const [workspace, keys] = await Promise.all([body<{ settings: JsonObject }>("/workspace"), body<{ keys: MetricKey[] }>("/keys")]);
  if (!workspace?.settings || !keys) return;
  const search = window.location.search;
  const grouped = firstGroupedRequest(workspace.settings, keys.keys, search);
  if (grouped) {
    delete early.bodies;
    startEarly(API + groupsPath(entity, project, grouped));
    return;
  }
  const page = await body<{ runs: Run[] }>("/runs?limit=200&offset=0");
  delete early.bodies;
  if (!page?.runs) return;
  const params = firstSeriesRequest(workspace.settings, keys.keys, page.runs, search);
  if (!params || early.seriesMissed) return;
  const response = fetch(API + seriesPath(entity, project, params), { credentials: "same-origin", headers: { Accept: SERIES_MEDIA_TYPE } });
  response.catch(() => undefined);
  (early.series ??= []).push({ base, runs: params.runs, x: params.x, points: params.points ?? 0, left: [...params.keys], response });
}

askFirstPanels().catch(() => undefined);
