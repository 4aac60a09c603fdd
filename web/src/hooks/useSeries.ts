// Series data for one line panel: the first load, live tails for runs that grew,
// and a full-resolution re-fetch of a zoomed range. Requests go through the
// project's batcher so panels opening together share /series calls.
import { createContext, useContext, useEffect, useMemo, useRef, useState } from "react";
import { type DensityParams, type DensityResponse, fetchDensity, fetchSeries } from "../api/client";
import type { Run, Series } from "../api/types";
import { EAGER_PANELS, type EagerSlots, takeEagerSlot } from "../lib/grouping";
import { createSeriesBatcher, type SeriesRequest } from "../lib/seriesBatcher";
import { BEST_RUNS, DENSITY_COLUMNS, DENSITY_ROWS } from "../lib/seriesDensity";
import {
  type LoadedRun,
  type RunSeries,
  emptySeries,
  fromApi,
  mergeTail,
  planFetch,
} from "../lib/seriesMerge";

/** Points per series asked of the server: ~2 per pixel of a panel. */
export const SERIES_POINTS = 1000;

export type SeriesLoader = ((request: SeriesRequest) => Promise<Series[]>) & {
  /** The density of many runs' lines (GET …/density), for panels past DENSITY_THRESHOLD runs. */
  density?: (params: DensityParams) => Promise<DensityResponse>;
  /** The workspace's first panels' slots: they load at mount, not once seen (lib/grouping). */
  eager?: EagerSlots;
};

export function makeSeriesLoader(entity: string, project: string): SeriesLoader {
  const load: SeriesLoader = createSeriesBatcher((params) => fetchSeries(entity, project, params));
  load.density = (params) => fetchDensity(entity, project, params);
  load.eager = { left: EAGER_PANELS };
  return load;
}

export const SeriesLoaderContext = createContext<SeriesLoader | null>(null);

function useSeriesLoader(): SeriesLoader {
  const loader = useContext(SeriesLoaderContext);
  if (!loader) throw new Error("usePanelSeries needs a SeriesLoaderContext provider");
  return loader;
}

export interface Zoom {
  xmin: number;
  xmax: number;
}

export interface PanelSeries {
  /** Per run, what the panel draws (the zoomed data while zoomed). */
  series: Map<string, RunSeries>;
  loading: boolean;
  error: string | null;
}

/** `x` is fixed for the hook's lifetime: render the panel body with `key={x}`. */
export function usePanelSeries(
  metric: string,
  x: string,
  runs: readonly Run[],
  zoom: Zoom | null,
  enabled: boolean,
): PanelSeries {
  const load = useSeriesLoader();
  const [loaded, setLoaded] = useState<Map<string, LoadedRun>>(() => new Map());
  const [zoomed, setZoomed] = useState<{ zoom: Zoom; series: Map<string, RunSeries> } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const busy = useRef(false);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  // Whole series for runs new to the panel, tails for runs that grew; one round at a time.
  useEffect(() => {
    if (!enabled || busy.current) return;
    const plan = planFetch(loaded, runs, SERIES_POINTS * 4);
    if (plan.full.length === 0 && plan.tails.length === 0) return;
    const steps = new Map(runs.map((r) => [r.id, r.last_step] as const));
    busy.current = true;
    const requests: Promise<{ tail: boolean; runs: string[]; series: RunSeries[] }>[] = [];
    if (plan.full.length) {
      requests.push(
        load({ runs: plan.full, key: metric, x, points: SERIES_POINTS }).then((s) => ({
          tail: false,
          runs: plan.full,
          series: s.map(fromApi),
        })),
      );
    }
    if (plan.tails.length) {
      const tailRuns = plan.tails.map((t) => t.run);
      const xmin = Math.min(...plan.tails.map((t) => t.xmin));
      requests.push(
        load({ runs: tailRuns, key: metric, x, xmin, points: SERIES_POINTS, tail: true }).then((s) => ({
          tail: true,
          runs: tailRuns,
          series: s.map(fromApi),
        })),
      );
    }
    Promise.all(requests)
      .then((results) => {
        busy.current = false;
        if (!alive.current) return;
        setError(null);
        setLoaded((current) => {
          const next = new Map(current);
          for (const result of results) {
            const byRun = new Map(result.series.map((s) => [s.run, s] as const));
            for (const run of result.runs) {
              const fetchedStep = steps.get(run) ?? null;
              const got = byRun.get(run);
              const before = next.get(run)?.series;
              const series = result.tail
                ? got
                  ? mergeTail(before, got)
                  : (before ?? emptySeries(run))
                : (got ?? emptySeries(run));
              next.set(run, { series, fetchedStep });
            }
          }
          return next;
        });
      })
      .catch((e: unknown) => {
        busy.current = false;
        if (alive.current) setError(String(e));
      });
  }, [enabled, loaded, x, runs, metric, load]);

  // Zoomed: the visible range at full resolution, fetched once per range.
  const runIds = runs.map((r) => r.id).join(",");
  useEffect(() => {
    if (!enabled || !zoom) {
      setZoomed(null);
      return;
    }
    let cancelled = false;
    const ids = runIds ? runIds.split(",") : [];
    load({ runs: ids, key: metric, x, xmin: zoom.xmin, xmax: zoom.xmax, points: SERIES_POINTS })
      .then((s) => {
        if (!cancelled) setZoomed({ zoom, series: new Map(s.map((one) => [one.run, fromApi(one)] as const)) });
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(String(e));
      });
    return () => {
      cancelled = true;
    };
  }, [enabled, zoom, x, runIds, metric, load]);

  const series = useMemo(() => {
    const out = new Map<string, RunSeries>();
    const source =
      zoom && zoomed && zoomed.zoom === zoom
        ? zoomed.series
        : // unzoomed data (clipped by the x scale) until the zoomed range arrives
          new Map([...loaded].map(([run, held]) => [run, held.series] as const));
    for (const run of runs) {
      const s = source.get(run.id);
      if (s) out.set(run.id, s);
    }
    return out;
  }, [loaded, zoomed, zoom, runs]);
  const loading = enabled && (runs.some((r) => !loaded.has(r.id)) || (zoom !== null && zoomed?.zoom !== zoom));
  return { series, loading, error };
}

