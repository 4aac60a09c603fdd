// The first panel's request of a workspace, worked out before the app's code has loaded
// so src/earlyGroups.ts can ask for it early: a grouped workspace's GET /groups (from the
// saved settings and the metric keys alone: the slow part of its first draw), and an
// ungrouped one's GET /series of its first panels (also from the first page of runs). Only the plain layout is predicted: whenever the first panel could be another
// one (sections or panels moved, added, hidden or reordered, the first section
// collapsed) or the URL carries a view (filter, grouping, x-axis, panel search), there
// is no prediction and the panel asks for itself as usual: a wrong guess would cost the
// server a second aggregation.
import type { GroupsParams, SeriesParams } from "../api/client";
import type { JsonObject, MetricKey, Run } from "../api/types";
import { sortRuns } from "./columns";
import { EAGER_PANELS } from "./grouping";
import { groupKeys } from "./keySections";
import { plottedRuns } from "./liveRuns";
import { DENSITY_THRESHOLD } from "./seriesDensity";
import { type WorkspaceSettings, readSettings } from "./workspaceSettings";
import { resolveXAxis } from "./xAxis";

/** Points per series of the first panels' /series (hooks/useSeries SERIES_POINTS). */
export const FIRST_SERIES_POINTS = 1000;
/** Runs x keys x points of one /series request at most (lib/seriesBatcher MAX_POINTS). */
const MAX_FIRST_POINTS = 2_000_000;

/** Whether the first panels are the plain layout's: the first section's first keys. */
function plainLayout(s: WorkspaceSettings): boolean {
  return !(
    s.customSections.length > 0 ||
    s.customPanels.length > 0 ||
    s.hiddenPanels.length > 0 ||
    s.sectionOrder.length > 0 ||
    Object.keys(s.panelOrder).length > 0 ||
    Object.keys(s.panelSections).length > 0
  );
}

/**
 * The GET /series of an ungrouped workspace's first panels (the first section's first
 * EAGER_PANELS keys that share the first one's x-axis), for the runs they draw: the
 * first page of runs in the saved sort, less the hidden ones, up to the saved number
 * drawn. Null whenever the app could ask otherwise (a view in the URL, a moved layout,
 * the first section collapsed, grouping, a density panel): it then asks for itself.
 */
export function firstSeriesRequest(
  doc: JsonObject | null | undefined,
  keys: readonly MetricKey[],
  runs: readonly Run[],
  search: string,
): SeriesParams | null {
  if (search && search !== "?") return null;
  const s = readSettings(doc).settings;
  if (s.groupBy.length > 0 || !plainLayout(s)) return null;
  const first = groupKeys(keys)[0];
  if (!first || first.keys.length === 0 || s.collapsedSections.includes(first.name)) return null;
  const drawn = plottedRuns(sortRuns(runs, s.sort), s.hiddenRuns, s.maxRuns);
  if (drawn.length === 0 || drawn.length >= DENSITY_THRESHOLD) return null;
  const xOf = (metric: MetricKey) => resolveXAxis(s.panels[metric.key]?.x, s.xAxis, metric);
  const x = xOf(first.keys[0]);
  const metrics = first.keys.slice(0, EAGER_PANELS).filter((metric) => xOf(metric) === x);
  if (drawn.length * metrics.length * FIRST_SERIES_POINTS > MAX_FIRST_POINTS) return null;
  return { runs: drawn.map((r) => r.id), keys: metrics.map((m) => m.key), x, points: FIRST_SERIES_POINTS };
}

export function firstGroupedRequest(doc: JsonObject | null | undefined, keys: readonly MetricKey[], search: string): GroupsParams | null {
  if (search && search !== "?") return null;
  const s = readSettings(doc).settings;
  if (s.groupBy.length === 0) return null;
  if (!plainLayout(s)) return null;
  const first = groupKeys(keys)[0];
  if (!first || first.keys.length === 0 || s.collapsedSections.includes(first.name)) return null;
  const metric = first.keys[0];
  // as hooks/useGroups: no filter narrows the runs, so only hidden runs are left out
  const hidden = [...new Set(s.hiddenRuns)].sort();
  return {
    by: s.groupBy,
    keys: [metric.key],
    agg: s.groupAgg,
    band: s.groupBand,
    x: resolveXAxis(s.panels[metric.key]?.x, s.xAxis, metric),
    filters: hidden.length ? JSON.stringify({ name: { $nin: hidden } }) : undefined,
  };
}
