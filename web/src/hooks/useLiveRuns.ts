// The project's runs, kept live: one full load, then a poll every second for the
// runs updated since the server's `now` of the previous answer (no full refetch).
import { useEffect, useRef, useState } from "react";
import { listRuns } from "../api/client";
import type { Run } from "../api/types";
import { applyRunUpdates } from "../lib/liveRuns";

export const POLL_MS = 1000;
const PAGE = 10000; // the server's maximum page

export interface LiveRuns {
  runs: Run[];
  loading: boolean;
  error: string | null;
  /** Increases whenever an update arrived. */
  version: number;
}

export function useLiveRuns(entity: string, project: string): LiveRuns {
  const [state, setState] = useState<LiveRuns>({ runs: [], loading: true, error: null, version: 0 });
  const runsRef = useRef<Run[]>([]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    runsRef.current = [];
    setState({ runs: [], loading: true, error: null, version: 0 });

    async function loadAll(): Promise<number> {
      let offset = 0;
      let now = 0;
      const runs: Run[] = [];
      for (;;) {
        const page = await listRuns(entity, project, { limit: PAGE, offset }, controller.signal);
        if (offset === 0) now = page.now;
        runs.push(...page.runs);
        offset += page.runs.length;
        if (page.runs.length === 0 || offset >= page.total) break;
      }
      runsRef.current = runs;
      setState((s) => ({ runs, loading: false, error: null, version: s.version + 1 }));
      return now;
    }

    async function poll(since: number): Promise<void> {
      let next = since;
      try {
        const page = await listRuns(entity, project, { updatedSince: since, limit: PAGE }, controller.signal);
        next = page.now;
        if (page.runs.length > 0) {
          const update = applyRunUpdates(runsRef.current, page.runs);
          runsRef.current = update.runs;
          setState((s) => ({ runs: update.runs, loading: false, error: null, version: s.version + 1 }));
        } else {
          setState((s) => (s.error ? { ...s, error: null } : s));
        }
      } catch (error) {
        if (stopped) return;
        setState((s) => ({ ...s, error: String(error) }));
      }
      if (!stopped) timer = setTimeout(() => void poll(next), POLL_MS);
    }

    loadAll()
      .then((now) => {
        if (!stopped) timer = setTimeout(() => void poll(now), POLL_MS);
      })
      .catch((error) => {
        if (!stopped) setState((s) => ({ ...s, loading: false, error: String(error) }));
      });
    return () => {
      stopped = true;
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [entity, project]);

  return state;
}
