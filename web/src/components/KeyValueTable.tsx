// A flat key → value table for a run's config or summary (nested keys dotted).
import type { JsonObject } from "../api/types";
import { flattenCached, isUserKey } from "../lib/flatten";
import { formatValue } from "../lib/format";

export default function KeyValueTable({ doc, testid, empty }: { doc: JsonObject; testid: string; empty: string }) {
  const entries = Object.entries(flattenCached(doc))
    .filter(([key]) => isUserKey(key))
    .sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p className="muted" data-testid={testid}>{empty}</p>;
  return (
    <table className="kv" data-testid={testid}>
      <tbody>
        {entries.map(([key, value]) => (
          <tr key={key} data-testid={`${testid}-${key}`}>
            <th>{key}</th>
            <td>{formatValue(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
