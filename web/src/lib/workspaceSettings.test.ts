import { describe, expect, it } from "vitest";
import {
  DEFAULT_SETTINGS,
  pinColumn,
  readSettings,
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
    });
    expect(settings.pinned).toEqual(["summary:loss.min"]);
    expect(settings.smoothing).toBe(0.99);
    expect(settings.logY).toBe(false);
    expect(settings.panels).toEqual({ loss: { x: "_runtime", logY: true } });
    expect(settings.sort).toEqual([{ id: "config:lr", desc: true }]);
    expect(settings.maxRuns).toBe(1);
    expect(extra).toEqual({ keyColors: { key: "acc", buckets: 4 } });
  });

  it("round-trips through writeSettings", () => {
    const stored = readSettings({ hiddenRuns: ["a"], xAxis: "_wall", other: [1] });
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

  it("hides everything outside the chosen set", () => {
    expect(showOnly(["a", "b", "c"], ["b"])).toEqual(["a", "c"]);
  });
});
