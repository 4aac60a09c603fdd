// Panels ask for one key each; asking the server once per panel would mean dozens
// of requests when a workspace opens. The batcher collects requests made in the
// same moment and sends one /series request per (runs, x, range, points), with up
// to 50 keys. Live-tail requests share one request per (runs, x, points): its
// xmin is the smallest asked for, and mergeTail drops what a panel already holds.
// A request holds at most MAX_POINTS runs x keys x points (the server refuses more than
// 10 M; a smaller share keeps each response near 60 MB at most).
import type { SeriesParams } from "../api/client";
import type { Series, SeriesResponse } from "../api/types";

export interface SeriesRequest {
  runs: string[];
  key: string;
  x: string;
  xmin?: number;
  xmax?: number;
  points: number;
  tail?: boolean;
}

type Fetcher = (params: SeriesParams) => Promise<SeriesResponse>;

interface Pending {
  request: SeriesRequest;
  resolve: (series: Series[]) => void;
  reject: (error: unknown) => void;
}

/** Keys and runs per request: the server's bounds (routes/series.py). */
export const MAX_KEYS = 50;
export const MAX_RUNS = 10_000;
/** Runs x keys x points per request (the server's bound is 10 M). */
export const MAX_POINTS = 2_000_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function groupKey(request: SeriesRequest): string {
  const runs = [...request.runs].sort().join(",");
  const range = request.tail ? "tail" : `${request.xmin ?? ""}:${request.xmax ?? ""}`;
  return JSON.stringify([runs, request.x, range, request.points]);
}

export function createSeriesBatcher(fetcher: Fetcher, delayMs = 4) {
  let queue: Pending[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;

  async function send(group: Pending[]): Promise<void> {
    const first = group[0].request;
    const keys = [...new Set(group.map((p) => p.request.key))];
    const runs = [...new Set(first.runs)];
    const xmins = group.map((p) => p.request.xmin).filter((v): v is number => v !== undefined);
    const xmin = first.tail ? (xmins.length ? Math.min(...xmins) : undefined) : first.xmin;
    try {
      const maxSeries = Math.max(1, Math.floor(MAX_POINTS / first.points));
      const responses = await Promise.all(
        chunks(runs, Math.min(MAX_RUNS, maxSeries)).flatMap((runChunk) =>
          chunks(keys, Math.max(1, Math.min(MAX_KEYS, Math.floor(maxSeries / runChunk.length)))).map((keyChunk) =>
            fetcher({ runs: runChunk, keys: keyChunk, x: first.x, xmin, xmax: first.xmax, points: first.points }),
          ),
        ),
      );
      const series = responses.flatMap((r) => r.series);
      for (const pending of group) pending.resolve(series.filter((s) => s.key === pending.request.key));
    } catch (error) {
      for (const pending of group) pending.reject(error);
    }
  }

  function flush(): void {
    timer = null;
    const groups = new Map<string, Pending[]>();
    for (const pending of queue) {
      const key = groupKey(pending.request);
      const group = groups.get(key) ?? [];
      group.push(pending);
      groups.set(key, group);
    }
    queue = [];
    for (const group of groups.values()) void send(group);
  }

  return function load(request: SeriesRequest): Promise<Series[]> {
    if (request.runs.length === 0) return Promise.resolve([]);
    return new Promise<Series[]>((resolve, reject) => {
      queue.push({ request, resolve, reject });
      if (timer === null) timer = setTimeout(flush, delayMs);
    });
  };
}
