import { describe, expect, it } from "vitest";
import { RUN_TABS, parseRoute, runUrl, workspaceUrl } from "./route";

describe("parseRoute", () => {
  it("reads the three pages", () => {
    expect(parseRoute("/")).toEqual({ page: "projects" });
    expect(parseRoute("/me/demo")).toEqual({ page: "workspace", entity: "me", project: "demo" });
    expect(parseRoute("/me/demo/")).toEqual({ page: "workspace", entity: "me", project: "demo" });
    expect(parseRoute("/me/demo/runs/abc")).toEqual({
      page: "run",
      entity: "me",
      project: "demo",
      runId: "abc",
      tab: "charts",
    });
  });

  it("reads a run page's tab from the last segment", () => {
    for (const tab of RUN_TABS) {
      expect(parseRoute(`/me/demo/runs/abc/${tab}`)).toEqual({ page: "run", entity: "me", project: "demo", runId: "abc", tab });
    }
    expect(parseRoute("/me/demo/runs/abc/logs/")).toMatchObject({ tab: "logs" });
  });

  it("decodes escaped names and round-trips the builders", () => {
    expect(parseRoute(workspaceUrl("a b", "c/d"))).toEqual({ page: "workspace", entity: "a b", project: "c/d" });
    expect(parseRoute(runUrl("e", "p", "x%y"))).toMatchObject({ page: "run", runId: "x%y", tab: "charts" });
    for (const tab of RUN_TABS) {
      expect(parseRoute(runUrl("e/1", "p q", "r/s", tab))).toEqual({ page: "run", entity: "e/1", project: "p q", runId: "r/s", tab });
    }
  });

  it("gives the default tab the bare run URL", () => {
    expect(runUrl("e", "p", "r")).toBe("/e/p/runs/r");
    expect(runUrl("e", "p", "r", "charts")).toBe("/e/p/runs/r");
    expect(runUrl("e", "p", "r", "logs")).toBe("/e/p/runs/r/logs");
  });

  it("rejects anything else", () => {
    expect(parseRoute("/me").page).toBe("not-found");
    expect(parseRoute("/me/demo/files/abc").page).toBe("not-found");
    expect(parseRoute("/me/demo/runs/abc/more").page).toBe("not-found");
    expect(parseRoute("/me/demo/runs/abc/logs/more").page).toBe("not-found");
    expect(parseRoute("/%E0%A4%A/x").page).toBe("not-found");
  });
});
