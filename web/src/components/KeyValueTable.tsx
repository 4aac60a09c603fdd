// A flat key → value table for a run's config or summary (nested keys dotted).
// `renderValue` draws values that are more than text (a summary's tensors, media).
import type { ReactNode } from "react";
import type { JsonObject, JsonValue } from "../api/types";
import { flattenCached, isUserKey } from "../lib/flatten";
import { formatValue } from "../lib/format";

export interface KeyValueTableProps {
  doc: JsonObject;
  testid: string;
  empty: string;
  /** A node for values shown richly, or null for plain text. */
  renderValue?: (key: string, value: JsonValue) => ReactNode | null;
}

export default function KeyValueTable({ doc, testid, empty, renderValue }: KeyValueTableProps) {
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
            <td>{renderValue?.(key, value) ?? formatValue(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
