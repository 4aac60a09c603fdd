// Grouped lines for the line panels: the workspace's grouping (fields, aggregate,
// band, which runs) is provided once as a context; each panel fetches GET /groups for
// its metric when it is in view (the first few as soon as they mount). The server
// aggregates every run's full series.
//
// The first grouped panel is asked for as early as the page can: its request needs the
// grouping (saved workspace) and the metric (the keys), not the run list, so it goes out
// while the runs still load; its query key stays the same when they arrive (the visible
// runs' filter and `refresh` do not change then), so nothing is asked twice.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { createContext, useContext, useMemo, useState } from "react";
import { fetchGroups } from "../api/client";
import type { Run } from "../api/types";
import {
  EAGER_PANELS,
  type EagerSlots,
  type GroupAgg,
  type GroupBand,
  type GroupsResponse,
  groupColors,
  groupKey,
  groupsAskable,
  latestRunningUpdate,
  takeEagerSlot,
  visibleRunsFilter,
} from "../lib/grouping";
import type { WorkspaceSettings } from "../lib/workspaceSettings";
import { useChangeCount } from "./useChangeCount";

export interface GroupingScope {
  entity: string;
  project: string;
  by: string[];
  agg: GroupAgg;
  band: GroupBand;
  /** Run filters (JSON) naming the runs grouped: the workspace's visible runs; undefined for all. */
  filters: string | undefined;
  /** Changes when the runs may have logged more (part of the query key). */
  refresh: unknown;
  /** False while the grouped runs are not known yet (a filter waits for the run list). */
  askable: boolean;
  /** The workspace's first panels' slots to ask at once (lib/grouping takeEagerSlot). */
  eager: EagerSlots;
}

export const GroupingContext = createContext<GroupingScope | null>(null);

/**
 * The grouping scope of a workspace (null when it does not group). `runsKnown`: the run
 * list has arrived; `narrowed`: a filter or brush (not only hidden runs) narrows the runs.
 */
export function useGroupingScope(
  entity: string,
  project: string,
  settings: WorkspaceSettings,
  allRuns: readonly Run[],
  visibleRuns: readonly Run[],
  runsKnown: boolean,
  narrowed: boolean,
): GroupingScope | null {
  const { groupBy, groupAgg, groupBand, hiddenRuns } = settings;
  const filters = useMemo(() => visibleRunsFilter(allRuns, visibleRuns, hiddenRuns), [allRuns, visibleRuns, hiddenRuns]);
  // refetch while grouped runs are logging: counts changes of the latest update among the
  // running ones after the runs arrived (their arrival itself is no change: the first
  // request, sent before them, stays valid)
  const latest = useMemo(() => latestRunningUpdate(visibleRuns), [visibleRuns]);
  const refresh = useChangeCount(runsKnown ? String(latest) : null);
  const askable = groupsAskable(narrowed, runsKnown);
  const [eager] = useState<EagerSlots>(() => ({ left: EAGER_PANELS }));
  return useMemo(
    () =>
      groupBy.length
        ? { entity, project, by: groupBy, agg: groupAgg, band: groupBand, filters, refresh, askable, eager }
        : null,
    [entity, project, groupBy, groupAgg, groupBand, filters, refresh, askable, eager],
  );
}

export interface GroupLines {
  data: GroupsResponse | undefined;
  /** Colour per group key (lib/grouping groupKey). */
  colors: Map<string, string>;
  loading: boolean;
  error: string | null;
}

/**
 * GET /groups for one metric on `x`, fetched while the panel is in view (`enabled`), or
 * from its mount for one of the workspace's first panels.
 */
export function useGroupLines(scope: GroupingScope, metric: string, x: string, enabled: boolean): GroupLines {
  const { entity, project, by, agg, band, filters, refresh, askable } = scope;
  const [eager] = useState(() => takeEagerSlot(scope.eager));
  const query = useQuery({
    queryKey: ["groups", entity, project, by.join(","), agg, band, x, metric, filters ?? "", refresh],
    queryFn: ({ signal }) => fetchGroups(entity, project, { by, keys: [metric], agg, band, x, filters }, signal),
    enabled: askable && (enabled || eager),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const colors = useMemo(
    () => groupColors((query.data?.groups ?? []).map((g) => groupKey(query.data?.by ?? by, g.values))),
    [query.data, by],
  );
  return {
    data: query.data,
    colors,
    loading: query.isFetching,
    error: query.error ? String(query.error) : null,
  };
}

export function useGroupingContext(): GroupingScope | null {
  return useContext(GroupingContext);
}
