// Panels are grouped in sections by the key's prefix before the first "/";
// keys without one go to "Charts". Hidden and non-numeric keys get no panel.
import type { MetricKey } from "../api/types";

export const DEFAULT_SECTION = "Charts";

export interface Section {
  name: string;
  keys: MetricKey[];
}

export function sectionOf(key: string): string {
  const slash = key.indexOf("/");
  return slash > 0 ? key.slice(0, slash) : DEFAULT_SECTION;
}

function sectionRank(name: string): number {
  if (name === DEFAULT_SECTION) return 0;
  if (name === "system") return 2;
  return 1;
}

export function groupKeys(keys: readonly MetricKey[]): Section[] {
  const sections = new Map<string, MetricKey[]>();
  for (const key of keys) {
    if (!key.numeric || key.hidden || key.key.startsWith("_")) continue;
    const name = sectionOf(key.key);
    const list = sections.get(name) ?? [];
    list.push(key);
    sections.set(name, list);
  }
  return [...sections.entries()]
    .map(([name, list]) => ({ name, keys: list.sort((a, b) => a.key.localeCompare(b.key)) }))
    .sort((a, b) => sectionRank(a.name) - sectionRank(b.name) || a.name.localeCompare(b.name));
}
