import { describe, expect, it } from "vitest";
import type { MetricKey } from "../api/types";
import { firstGroupedRequest, firstSeriesRequest } from "./earlyGroups";
import type { Run } from "../api/types";

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

const run = (id: string, created: number): Run => ({ id, name: id, created_at: created, state: "finished", config: {}, summary: {} }) as unknown as Run;
/** The first page as the server lists it: newest first. */
const PAGE = Array.from({ length: 30 }, (_, i) => run(`r${29 - i}`, 1000 + 29 - i));
const KEYS3 = [key("c"), key("a"), key("b"), key("d"), key("val/x"), key("_runtime")];

describe("firstSeriesRequest", () => {
  it("asks for the first section's first three keys of the newest runs drawn", () => {
    expect(firstSeriesRequest({}, KEYS3, PAGE, "")).toEqual({
      runs: PAGE.slice(0, 20).map((r) => r.id),
      keys: ["a", "b", "c"],
      x: "_step",
      points: 1000,
    });
  });

  it("follows the saved sort, hidden runs, runs drawn and x-axes", () => {
    const doc = { sort: [{ id: "run:created_at", desc: false }], hiddenRuns: ["r0"], maxRuns: 5 };
    expect(firstSeriesRequest(doc, KEYS3, PAGE, "")?.runs).toEqual(["r1", "r2", "r3", "r4", "r5"]);
    expect(firstSeriesRequest({ xAxis: "_runtime" }, KEYS3, PAGE, "")?.x).toBe("_runtime");
    // a panel on another x-axis is asked by its panel (another request)
    expect(firstSeriesRequest({ panels: { b: { x: "_wall" } } }, KEYS3, PAGE, "")?.keys).toEqual(["a", "c"]);
  });

  it.each([
    ["a view in the URL", {}, "?x=_step"],
    ["grouping", GROUPED, ""],
    ["a moved panel", { panelSections: { a: "val" } }, ""],
    ["the first section collapsed", { collapsedSections: ["Charts"] }, ""],
    ["density panels (200 runs drawn or more)", { maxRuns: 200 }, ""],
  ])("predicts nothing with %s", (_what, doc, search) => {
    const many = Array.from({ length: 250 }, (_, i) => run(`r${i}`, 5000 - i));
    expect(firstSeriesRequest(doc, KEYS3, many, search)).toBeNull();
  });

  it("predicts nothing without runs or metrics", () => {
    expect(firstSeriesRequest({}, KEYS3, [], "")).toBeNull();
    expect(firstSeriesRequest({}, [key("_runtime")], PAGE, "")).toBeNull();
  });
});
