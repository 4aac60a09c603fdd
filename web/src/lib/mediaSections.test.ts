import { describe, expect, it } from "vitest";
import type { CustomChart, MetricKey } from "../api/types";
import { groupMediaPanels } from "./mediaSections";

const key = (k: string, media: string | null, hidden = false): MetricKey => ({
  key: k,
  numeric: media === null,
  step_metric: null,
  hidden,
  media,
});
const chart = (k: string): CustomChart => ({
  key: k,
  table_key: k === "pr" ? "Custom Chart Tables/pr_table" : `${k}_table`,
  panel_type: "Vega2",
  preset: "wandb/line/v0",
  fields: {},
  string_fields: {},
  runs: ["a"],
});

describe("groupMediaPanels", () => {
  it("puts charts first, then Media, then prefixed sections; skips numeric, hidden and unknown types", () => {
    const sections = groupMediaPanels(
      [
        key("loss", null),
        key("samples", "image-file"),
        key("eval/table", "table-file"),
        key("a_html", "html-file"),
        key("secret", "image-file", true),
        key("_hist", "histogram"),
        key("chart", "custom-chart"),
        key("roc_table", "table-file"),
        key("Custom Chart Tables/pr_table", "table-file"),
      ],
      [chart("roc"), chart("pr")],
    );
    expect(sections.map((s) => [s.name, s.panels.map((p) => `${p.kind}:${p.key}`)])).toEqual([
      ["Custom Charts", ["chart:pr", "chart:roc"]],
      ["Media", ["media:a_html", "media:samples"]],
      ["eval", ["media:eval/table"]],
      ["Custom Chart Tables", ["media:Custom Chart Tables/pr_table", "media:roc_table"]],
    ]);
  });
});
