import { describe, expect, it } from "vitest";
import { formatX, resolveXAxis, xAxisLabel } from "./xAxis";

const key = { key: "val/loss", numeric: true, step_metric: "epoch", hidden: false };

describe("resolveXAxis", () => {
  it("prefers the panel, then the workspace, then step_metric, then Step", () => {
    expect(resolveXAxis("_runtime", "_wall", key)).toBe("_runtime");
    expect(resolveXAxis("default", "_wall", key)).toBe("_wall");
    expect(resolveXAxis(undefined, "default", key)).toBe("epoch");
    expect(resolveXAxis(undefined, undefined, { ...key, step_metric: null })).toBe("_step");
  });

  it("labels axes like W&B", () => {
    expect(xAxisLabel("_runtime")).toBe("Relative Time (Process)");
    expect(xAxisLabel("_wall")).toBe("Relative Time (Wall)");
    expect(xAxisLabel("_timestamp")).toBe("Wall Time");
    expect(xAxisLabel("epoch")).toBe("epoch");
  });

  it("formats x values", () => {    expect(formatX("_step", 10)).toBe("10");
    expect(formatX("_runtime", 90)).toBe("1m 30s");
  });
});
