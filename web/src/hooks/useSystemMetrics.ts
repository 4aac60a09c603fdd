// System metrics of one run (System tab) and of the workspace's plotted runs
// (its System section), re-read every few seconds while a run is live.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { getProjectSystem, getRunSystem } from "../api/client";
import type { ProjectSystem } from "../api/types";

/** Samples come every 15 s by default; a live run's panels are re-read this often. */
export const SYSTEM_POLL_MS = 5000;
/**
 * Runs per comparison request: the route takes at most 100 runs and 2,500 series
 * (runs x keys) without naming keys; ~25 keys a run (more with GPUs) fit 20 runs.
 */
export const SYSTEM_RUNS_PER_REQUEST = 20;

async function projectSystem(entity: string, project: string, runs: string[], signal: AbortSignal): Promise<ProjectSystem> {
  const chunks: string[][] = [];
  for (let i = 0; i < runs.length; i += SYSTEM_RUNS_PER_REQUEST) chunks.push(runs.slice(i, i + SYSTEM_RUNS_PER_REQUEST));
  const answers = await Promise.all(chunks.map((chunk) => getProjectSystem(entity, project, chunk, undefined, signal)));
  return { runs: Object.assign({}, ...answers.map((a) => a.runs)) };
}

export function useRunSystem(entity: string, project: string, runId: string, live: boolean) {
  return useQuery({
    queryKey: ["system", entity, project, runId],
    queryFn: ({ signal }) => getRunSystem(entity, project, runId, undefined, signal),
    refetchInterval: live ? SYSTEM_POLL_MS : false,
  });
}

export function useProjectSystem(entity: string, project: string, runs: string[], live: boolean, enabled: boolean) {
  return useQuery({
    queryKey: ["project-system", entity, project, runs.join(",")],
    queryFn: ({ signal }) => projectSystem(entity, project, runs, signal),
    enabled: enabled && runs.length > 0,
    refetchInterval: live ? SYSTEM_POLL_MS : false,
    placeholderData: keepPreviousData,
  });
}
