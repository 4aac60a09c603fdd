// Grouping runs (issue 17): the fields a workspace groups by, the /groups response the
// grouped line panels draw, and the same split done in the browser for the runs
// table, so a group has one key, one label and one colour everywhere. The server's
// rule (server/queries/grouping.py) is mirrored: a run with several tags is in each
// tag's group, a run without the field is in the `null` group, and groups come in the
// order of their values (numbers numerically, then text, then other values, null last).
import type { JsonValue, Run } from "../api/types";
import { flattenCached } from "./flatten";
import { PALETTE, fnv1a } from "./runColor";

export const AGGREGATES = ["mean", "median", "min", "max"] as const;
export type GroupAgg = (typeof AGGREGATES)[number];
/** The band around a group's line: the runs' min–max, ± std deviation, ± std error, or none. */
export const BANDS = ["minmax", "std", "stderr", "none"] as const;
export type GroupBand = (typeof BANDS)[number];

/** Run fields a workspace can group by besides `config.<dotted key>`. */
export const GROUP_FIELDS = ["group", "job_type", "tags"] as const;

/** One metric's aggregate line of a group, as GET /groups returns it. */
export interface GroupLine {
  key: string;
  x: number[];
  /** The aggregate (mean, median, min or max over the group's runs) at each x. */
  y: (number | null)[];
  /** The aggregate line's own extremes per drawn bucket (equal to y when not reduced). */
  ymin: (number | null)[];
  ymax: (number | null)[];
  /** The band: lower and upper edge at each x. */
  lo: (number | null)[];
  hi: (number | null)[];
  raw_points: number;
  returned: number;
  reduced: boolean;
}

export interface GroupEntry {
  /** The group's value per `by` field (null: the runs without it). */
  values: Record<string, JsonValue>;
  runs: string[];
  count: number;
  series: GroupLine[];
}

export interface GroupsResponse {
  by: string[];
  keys: string[];
  agg: GroupAgg;
  band: GroupBand;
  x: string;
  groups: GroupEntry[];
}

/** A grouping field is valid: config.<key>, group, job_type or tags. */
export function isGroupField(field: string): boolean {
  return (GROUP_FIELDS as readonly string[]).includes(field) || (field.startsWith("config.") && field.length > 7);
}

/** The field's label: `optim.name` for `config.optim.name`, else the field. */
export function fieldLabel(field: string): string {
  return field.startsWith("config.") ? field.slice(7) : field;
}

/** A run's values of one grouping field: one, or one per tag (null when it has none). */
export function runFieldValues(run: Run, field: string): JsonValue[] {
  if (field === "tags") return run.tags.length ? [...new Set(run.tags)] : [null];
  if (field === "group") return [run.group ?? null];
  if (field === "job_type") return [run.job_type ?? null];
  if (field.startsWith("config.")) {
    const path = field.slice(7);
    const flat = flattenCached(run.config);
    if (path in flat) return [flat[path]];
    // a dict-valued key (grouping by `optim` itself): the nested object as the value
    let node: JsonValue | undefined = run.config;
    for (const part of path.split(".")) {
      node = node && typeof node === "object" && !Array.isArray(node) ? node[part] : undefined;
    }
    return [node === undefined ? null : node];
  }
  return [null];
}

/** The identity of a group: its values in `by` order, as JSON (the same string for the
 * same values in the table and in the charts). */
export function groupKey(by: readonly string[], values: Record<string, JsonValue>): string {
  return JSON.stringify(by.map((f) => values[f] ?? null));
}

