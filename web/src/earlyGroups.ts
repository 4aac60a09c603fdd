// A second, tiny entry of the web app (index.html loads it beside the main one): when
// the page is a grouped workspace, it asks for the first panel's GET /groups as soon as
// the saved settings and the metric keys (asked by index.html's inline script) arrive,
// while the main bundle still downloads and compiles; the panel adopts the response
// (api/early.ts). Predicted only for the plain layout (lib/earlyGroups.ts).
import { API, groupsPath } from "./api/client";
import { startEarly } from "./api/early";
import type { JsonObject, MetricKey } from "./api/types";
import { firstGroupedRequest } from "./lib/earlyGroups";

async function json<T>(response: Promise<Response> | undefined): Promise<T | null> {
  if (!response) return null;
  const r = await response;
  return r.ok ? ((await r.json()) as T) : null;
}

async function askFirstGroups(): Promise<void> {
  const early = window.__runyardEarly;
  const copies = early?.copies;
  if (!early || !copies || early.entity === undefined || early.project === undefined) return;
  const base = API + `/projects/${encodeURIComponent(early.entity)}/${encodeURIComponent(early.project)}`;
  const workspace = await json<{ settings: JsonObject }>(copies[`${base}/workspace`]);
  if (!workspace?.settings || !Array.isArray(workspace.settings.groupBy) || workspace.settings.groupBy.length === 0) return;
  const keys = await json<{ keys: MetricKey[] }>(copies[`${base}/keys`]);
  delete early.copies;
  if (!keys) return;
  const params = firstGroupedRequest(workspace.settings, keys.keys, window.location.search);
  if (params) startEarly(API + groupsPath(early.entity, early.project, params));
}

askFirstGroups().catch(() => undefined);
