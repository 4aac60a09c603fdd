// A run's console lines for the Logs tab: every page from line 0 (up to LOG_CAP),
// then, while the run is live, its tail every few seconds from the last line held,
// and once more when it stops, so the last lines printed are never missed.
import { useEffect, useRef, useState } from "react";
import { getRunLogs } from "../api/client";
import { EMPTY_LOG, LOG_PAGE, type LogState, applyPage, nextStart } from "../lib/consoleLog";

/** How often a live run's tail is re-read. */
export const TAIL_MS = 2000;

export interface RunLogs extends LogState {
  loading: boolean;
  error: string | null;
}

export interface LogSearch {
  q: string;
  regex: boolean;
}

export function useRunLogs(entity: string, project: string, runId: string, search: LogSearch, live: boolean): RunLogs {
  const [state, setState] = useState<RunLogs>({ ...EMPTY_LOG, loading: true, error: null });
  const liveRef = useRef(live);
  liveRef.current = live;
  const poke = useRef<() => void>(() => undefined);

  useEffect(() => {
    const controller = new AbortController();
    let current = EMPTY_LOG;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let busy = false;
    setState({ ...EMPTY_LOG, loading: true, error: null });

    const later = () => {
      clearTimeout(timer);
      if (liveRef.current && !current.capped) timer = setTimeout(load, TAIL_MS);
    };
    async function load(): Promise<void> {
      if (busy || controller.signal.aborted) return;
      busy = true;
      try {
        for (;;) {
          const tail = current.complete;
          const page = await getRunLogs(
            entity,
            project,
            runId,
            { q: search.q || undefined, regex: search.regex, start: nextStart(current), limit: LOG_PAGE },
            controller.signal,
          );
          current = applyPage(current, page, LOG_PAGE);
          setState({ ...current, loading: !current.complete, error: null });
          // keep reading while pages come back full (the first load, or a burst of output)
          if (current.capped || (tail && page.lines.length < LOG_PAGE) || (!tail && current.complete)) break;
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((s) => ({ ...s, loading: false, error: String(error) }));
      } finally {
        busy = false;
      }
      later();
    }
    poke.current = () => {
      clearTimeout(timer);
      void load();
    };
    void load();
    return () => {
      controller.abort();
      clearTimeout(timer);
      poke.current = () => undefined;
    };
  }, [entity, project, runId, search.q, search.regex]);

  // The run stopped (or started again): read the tail once more, then poll only while live.
  useEffect(() => {
    poke.current();
  }, [live]);

  return state;
}
