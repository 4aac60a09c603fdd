import { describe, expect, it } from "vitest";
import { type FilterRow, rowsToText, textToRows } from "./filterRows";
import { parseFilterText } from "./runFilter";

const rows: FilterRow[] = [
  { join: "and", category: "config", key: "optim.name", op: "=", value: "adam" },
  { join: "and", category: "summary", key: "loss", op: "<", value: "0.5" },
  { join: "or", category: "tags", key: "", op: "=", value: "best run" },
  { join: "and", category: "date", key: "created_at", op: ">=", value: "2024-05-01" },
  { join: "and", category: "state", key: "", op: "=", value: "" },
];

describe("filter builder rows", () => {
  it("write text the filter box parses with the same precedence", () => {
    const text = rowsToText(rows);
    expect(text).toBe('config.optim.name = adam and summary.loss < 0.5 or tags = "best run" and created_at >= 2024-05-01');
    const parsed = parseFilterText(text);
    expect(parsed.kind === "expression" && parsed.expression.map((all) => all.length)).toEqual([2, 2]);
  });

  it("read an expression back", () => {
    expect(textToRows(rowsToText(rows))).toEqual(rows.slice(0, 4));
    expect(textToRows("lr > 1 or state = running")).toEqual([
      { join: "and", category: "key", key: "lr", op: ">", value: "1" },
      { join: "or", category: "state", key: "", op: "=", value: "running" },
    ]);
    expect(textToRows("plain text")).toBeNull();
    expect(textToRows("")).toEqual([]);
  });
});
