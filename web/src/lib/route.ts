// The app's three pages and their URLs. Pure: the History API glue is in useRoute.

export type Route =
  | { page: "projects" }
  | { page: "workspace"; entity: string; project: string }
  | { page: "run"; entity: string; project: string; runId: string }
  | { page: "not-found"; path: string };

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

export function parseRoute(pathname: string): Route {
  const parts = pathname.split("/").filter((p) => p !== "").map(decode);
  if (parts.some((p) => p === null)) return { page: "not-found", path: pathname };
  const [entity, project, runs, runId, ...rest] = parts as string[];
  if (parts.length === 0) return { page: "projects" };
  if (parts.length === 2) return { page: "workspace", entity, project };
  if (parts.length === 4 && runs === "runs" && rest.length === 0) {
    return { page: "run", entity, project, runId };
  }
  return { page: "not-found", path: pathname };
}

const enc = encodeURIComponent;

export function workspaceUrl(entity: string, project: string): string {
  return `/${enc(entity)}/${enc(project)}`;
}

export function runUrl(entity: string, project: string, runId: string): string {
  return `/${enc(entity)}/${enc(project)}/runs/${enc(runId)}`;
}
