import { describe, expect, it } from "vitest";
import type { MetricKey } from "../api/types";
import { firstGroupedRequest } from "./earlyGroups";

const key = (name: string, extra: Partial<MetricKey> = {}): MetricKey => ({ key: name, numeric: true, ...extra }) as MetricKey;
const KEYS = [key("loss"), key("acc"), key("val/loss"), key("_runtime"), key("lr", { hidden: true }), key("text", { numeric: false })];
const GROUPED = { groupBy: ["config.optim.name"] };

describe("firstGroupedRequest", () => {
  it("asks for the first panel of the first section (keys sorted, as PanelGrid lays them out)", () => {
    expect(firstGroupedRequest(GROUPED, KEYS, "")).toEqual({
      by: ["config.optim.name"],
      keys: ["acc"],
      agg: "mean",
      band: "std",
      x: "_step",
      filters: undefined,
    });
  });

  it("follows the saved aggregate, band, x-axis and hidden runs", () => {
    const doc = { ...GROUPED, groupAgg: "median", groupBand: "minmax", xAxis: "_runtime", hiddenRuns: ["b", "a", "b"] };
    expect(firstGroupedRequest(doc, KEYS, "")).toMatchObject({
      agg: "median",
      band: "minmax",
      x: "_runtime",
      filters: JSON.stringify({ name: { $nin: ["a", "b"] } }),
    });
    expect(firstGroupedRequest({ ...GROUPED, panels: { acc: { x: "_wall" } } }, KEYS, "")?.x).toBe("_wall");
    expect(firstGroupedRequest(GROUPED, [key("acc", { step_metric: "epoch" } as Partial<MetricKey>)], "")?.x).toBe("epoch");
  });

  it("predicts nothing when the workspace does not group or nothing is drawn", () => {
    expect(firstGroupedRequest({}, KEYS, "")).toBeNull();
    expect(firstGroupedRequest(null, KEYS, "")).toBeNull();
    expect(firstGroupedRequest(GROUPED, [key("_runtime")], "")).toBeNull();
  });

  it.each([
    ["a view in the URL", {}, "?filter=x"],
    ["a custom section", { customSections: ["mine"] }, ""],
    ["a custom panel", { customPanels: [{ id: "p1", section: "Charts", metrics: "acc" }] }, ""],
    ["a hidden panel", { hiddenPanels: ["acc"] }, ""],
    ["a moved panel", { panelSections: { acc: "val" } }, ""],
    ["reordered panels", { panelOrder: { Charts: ["loss", "acc"] } }, ""],
    ["reordered sections", { sectionOrder: ["val", "Charts"] }, ""],
    ["the first section collapsed", { collapsedSections: ["Charts"] }, ""],
  ])("predicts nothing with %s", (_what, extra, search) => {
    expect(firstGroupedRequest({ ...GROUPED, ...extra }, KEYS, search)).toBeNull();
  });
});
