// Custom-chart specs (W&B's convention): Vega or Vega-Lite JSON whose data is the
// named dataset "wandb", with "${field:NAME}" and "${string:NAME}" placeholders
// that the chart's field mapping and strings fill in. Pure: no vega import here.
import type { JsonValue } from "../api/types";

const PLACEHOLDER = /\$\{(field|string):([^}]*)\}/g;

export interface Placeholders {
  fields: string[];
  strings: string[];
}

/** The field and string placeholder names used anywhere in a spec, in order of appearance. */
export function specPlaceholders(spec: unknown): Placeholders {
  const fields: string[] = [];
  const strings: string[] = [];
  const visit = (node: unknown): void => {
    if (typeof node === "string") {
      for (const match of node.matchAll(PLACEHOLDER)) {
        const list = match[1] === "field" ? fields : strings;
        if (!list.includes(match[2])) list.push(match[2]);
      }
    } else if (Array.isArray(node)) {
      node.forEach(visit);
    } else if (node && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        visit(key);
        visit(value);
      }
    }
  };
  visit(spec);
  return { fields, strings };
}

export type Mapping = Readonly<Record<string, string | null | undefined>>;

/**
 * The spec with every placeholder replaced: `${field:NAME}` by `fields[NAME]`,
 * `${string:NAME}` by `strings[NAME]`; unmapped names become "". Object keys are
 * substituted too. The input is not modified.
 */
export function fillSpec<T>(spec: T, fields: Mapping, strings: Mapping): T {
  const replace = (text: string): string =>
    text.replace(PLACEHOLDER, (_, kind: string, name: string) => {
      const value = (kind === "field" ? fields : strings)[name];
      return value === null || value === undefined ? "" : String(value);
    });
  const visit = (node: unknown): unknown => {
    if (typeof node === "string") return replace(node);
    if (Array.isArray(node)) return node.map(visit);
    if (node && typeof node === "object") {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [replace(key), visit(value)]));
    }
    return node;
  };
  return visit(spec) as T;
}

/** Whether a spec is Vega-Lite (by its `$schema`, else by its shape) rather than Vega. */
export function isVegaLite(spec: unknown): boolean {
  if (!spec || typeof spec !== "object") return true;
  const s = spec as Record<string, unknown>;
  if (typeof s.$schema === "string") return s.$schema.includes("vega-lite");
  if ("marks" in s || "signals" in s || "scales" in s) return false;
  return true;
}

export interface RunTag {
  run: string;
  name: string;
  color: string;
}

/**
 * Run tags for a chart's rows. Specs colour and label by `name`, so runs that share a
 * display name would share one colour and one legend entry: those get their id added.
 */
export function runTags(
  runs: readonly { id: string; name: string; color: string }[],
): RunTag[] {
  const seen = new Map<string, number>();
  for (const run of runs) seen.set(run.name, (seen.get(run.name) ?? 0) + 1);
  return runs.map((run) => ({
    run: run.id,
    name: (seen.get(run.name) ?? 0) > 1 ? `${run.name} (${run.id})` : run.name,
    color: run.color,
  }));
}

export type Row = Record<string, JsonValue>;

/** A table's rows as the "wandb" dataset: objects keyed by column, tagged with the run. */
export function tableRows(columns: readonly string[], rows: readonly JsonValue[][], tag: RunTag): Row[] {
  return rows.map((row) => {
    const out: Row = {};
    columns.forEach((column, i) => {
      out[column] = row[i] ?? null;
    });
    out.name = tag.name;
    out.run = tag.run;
    out.color = tag.color;
    return out;
  });
}

