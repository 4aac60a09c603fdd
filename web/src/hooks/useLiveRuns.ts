// The project's runs, kept live: one full load, then a poll every second for the
// runs updated since the server's `now` of the previous answer (no full refetch).
// The full load shows its first page (the newest runs, which the panels draw) at once
// and the rest when it has arrived: a project of 100,000 runs draws its first panels
// without waiting for the whole list.
import { useEffect, useRef, useState } from "react";
import { listRuns } from "../api/client";
import type { Run } from "../api/types";
import { afterFirstDraw } from "../lib/firstDraw";
import { applyRunUpdates } from "../lib/liveRuns";

export const POLL_MS = 1000;
const PAGE = 10000; // the server's maximum page
/** Runs of the first page, shown before the rest has arrived. */
export const FIRST_PAGE = 200;
/** The rest of the runs is asked for once the first chart drew, or after this long. */
export const REST_AFTER_MS = 1500;

export interface LiveRuns {
  runs: Run[];
  loading: boolean;
  error: string | null;
  /** Increases whenever an update arrived. */
  version: number;
  /** False while the first page is shown and the rest of the runs is still loading. */
  complete: boolean;
  /** How many runs the project has (as of the first page). */
  total: number;
}

const EMPTY: LiveRuns = { runs: [], loading: true, error: null, version: 0, complete: false, total: 0 };

export function useLiveRuns(entity: string, project: string): LiveRuns {
  const [state, setState] = useState<LiveRuns>(EMPTY);
  const runsRef = useRef<Run[]>([]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    runsRef.current = [];
    setState(EMPTY);

    async function loadAll(): Promise<number> {
      const first = await listRuns(entity, project, { limit: FIRST_PAGE, offset: 0 }, controller.signal);
      const runs: Run[] = [...first.runs];
      const total = first.total;
      const show = (complete: boolean) => {
        runsRef.current = runs;
        setState((s) => ({ runs: [...runs], loading: false, error: null, version: s.version + 1, complete, total }));
      };
      if (runs.length >= total || runs.length < FIRST_PAGE) {
        show(true);
        return first.now;
      }
      show(false);
      // The rest waits for the first panel (lib/firstDraw): its request would queue
      // behind the server encoding thousands of runs.
      await afterFirstDraw(REST_AFTER_MS);
      if (stopped) return first.now;
      // The rest, newest first as the first page; a run created meanwhile shifts the
      // pages by one (seen twice: kept once) and comes with the first poll.
      const seen = new Set(runs.map((r) => r.id));
      let offset = runs.length;
      for (;;) {
        const page = await listRuns(entity, project, { limit: PAGE, offset }, controller.signal);
        for (const run of page.runs) {
          if (!seen.has(run.id)) {
            seen.add(run.id);
            runs.push(run);
          }
        }
        offset += page.runs.length;
        if (page.runs.length === 0 || offset >= page.total) break;
      }
      if (!stopped) show(true);
      return first.now;
    }

    async function poll(since: number): Promise<void> {
      let next = since;
      try {
        const page = await listRuns(entity, project, { updatedSince: since, limit: PAGE }, controller.signal);
        next = page.now;
        if (page.runs.length > 0) {
          const update = applyRunUpdates(runsRef.current, page.runs);
          runsRef.current = update.runs;
          setState((s) => ({ ...s, runs: update.runs, loading: false, error: null, version: s.version + 1 }));
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
