// Which key and step each media file of a run was logged at: the run's media keys
// (GET /keys) and their logged values (GET /media, one request per key), indexed
// by file path (lib/runFiles). A live run's values are re-read every 10 s (not at
// every step: that would be a request per media key and step).
import { useQueries } from "@tanstack/react-query";
import { useMemo, useRef } from "react";
import { fetchMedia } from "../api/client";
import type { JsonObject, MetricKey } from "../api/types";
import { type MediaIndex, mediaIndex } from "../lib/runFiles";

export function useRunFileIndex(
  entity: string,
  project: string,
  runId: string,
  keys: readonly MetricKey[] | undefined,
  summary: JsonObject,
  live: boolean,
): { index: MediaIndex; ready: boolean; error: string | null } {
  const mediaKeys = useMemo(() => (keys ?? []).filter((k) => k.media).map((k) => k.key), [keys]);
  const results = useQueries({
    queries: mediaKeys.map((key) => ({
      queryKey: ["media", entity, project, runId, key],
      queryFn: ({ signal }: { signal: AbortSignal }) => fetchMedia(entity, project, [runId], key, signal),
      refetchInterval: live ? 10_000 : (false as const),
    })),
  });
  const ready = keys !== undefined && results.every((r) => !r.isPending);
  const error = results.find((r) => r.error)?.error;
  const stamp = results.map((r) => r.dataUpdatedAt).join(",");
  const latest = useRef(results);
  latest.current = results;
  const index = useMemo(() => {
    const logged = latest.current.flatMap((r) =>
      r.data ? r.data.runs.filter((run) => run.run === runId).map((run) => ({ key: r.data.key, steps: run.steps })) : [],
    );
    return mediaIndex(logged, summary);
  }, [runId, summary, stamp]); // stamp: the responses changed
  return { index, ready, error: error ? String(error) : null };
}
