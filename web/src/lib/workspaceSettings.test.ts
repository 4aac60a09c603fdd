import { describe, expect, it } from "vitest";
import {
  DEFAULT_SETTINGS,
  pinColumn,
  readSettings,
  setChart,
  setKeyColors,
  setRunColor,
  showColumn,
  showOnly,
  toggle,
  writeSettings,
} from "./workspaceSettings";

describe("readSettings", () => {
  it("gives defaults for an empty document", () => {
    expect(readSettings({})).toEqual({ settings: DEFAULT_SETTINGS, extra: {} });
    expect(readSettings(undefined).settings).toEqual(DEFAULT_SETTINGS);
  });

  it("validates each field and keeps unknown keys", () => {
    const { settings, extra } = readSettings({
      pinned: ["summary:loss.min", 3, "summary:loss.min"],
      smoothing: 7,
      logY: "yes",
      panels: { loss: { x: "_runtime", logY: true, junk: 1 }, bad: 3 },
      sort: [{ id: "config:lr", desc: true }, "x"],
      maxRuns: 0,
      keyColors: { key: "acc", buckets: 4 },
      runColors: { a: "#aabbcc", b: "url(javascript:1)", c: 3 },
      futureThing: { x: 1 },
      systemOpen: "yes",
    });
    expect(settings.systemOpen).toBe(false);
    expect(settings.pinned).toEqual(["summary:loss.min"]);
    expect(settings.smoothing).toEqual({ kind: "ema", amount: 0.99 });
    expect(settings.logY).toBe(false);
    expect(settings.panels).toEqual({ loss: { x: "_runtime", logY: true } });
    expect(settings.sort).toEqual([{ id: "config:lr", desc: true }]);
    expect(settings.maxRuns).toBe(1);
    expect(settings.keyColors).toEqual({ ...DEFAULT_SETTINGS.keyColors, key: "acc", buckets: 4 });
    expect(settings.runColors).toEqual({ a: "#aabbcc" });
    expect(extra).toEqual({ futureThing: { x: 1 } });
  });

  it("round-trips through writeSettings", () => {
    const stored = readSettings({
      hiddenRuns: ["a"],
      xAxis: "_wall",
      other: [1],
      keyColors: { enabled: true, key: "config:lr", y: "max", buckets: 6, palette: "magma" },
      runColors: { a: "#123456" },
      systemOpen: true,
    });
    expect(stored.settings.systemOpen).toBe(true);
    const doc = writeSettings(stored);
    expect(doc.other).toEqual([1]);
    expect(readSettings(doc)).toEqual(stored);
  });
});

describe("edits", () => {
  it("toggles list membership", () => {
    expect(toggle(["a"], "b")).toEqual(["a", "b"]);
    expect(toggle(["a", "b"], "a")).toEqual(["b"]);
    const list = ["a"];
    expect(toggle(list, "a", true)).toBe(list);
  });

  it("pins (and shows) and hides (and unpins) columns", () => {
    const pinned = pinColumn(DEFAULT_SETTINGS, "summary:acc.max", true);
    expect(pinned.pinned).toEqual(["summary:acc.max"]);
    expect(pinned.columns).toContain("summary:acc.max");
    const hidden = showColumn(pinned, "summary:acc.max", false);
    expect(hidden.pinned).toEqual([]);
    expect(hidden.columns).not.toContain("summary:acc.max");
  });

  it("sets and clears picked run colours, and edits key-based colours", () => {
    const picked = setRunColor(DEFAULT_SETTINGS, "a", "#ff0000");
    expect(picked.runColors).toEqual({ a: "#ff0000" });
    expect(setRunColor(picked, "a", null).runColors).toEqual({});
    expect(setRunColor(picked, "b", "not a colour!").runColors).toEqual({ a: "#ff0000" });
    const on = setKeyColors(DEFAULT_SETTINGS, { enabled: true, key: "acc" });
    expect(on.keyColors).toEqual({ ...DEFAULT_SETTINGS.keyColors, enabled: true, key: "acc" });
  });

  it("hides everything outside the chosen set", () => {
    expect(showOnly(["a", "b", "c"], ["b"])).toEqual(["a", "c"]);
  });
});

describe("chart settings", () => {
  it("keeps valid chart overrides through a round trip and drops broken ones", () => {
    const { settings } = readSettings({
      charts: {
        roc: { preset: "me/my_roc", fields: { x: "fpr", y: "tpr", stroke: null, bad: 3 }, strings: { title: "ROC" } },
        broken: { preset: "" },
        worse: "x",
      },
    });
    expect(settings.charts).toEqual({
      roc: { preset: "me/my_roc", fields: { x: "fpr", y: "tpr", stroke: null }, strings: { title: "ROC" } },
    });
    expect(readSettings(writeSettings({ settings, extra: {} })).settings.charts).toEqual(settings.charts);
  });

  it("sets and clears a chart's override", () => {
    const set = setChart(DEFAULT_SETTINGS, "pr", { preset: "me/pr", fields: {}, strings: {} });
    expect(set.charts.pr.preset).toBe("me/pr");
    expect(setChart(set, "pr", null).charts).toEqual({});
  });
});
