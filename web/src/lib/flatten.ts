// Config and summary documents are nested; the UI shows them flat with dotted
// names, so the summary `{"loss": {"min": 0.1}}` becomes the column `loss.min`.
// Media and other `_type` payloads, and the store's `{"$float": "NaN"}` markers,
// stay whole (they are values, not groups).
import type { JsonObject, JsonValue } from "../api/types";

export type Flat = Record<string, JsonValue>;

function isGroup(value: JsonValue): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !("_type" in value) && !("$float" in value);
}

export function flatten(doc: JsonObject | null | undefined, prefix = ""): Flat {
  const out: Flat = {};
  if (!doc) return out;
  for (const [name, value] of Object.entries(doc)) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (isGroup(value) && Object.keys(value).length > 0) Object.assign(out, flatten(value, path));
    else out[path] = value;
  }
  return out;
}

const cache = new WeakMap<object, Flat>();

/** `flatten`, memoised per document object (runs are immutable once received). */
export function flattenCached(doc: JsonObject | null | undefined): Flat {
  if (!doc) return {};
  let flat = cache.get(doc);
  if (!flat) {
    flat = flatten(doc);
    cache.set(doc, flat);
  }
  return flat;
}

/** Keys users see: internal ones (`_step`, `_wandb`, ...) are left out. */
export function isUserKey(path: string): boolean {
  return !path.startsWith("_") && !path.includes("._");
}
