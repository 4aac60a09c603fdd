// The app's three pages and their URLs. Pure: the History API glue is in useRoute.
// A run page's tab is the last path segment (`/e/p/runs/id/logs`), as W&B spells
// it, so a tab can be shared; the bare run URL is the Charts tab.

export const RUN_TABS = ["overview", "charts", "system", "logs", "files"] as const;
export type RunTab = (typeof RUN_TABS)[number];
export const DEFAULT_RUN_TAB: RunTab = "charts";

export type Route =
  | { page: "projects" }
  | { page: "workspace"; entity: string; project: string }
  | { page: "run"; entity: string; project: string; runId: string; tab: RunTab }
  | { page: "not-found"; path: string };

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
  if (parts.length === 2) return { page: "workspace", entity, project };
  if ((parts.length === 4 || parts.length === 5) && runs === "runs" && rest.length === 0) {
    if (tab === undefined) return { page: "run", entity, project, runId, tab: DEFAULT_RUN_TAB };
    if (isRunTab(tab)) return { page: "run", entity, project, runId, tab };
  }
  return { page: "not-found", path: pathname };
}

const enc = encodeURIComponent;

export function workspaceUrl(entity: string, project: string): string {
  return `/${enc(entity)}/${enc(project)}`;
}

/** A run page's URL; the default tab (Charts) has the bare run URL. */
export function runUrl(entity: string, project: string, runId: string, tab: RunTab = DEFAULT_RUN_TAB): string {
  const base = `/${enc(entity)}/${enc(project)}/runs/${enc(runId)}`;
  return tab === DEFAULT_RUN_TAB ? base : `${base}/${tab}`;
}
