import { describe, expect, it } from "vitest";
import type { MetricKey } from "../api/types";
import { groupKeys, sectionOf } from "./keySections";

const key = (name: string, extra: Partial<MetricKey> = {}): MetricKey => ({
  key: name,
  numeric: true,
  step_metric: null,
  hidden: false,
  ...extra,
});

describe("groupKeys", () => {
  it("groups by prefix with Charts first and system last", () => {
    const sections = groupKeys([
      key("system/cpu"),
      key("val/loss"),
      key("loss"),
      key("train/lr"),
      key("acc"),
      key("train/grad/norm"),
    ]);
    expect(sections.map((s) => s.name)).toEqual(["Charts", "train", "val", "system"]);
    expect(sections[0].keys.map((k) => k.key)).toEqual(["acc", "loss"]);
    expect(sections[1].keys.map((k) => k.key)).toEqual(["train/grad/norm", "train/lr"]);
  });

  it("leaves out hidden, non-numeric and internal keys", () => {
    const sections = groupKeys([
      key("a", { hidden: true }),
      key("img", { numeric: false }),
      key("_runtime"),
      key("b"),
    ]);
    expect(sections).toEqual([{ name: "Charts", keys: [key("b")] }]);
  });

  it("treats a leading slash as no prefix", () => {
    expect(sectionOf("/x")).toBe("Charts");
    expect(sectionOf("a/b")).toBe("a");
  });
});
