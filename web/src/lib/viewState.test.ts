import { describe, expect, it } from "vitest";
import { parseViewState, viewSearch, withViewState } from "./viewState";
import { DEFAULT_SETTINGS } from "./workspaceSettings";

describe("viewState", () => {
  it("round-trips every part of a view through the query string", () => {
    const state = {
      view: "lr sweep",
      filter: { search: "lr-", state: "finished", text: "config.lr > 0.01" },
      groupBy: ["config.optimizer"],
      xAxis: "_runtime",
      zoom: { xmin: 10, xmax: 42.5 },
      panelZoom: { "val/acc": { xmin: 1, xmax: 3 } },
      syncZoom: true,
      hiddenRuns: ["a", "b"],
      selected: ["c"],
    };
    expect(parseViewState(viewSearch(state))).toEqual(state);
  });
  it("an empty list is 'none', an absent one is 'keep'", () => {
    expect(parseViewState("?group=&hide=")).toEqual({ groupBy: [], hiddenRuns: [] });
    expect(parseViewState("")).toEqual({});
    expect(viewSearch({})).toBe("");
    expect(viewSearch({ groupBy: [] })).toBe("?group=");
  });
  it("drops a bad zoom", () => {
    expect(parseViewState("?zoom=5,1").zoom).toBeNull();
    expect(parseViewState("?zoom=a,b").zoom).toBeNull();
    expect(parseViewState("?pzoom=loss:x").panelZoom).toBeUndefined();
  });
  it("lays the URL over the settings", () => {
    const s = withViewState(DEFAULT_SETTINGS, { groupBy: ["config.lr"], xAxis: "epoch", hiddenRuns: ["r1"] });
    expect(s.groupBy).toEqual(["config.lr"]);
    expect(s.xAxis).toBe("epoch");
    expect(s.hiddenRuns).toEqual(["r1"]);
    expect(withViewState(DEFAULT_SETTINGS, { xAxis: DEFAULT_SETTINGS.xAxis })).toBe(DEFAULT_SETTINGS);
  });
});