export interface PanelDensity {
  density: DensityResponse | null;
  loading: boolean;
  error: string | null;
}

/** While runs only grow (the same runs, new steps), a panel's density is asked again at
 * most this often: each answer reads every run's points (~0.5 s of server CPU for 1,000
 * runs x 10,000 steps). Other runs, another x-axis or scale are asked at once. */
export const DENSITY_REFRESH_MS = 10_000;

/** The density of a panel's runs (issue 20), fetched again when the runs, their last
 * steps (at most every DENSITY_REFRESH_MS), the x-axis or the scale change. */
export function usePanelDensity(metric: string, x: string, runs: readonly Run[], logY: boolean, higher: boolean, enabled: boolean): PanelDensity {
  const load = useSeriesLoader();
  const [state, setState] = useState<PanelDensity>({ density: null, loading: true, error: null });
  const signature = runs.map((r) => `${r.id}:${r.last_step ?? ""}`).join(",");
  const asked = useRef<{ what: string; at: number } | null>(null);
  useEffect(() => {
    if (!enabled || !load.density) return;
    const density = load.density;
    let alive = true;
    const ids = signature ? signature.split(",").map((s) => s.slice(0, s.lastIndexOf(":"))) : [];
    if (ids.length === 0) {
      setState({ density: null, loading: false, error: null });
      return;
    }
    const what = JSON.stringify([ids, metric, x, logY, higher]);
    const previous = asked.current;
    const wait = previous && previous.what === what ? Math.max(0, previous.at + DENSITY_REFRESH_MS - Date.now()) : 0;
    const timer = setTimeout(() => {
      asked.current = { what, at: Date.now() };
      setState((st) => ({ ...st, loading: true }));
      density({ runs: ids, key: metric, x, columns: DENSITY_COLUMNS, rows: DENSITY_ROWS, logY, best: BEST_RUNS, higher })
        .then((d) => alive && setState({ density: d, loading: false, error: null }))
        .catch((e: unknown) => alive && setState((st) => ({ ...st, loading: false, error: String(e) })));
    }, wait);
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [enabled, load, signature, metric, x, logY, higher]);
  return state;
}

/**
 * Whether this panel is one of the workspace's first few, which load their series when
 * they mount instead of once the browser reports them in view (the first panels are on
 * screen; the report comes a frame or more later, behind the runs table's first render).
 */
export function useEagerPanel(): boolean {
  const loader = useContext(SeriesLoaderContext);
  const [eager] = useState(() => (loader?.eager ? takeEagerSlot(loader.eager) : false));
  return eager;
}