function valueText(value: JsonValue): string {
  if (value === null) return "(none)";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** How a group is named in legends and grouped rows: `adam`, or `adam · 32` for several fields. */
export function groupLabel(by: readonly string[], values: Record<string, JsonValue>): string {
  return by.map((f) => valueText(values[f] ?? null)).join(" · ");
}

type Rank = [number, number, string];

function rank(value: JsonValue): Rank {
  if (value === null) return [3, 0, ""];
  if (typeof value === "number") return [0, value, ""];
  if (typeof value === "string") return [1, 0, value];
  return [2, 0, JSON.stringify(value)];
}

/** The server's group order (numbers, text, other values, null last), field by field. */
export function compareGroupValues(by: readonly string[], a: Record<string, JsonValue>, b: Record<string, JsonValue>): number {
  for (const f of by) {
    const ra = rank(a[f] ?? null);
    const rb = rank(b[f] ?? null);
    if (ra[0] !== rb[0]) return ra[0] - rb[0];
    if (ra[1] !== rb[1]) return ra[1] - rb[1];
    if (ra[2] !== rb[2]) return ra[2] < rb[2] ? -1 : 1;
  }
  return 0;
}

export interface RunGroup {
  key: string;
  label: string;
  values: Record<string, JsonValue>;
  runs: Run[];
}

/** Runs split by `by` in the browser (for the runs table's grouped rows); same groups,
 * keys and order as GET /groups over the same runs. */
export function groupRuns(runs: readonly Run[], by: readonly string[]): RunGroup[] {
  const groups = new Map<string, RunGroup>();
  for (const run of runs) {
    let combos: Record<string, JsonValue>[] = [{}];
    for (const field of by) {
      const choices = runFieldValues(run, field);
      combos = combos.flatMap((c) => choices.map((v) => ({ ...c, [field]: v })));
    }
    for (const values of combos) {
      const key = groupKey(by, values);
      let group = groups.get(key);
      if (!group) {
        group = { key, label: groupLabel(by, values), values, runs: [] };
        groups.set(key, group);
      }
      group.runs.push(run);
    }
  }
  return [...groups.values()].sort((a, b) => compareGroupValues(by, a.values, b.values));
}

/**
 * Colours of groups by key: each group's hashed palette slot, or the next free one
 * when an earlier group (in the given order) took it, so groups of one grouping never
 * share a colour (up to the palette's 12) and a group keeps its colour across pages.
 */
export function groupColors(keys: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  let taken = new Set<number>();
  for (const key of keys) {
    if (out.has(key)) continue;
    if (taken.size === PALETTE.length) taken = new Set();
    let slot = fnv1a(key) % PALETTE.length;
    while (taken.has(slot)) slot = (slot + 1) % PALETTE.length;
    taken.add(slot);
    out.set(key, PALETTE[slot]);
  }
  return out;
}

/** The id a grouped line is published and hovered under (runs use their run id). */
export function groupLineId(key: string): string {
  return `group:${key}`;
}

/**
 * The run filter (JSON) selecting the workspace's visible runs for GET /groups, or
 * undefined for all. While only hidden runs are left out (the usual case, and the only
 * one known before the run list arrives) it is `$nin` of the hidden ids, so the panels
 * can ask for their groups without waiting for the runs and the answer stays valid when
 * they arrive; a filter typed in the runs table selects the shorter of `$in` / `$nin`.
 */
export function visibleRunsFilter(all: readonly Run[], visible: readonly Run[], hidden: readonly string[]): string | undefined {
  const hiddenSet = new Set(hidden);
  const unhidden = all.filter((r) => !hiddenSet.has(r.id)).length;
  if (all.length === 0 || visible.length === unhidden) {
    return hidden.length ? JSON.stringify({ name: { $nin: [...hiddenSet].sort() } }) : undefined;
  }
  const shown = new Set(visible.map((r) => r.id));
  const left = all.filter((r) => !shown.has(r.id)).map((r) => r.id);
  return JSON.stringify(visible.length <= left.length ? { name: { $in: [...shown] } } : { name: { $nin: left } });
}

/**
 * The latest update among the running runs (0 when none runs): grouped lines are asked
 * again when it changes, as running runs log more; finished runs do not change, so their
 * arrival alone asks nothing again.
 */
export function latestRunningUpdate(runs: readonly Run[]): number {
  return runs.reduce((t, r) => (r.state === "running" ? Math.max(t, r.updated_at) : t), 0);
}

/**
 * Whether GET /groups can be asked yet. Before the run list arrives the grouped runs are
 * known only when nothing but hidden runs narrows them (see visibleRunsFilter): a panel
 * asks at once then, in parallel with the runs, and waits for them when a filter or a
 * brush narrows the runs (else it would ask twice: for all runs, then the filtered ones).
 */
export function groupsAskable(narrowed: boolean, runsKnown: boolean): boolean {
  return runsKnown || !narrowed;
}

/** How many of the first grouped panels mounted ask for their lines at once. */
export const EAGER_PANELS = 3;

/** Slots of a workspace's first grouped panels (see takeEagerSlot); shared by its panels. */
export interface EagerSlots {
  left: number;
}

/**
 * Whether a grouped panel mounting now is one of the workspace's first few, which ask
 * for their lines when they mount instead of waiting to be seen scrolled into view (the
 * first panels are on screen: waiting for the browser to report it costs a frame or
 * more, longer while the runs table renders). Each call takes a slot.
 */
export function takeEagerSlot(slots: EagerSlots): boolean {
  if (slots.left <= 0) return false;
  slots.left -= 1;
  return true;
}
