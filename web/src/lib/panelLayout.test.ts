import { describe, expect, it } from "vitest";
import type { MetricKey } from "../api/types";
import { movePanel, newPanelId, orderPanels, panelMetrics, readCustomPanels, readLook, shownColumns } from "./panelLayout";

const key = (k: string, numeric = true) => ({ key: k, numeric }) as MetricKey;

describe("panel layout", () => {
  it("reads a media panel's step, heatmap and columns, and copies of media panels", () => {
    expect(readLook({ step: 3, overSteps: true, columns: ["a", "", 2, "a", "b"] })).toEqual({ step: 3, overSteps: true, columns: ["a", "b"] });
    expect(readLook({ step: -1, overSteps: "yes", columns: [] })).toEqual({});
    expect(readLook({ step: 1.5 })).toEqual({});
    expect(readCustomPanels([{ id: "panel-1", metrics: "", section: "media:Media", media: "preds", step: 2 }])).toEqual([
      { id: "panel-1", metrics: "", section: "media:Media", media: "preds", step: 2 },
    ]);
  });
  it("shows the named columns of a table, in its order, or all", () => {
    expect(shownColumns(["id", "label", "score"], ["score", "id"])).toEqual([0, 2]);
    expect(shownColumns(["id", "label"], ["gone"])).toEqual([0, 1]);
    expect(shownColumns(["id", "label"], undefined)).toEqual([0, 1]);
  });
  it("reads a panel's look, dropping bad fields", () => {
    expect(readLook({ title: "Loss", yMin: 0, yMax: "x", legend: false, kind: "area", size: "l", junk: 1, ignoreOutliers: true })).toEqual({
      title: "Loss",
      yMin: 0,
      legend: false,
      kind: "area",
      size: "l",
      ignoreOutliers: true,
    });
    expect(readLook({ kind: "pie", legend: true, size: "m" })).toEqual({});
  });
  it("reads added panels, skipping duplicates and broken ones", () => {
    const panels = readCustomPanels([{ id: "p1", metrics: "loss|acc", section: "Mine", title: "both" }, { id: "p1", metrics: "x" }, { metrics: "y" }, 3]);
    expect(panels).toEqual([{ id: "p1", metrics: "loss|acc", section: "Mine", title: "both" }]);
  });
  it("chooses a panel's metrics by a whole-key regex", () => {
    const keys = [key("train/loss"), key("val/loss"), key("val/loss_ema"), key("text", false)];
    expect(panelMetrics({ metrics: ".*/loss" }, keys).map((k) => k.key)).toEqual(["train/loss", "val/loss"]);
    expect(panelMetrics({ metrics: "" }, keys)).toEqual([]);
  });
  it("orders and moves panels", () => {
    expect(orderPanels(["a", "b", "c"], ["c", "x", "a"])).toEqual(["c", "a", "b"]);
    expect(movePanel(["a", "b", "c"], "c", "a")).toEqual(["c", "a", "b"]);
    expect(movePanel(["a", "b", "c"], "a", null)).toEqual(["b", "c", "a"]);
    expect(newPanelId([{ id: "panel-2" }])).toBe("panel-3");
  });
});

describe("exactKey", () => {
  it("escapes regex characters so a duplicate draws its one metric", async () => {
    const { exactKey } = await import("./panelLayout");
    const keys = [key("a.b(1)"), key("aXb(1)")];
    expect(panelMetrics({ metrics: exactKey("a.b(1)") }, keys).map((k) => k.key)).toEqual(["a.b(1)"]);
  });
});
