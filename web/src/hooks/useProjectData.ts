// Plain fetches of projects, one run, its files, metric keys and run colours (TanStack Query).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ApiError, getColors, getRun, listKeys, listProjects, listRunFiles } from "../api/client";

export function useProjects() {
  return useQuery({
    queryKey: ["projects"],
    queryFn: ({ signal }) => listProjects(signal),
    refetchInterval: 5000,
  });
}

/** One run; polled every 2 s while it is running. */
export function useRun(entity: string, project: string, runId: string) {
  return useQuery({
    queryKey: ["run", entity, project, runId],
    queryFn: ({ signal }) => getRun(entity, project, runId, signal),
    // A running run refreshes every second. A run not found is looked for again every
    // 2 s: a script just started (its id printed, a link opened) is in the store a
    // moment later, and its page then replaces "not found" by itself.
    refetchInterval: (query) => {
      if (query.state.data?.state === "running") return 1000;
      const error = query.state.error;
      return error instanceof ApiError && error.status === 404 ? 2000 : false;
    },
  });
}

export function useRunFiles(entity: string, project: string, runId: string, refresh: unknown) {
  return useQuery({
    queryKey: ["files", entity, project, runId, refresh],
    queryFn: ({ signal }) => listRunFiles(entity, project, runId, signal),
    placeholderData: keepPreviousData,
  });
}

/**
 * The project's metric keys (or those of `runs`). `refresh` is part of the query
 * key: pass something that changes when runs may have logged new keys.
 */
export function useMetricKeys(entity: string, project: string, runs: string[] | undefined, refresh: unknown) {
  return useQuery({
    queryKey: ["keys", entity, project, runs?.join(",") ?? "*", refresh],
    queryFn: ({ signal }) => listKeys(entity, project, runs, signal),
    placeholderData: keepPreviousData,
  });
}

/**
 * Every run's colour as the workspace draws it (saved key-based colours, picked and
 * stored colours), from the server; `refresh` is part of the query key.
 */
export function useProjectColors(entity: string, project: string, refresh: unknown) {
  return useQuery({
    queryKey: ["colors", entity, project, refresh],
    queryFn: ({ signal }) => getColors(entity, project, {}, signal),
    placeholderData: keepPreviousData,
    select: (body) => new Map(body.runs.map((r) => [r.id, r.color] as const)),
  });
}
