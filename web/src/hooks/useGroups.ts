// Grouped lines for the line panels: the workspace's grouping (fields, aggregate,
// band, which runs) is provided once as a context; each panel fetches GET /groups for
// its metric when it is in view. The server aggregates every run's full series.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { createContext, useContext, useMemo } from "react";
import { fetchGroups } from "../api/client";
import type { Run } from "../api/types";
import { type GroupAgg, type GroupBand, type GroupsResponse, groupColors, groupKey, visibleRunsFilter } from "../lib/grouping";
import type { WorkspaceSettings } from "../lib/workspaceSettings";

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
}

export const GroupingContext = createContext<GroupingScope | null>(null);

/** The grouping scope of a workspace (null when it does not group). */
export function useGroupingScope(
  entity: string,
  project: string,
  settings: WorkspaceSettings,
  allRuns: readonly Run[],
  visibleRuns: readonly Run[],
): GroupingScope | null {
  const { groupBy, groupAgg, groupBand, hiddenRuns } = settings;
  const filters = useMemo(() => visibleRunsFilter(allRuns, visibleRuns, hiddenRuns), [allRuns, visibleRuns, hiddenRuns]);
  // refetch while grouped runs are logging: the latest update among the running ones
  // (finished runs do not change, so their arrival alone does not refetch)
  const refresh = useMemo(
    () => visibleRuns.reduce((t, r) => (r.state === "running" ? Math.max(t, r.updated_at) : t), 0),
    [visibleRuns],
  );
  return useMemo(
    () =>
      groupBy.length
        ? { entity, project, by: groupBy, agg: groupAgg, band: groupBand, filters, refresh }
        : null,
    [entity, project, groupBy, groupAgg, groupBand, filters, refresh],
  );
}

export interface GroupLines {
  data: GroupsResponse | undefined;
  /** Colour per group key (lib/grouping groupKey). */
  colors: Map<string, string>;
  loading: boolean;
  error: string | null;
}

/** GET /groups for one metric on `x`, fetched while the panel is in view. */
export function useGroupLines(scope: GroupingScope, metric: string, x: string, enabled: boolean): GroupLines {
  const { entity, project, by, agg, band, filters, refresh } = scope;
  const query = useQuery({
    queryKey: ["groups", entity, project, by.join(","), agg, band, x, metric, filters ?? "", refresh],
    queryFn: ({ signal }) => fetchGroups(entity, project, { by, keys: [metric], agg, band, x, filters }, signal),
    enabled,
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
