import { describe, expect, it } from "vitest";
import { parseRoute, runUrl, workspaceUrl } from "./route";

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
    });
  });

  it("decodes escaped names and round-trips the builders", () => {
    expect(parseRoute(workspaceUrl("a b", "c/d"))).toEqual({ page: "workspace", entity: "a b", project: "c/d" });
    expect(parseRoute(runUrl("e", "p", "x%y"))).toMatchObject({ page: "run", runId: "x%y" });
  });

  it("rejects anything else", () => {
    expect(parseRoute("/me").page).toBe("not-found");
    expect(parseRoute("/me/demo/files/abc").page).toBe("not-found");
    expect(parseRoute("/me/demo/runs/abc/more").page).toBe("not-found");
    expect(parseRoute("/%E0%A4%A/x").page).toBe("not-found");
  });
});
