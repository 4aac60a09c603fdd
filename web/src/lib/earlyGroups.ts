// The GET /groups of a grouped workspace's first panel, worked out from the saved
// settings and the metric keys alone, so src/earlyGroups.ts can ask for it before the
// app's code has loaded (the request is the slow part of a grouped workspace's first
// draw). Only the plain layout is predicted: whenever the first panel could be another
// one (sections or panels moved, added, hidden or reordered, the first section
// collapsed) or the URL carries a view (filter, grouping, x-axis, panel search), there
// is no prediction and the panel asks for itself as usual: a wrong guess would cost the
// server a second aggregation.
import type { GroupsParams } from "../api/client";
import type { JsonObject, MetricKey } from "../api/types";
import { groupKeys } from "./keySections";
import { readSettings } from "./workspaceSettings";
import { resolveXAxis } from "./xAxis";

export function firstGroupedRequest(doc: JsonObject | null | undefined, keys: readonly MetricKey[], search: string): GroupsParams | null {
  if (search && search !== "?") return null;
  const s = readSettings(doc).settings;
  if (s.groupBy.length === 0) return null;
  const moved =
    s.customSections.length > 0 ||
    s.customPanels.length > 0 ||
    s.hiddenPanels.length > 0 ||
    s.sectionOrder.length > 0 ||
    Object.keys(s.panelOrder).length > 0 ||
    Object.keys(s.panelSections).length > 0;
  if (moved) return null;
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