/** The spec's text, or a readable parse error (the editor shows it; it never throws). */
export function parseSpec(text: string): { spec: Record<string, unknown> } | { error: string } {
  try {
    const spec = JSON.parse(text) as unknown;
    if (!spec || typeof spec !== "object" || Array.isArray(spec)) return { error: "The spec must be a JSON object" };
    return { spec: spec as Record<string, unknown> };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** A preset name for "Save as…": non-empty, no leading/trailing slash, no "..". */
export function validPresetName(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return "Give the preset a name";
  if (trimmed.startsWith("/") || trimmed.endsWith("/") || trimmed.split("/").includes("..")) {
    return "Names cannot start or end with / or contain ..";
  }
  if (!/^[\w./-]+$/.test(trimmed)) return "Use letters, digits, _ - . and /";
  return null;
}

const COLOR_CHANNELS = ["color", "stroke", "fill"];

/**
 * Draw runs in their colours: every Vega-Lite colour channel (`color`, `stroke`,
 * `fill`) encoding the field `name` or `run` without its own scale range, and every
 * Vega ordinal scale whose domain is the `wandb` data's `name`/`run` field without an
 * explicit list range, gets the runs as domain and their colours as range. With one
 * run and no such channel, Vega-Lite marks default to that run's colour.
 */
export function applyRunColors<T>(spec: T, runs: readonly RunTag[]): T {
  if (runs.length === 0 || !spec || typeof spec !== "object") return spec;
  const byField = (field: unknown): string[] | null =>
    field === "name" ? runs.map((r) => r.name) : field === "run" ? runs.map((r) => r.run) : null;
  const range = runs.map((r) => r.color);
  let colored = false;
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!node || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) out[key] = visit(value);
    // Vega-Lite: encoding channels
    const encoding = out.encoding;
    if (encoding && typeof encoding === "object" && !Array.isArray(encoding)) {
      const enc = { ...(encoding as Record<string, unknown>) };
      for (const channel of COLOR_CHANNELS) {
        const def = enc[channel] as Record<string, unknown> | undefined;
        const domain = def && typeof def === "object" ? byField(def.field) : null;
        if (!def || !domain) continue;
        const scale = def.scale;
        if (scale === null) continue;
        const s = (scale && typeof scale === "object" ? scale : {}) as Record<string, unknown>;
        if (s.range !== undefined || s.scheme !== undefined) continue;
        enc[channel] = { ...def, scale: { ...s, domain, range } };
        colored = true;
      }
      out.encoding = enc;
    }
    // Vega: scales
    if (Array.isArray(out.scales)) {
      out.scales = out.scales.map((scale) => {
        if (!scale || typeof scale !== "object") return scale;
        const s = scale as Record<string, unknown>;
        const d = s.domain as Record<string, unknown> | undefined;
        const domain = d && typeof d === "object" && !Array.isArray(d) ? byField(d.field) : null;
        if (s.type !== "ordinal" || !domain || Array.isArray(s.range)) return scale;
        colored = true;
        return { ...s, domain, range };
      });
    }
    return out;
  };
  const result = visit(spec) as Record<string, unknown>;
  if (!colored && runs.length === 1 && isVegaLite(result)) {
    const config = (result.config && typeof result.config === "object" ? result.config : {}) as Record<string, unknown>;
    const mark = (config.mark && typeof config.mark === "object" ? config.mark : {}) as Record<string, unknown>;
    if (mark.color === undefined) result.config = { ...config, mark: { ...mark, color: runs[0].color } };
  }
  return result as T;
}

/**
 * A spec to start from when a chart names a preset nobody saved: points of its first
 * two fields (x, y), coloured by run, titled by its `title` string.
 */
export function starterSpec(fields: readonly string[]): Record<string, unknown> {
  const [x, y] = [fields[0] ?? "x", fields[1] ?? fields[0] ?? "y"];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "${string:title}",
    data: { name: "wandb" },
    mark: { type: "point", tooltip: true },
    encoding: {
      x: { field: `\${field:${x}}`, type: "quantitative" },
      y: { field: `\${field:${y}}`, type: "quantitative" },
      color: { field: "name", type: "nominal", title: "Run" },
    },
  };
}
