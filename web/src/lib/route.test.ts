import { describe, expect, it } from "vitest";
import { ARTIFACT_TABS, RUN_TABS, artifactsUrl, parseRoute, registryUrl, runUrl, workspaceUrl } from "./route";

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

describe("artifact and registry routes", () => {
  it("parses the Artifacts page at each depth", () => {
    const base = { page: "artifacts", entity: "e", project: "p" };
    expect(parseRoute("/e/p/artifacts")).toEqual({ ...base, type: null, name: null, version: null, tab: "overview" });
    expect(parseRoute("/e/p/artifacts/dataset/mnist")).toEqual({ ...base, type: "dataset", name: "mnist", version: null, tab: "overview" });
    expect(parseRoute("/e/p/artifacts/dataset/mnist/v2")).toEqual({ ...base, type: "dataset", name: "mnist", version: "v2", tab: "overview" });
    expect(parseRoute("/e/p/artifacts/dataset/mnist/latest/lineage")).toMatchObject({ version: "latest", tab: "lineage" });
    expect(parseRoute("/e/p/artifacts/dataset").page).toBe("not-found");
    expect(parseRoute("/e/p/artifacts/dataset/mnist/v2/nope").page).toBe("not-found");
    expect(parseRoute("/e/p/artifacts/dataset/mnist/v2/files/x").page).toBe("not-found");
  });

  it("round-trips artifact URLs; Overview is the bare version URL", () => {
    expect(artifactsUrl("e", "p")).toBe("/e/p/artifacts");
    expect(artifactsUrl("e", "p", { type: "model", name: "m", version: "v1" })).toBe("/e/p/artifacts/model/m/v1");
    expect(artifactsUrl("e", "p", { type: "model", name: "m", version: "v1", tab: "overview" })).toBe("/e/p/artifacts/model/m/v1");
    for (const tab of ARTIFACT_TABS) {
      const url = artifactsUrl("e 1", "p/q", { type: "a b", name: "n:x", version: "best", tab });
      expect(parseRoute(url)).toEqual({ page: "artifacts", entity: "e 1", project: "p/q", type: "a b", name: "n:x", version: "best", tab });
    }
  });

  it("has the run page's Artifacts tab", () => {
    expect(RUN_TABS).toContain("artifacts");
    expect(parseRoute(runUrl("e", "p", "r", "artifacts"))).toMatchObject({ page: "run", tab: "artifacts" });
  });

  it("parses the registry (the entity's model-registry project)", () => {
    expect(registryUrl("e")).toBe("/e/model-registry");
    expect(parseRoute(registryUrl("e"))).toEqual({ page: "registry", entity: "e", collection: null });
    expect(parseRoute(registryUrl("e", "My Model"))).toEqual({ page: "registry", entity: "e", collection: "My Model" });
    expect(parseRoute("/e/model-registry/artifacts")).toMatchObject({ page: "artifacts", project: "model-registry" });
    expect(parseRoute("/e/model-registry/runs/r")).toMatchObject({ page: "run" });
  });
});
