// The app's three pages and their URLs. Pure: the History API glue is in useRoute.
// A run page's tab is the last path segment (`/e/p/runs/id/logs`), as W&B spells
// it, so a tab can be shared; the bare run URL is the Charts tab.

export const RUN_TABS = ["overview", "charts", "system", "logs", "files", "artifacts"] as const;
export type RunTab = (typeof RUN_TABS)[number];
export const DEFAULT_RUN_TAB: RunTab = "charts";

export type Route =
  | { page: "projects" }
  | { page: "workspace"; entity: string; project: string }
  | { page: "run"; entity: string; project: string; runId: string; tab: RunTab }
  | {
      page: "artifacts";
      entity: string;
      project: string;
      type: string | null;
      name: string | null;
      version: string | null;
      tab: ArtifactTab;
    }
  | { page: "registry"; entity: string; collection: string | null }
  | { page: "not-found"; path: string };

// An artifact version's tabs, the last segment of /e/p/artifacts/type/name/version/tab
// (W&B's shape); the bare version URL is the Overview.
export const ARTIFACT_TABS = ["overview", "files", "lineage"] as const;
export type ArtifactTab = (typeof ARTIFACT_TABS)[number];

/** The registry is the entity's project of this name (wandb's `entity/model-registry/...`). */
export const REGISTRY_PROJECT = "model-registry";

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export function isRunTab(value: string): value is RunTab {
  return (RUN_TABS as readonly string[]).includes(value);
}

export function parseRoute(pathname: string): Route {
  const parts = pathname.split("/").filter((p) => p !== "").map(decode);
  if (parts.some((p) => p === null)) return { page: "not-found", path: pathname };
  const [entity, project, runs, runId, tab, ...rest] = parts as string[];
  if (parts.length === 0) return { page: "projects" };
  if (project === REGISTRY_PROJECT && parts.length === 2) return { page: "registry", entity, collection: null };
  if (project === REGISTRY_PROJECT && parts.length === 4 && runs === "collections") {
    return { page: "registry", entity, collection: runId };
  }
  if (parts.length === 2) return { page: "workspace", entity, project };
  if (runs === "artifacts") return parseArtifacts(entity, project, parts.slice(3) as string[]) ?? { page: "not-found", path: pathname };
  if ((parts.length === 4 || parts.length === 5) && runs === "runs" && rest.length === 0) {
    if (tab === undefined) return { page: "run", entity, project, runId, tab: DEFAULT_RUN_TAB };
    if (isRunTab(tab)) return { page: "run", entity, project, runId, tab };
  }
  return { page: "not-found", path: pathname };
}

function parseArtifacts(entity: string, project: string, rest: string[]): Route | null {
  if (rest.length > 4 || rest.length === 1) return null;
  const [type = null, name = null, version = null, tab = "overview"] = rest;
  if (!(ARTIFACT_TABS as readonly string[]).includes(tab)) return null;
  return { page: "artifacts", entity, project, type, name, version, tab: tab as ArtifactTab };
}

const enc = encodeURIComponent;

/**
 * The project's Artifacts page: all types, one collection (`type` and `name`), or a
 * version (`version` as vN or an alias) on one of its tabs (Overview has the bare URL).
 */
export function artifactsUrl(
  entity: string,
  project: string,
  at?: { type: string; name: string; version?: string; tab?: ArtifactTab },
): string {
  let url = `/${enc(entity)}/${enc(project)}/artifacts`;
  if (!at) return url;
  url += `/${enc(at.type)}/${enc(at.name)}`;
  if (at.version === undefined) return url;
  url += `/${enc(at.version)}`;
  return at.tab && at.tab !== "overview" ? `${url}/${at.tab}` : url;
}

/** The entity's registry, or one of its collections. */
export function registryUrl(entity: string, collection?: string): string {
  const base = `/${enc(entity)}/${REGISTRY_PROJECT}`;
  return collection === undefined ? base : `${base}/collections/${enc(collection)}`;
}

export function workspaceUrl(entity: string, project: string): string {
  return `/${enc(entity)}/${enc(project)}`;
}

/** A run page's URL; the default tab (Charts) has the bare run URL. */
export function runUrl(entity: string, project: string, runId: string, tab: RunTab = DEFAULT_RUN_TAB): string {
  const base = `/${enc(entity)}/${enc(project)}/runs/${enc(runId)}`;
  return tab === DEFAULT_RUN_TAB ? base : `${base}/${tab}`;
}
