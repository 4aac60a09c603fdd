// Vega-Lite specs and rows of the scatter and bar panels (issue 17): pure, so the
// panels only pick keys and draw (with vega-embed, through VegaView).
import type { Run } from "../api/types";
import { columnValue, runDisplayName } from "./columns";
import type { RunGroup } from "./grouping";
import { aggregate } from "./groupRows";
import type { Row } from "./vegaSpec";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** Points of runs having numbers at both columns (ids as `config:lr`, `summary:loss`). */
export function scatterRows(runs: readonly Run[], x: string, y: string, colorOf: (run: Run) => string): Row[] {
  const rows: Row[] = [];
  for (const run of runs) {
    const vx = columnValue(run, x);
    const vy = columnValue(run, y);
    if (typeof vx === "number" && Number.isFinite(vx) && typeof vy === "number" && Number.isFinite(vy)) {
      rows.push({ run: run.id, name: runDisplayName(run), x: vx, y: vy, color: colorOf(run) });
    }
  }
  return rows;
}

export function scatterSpec(xLabel: string, yLabel: string, logX = false): Record<string, unknown> {
  return {
    $schema: SCHEMA,
    data: { name: "wandb" },
    mark: { type: "point", filled: true, size: 50 },
    encoding: {
      x: { field: "x", type: "quantitative", title: xLabel, scale: { type: logX ? "log" : "linear", zero: false } },
      y: { field: "y", type: "quantitative", title: yLabel, scale: { zero: false } },
      color: { field: "color", type: "nominal", scale: null, legend: null },
      tooltip: [{ field: "name" }, { field: "x", title: xLabel }, { field: "y", title: yLabel }],
    },
  };
}

/** One bar per run, or per group (the mean over its runs, with min and max). */
export function barRows(runs: readonly Run[], groups: readonly RunGroup[] | null, column: string, colorOf: (run: Run) => string, groupColor: (key: string) => string): Row[] {
  if (groups) {
    return groups.flatMap((group) => {
      const agg = aggregate(group.runs, column);
      return agg ? [{ label: `${group.label} (${group.runs.length})`, value: agg.mean, lo: agg.min, hi: agg.max, color: groupColor(group.key) }] : [];
    });
  }
  return runs.flatMap((run) => {
    const value = columnValue(run, column);
    return typeof value === "number" && Number.isFinite(value) ? [{ label: runDisplayName(run), value, lo: value, hi: value, color: colorOf(run) }] : [];
  });
}

export function barSpec(valueLabel: string, grouped: boolean): Record<string, unknown> {
  const bar = {
    mark: { type: "bar" },
    encoding: {
      y: { field: "label", type: "nominal", sort: null, title: null },
      x: { field: "value", type: "quantitative", title: grouped ? `${valueLabel} (mean)` : valueLabel },
      color: { field: "color", type: "nominal", scale: null, legend: null },
      tooltip: [{ field: "label" }, { field: "value", title: valueLabel }, ...(grouped ? [{ field: "lo", title: "min" }, { field: "hi", title: "max" }] : [])],
    },
  };
  if (!grouped) return { $schema: SCHEMA, data: { name: "wandb" }, ...bar };
  const range = { mark: { type: "rule" }, encoding: { y: { field: "label", type: "nominal", sort: null }, x: { field: "lo", type: "quantitative" }, x2: { field: "hi" } } };
  return { $schema: SCHEMA, data: { name: "wandb" }, layer: [bar, range] };
}
