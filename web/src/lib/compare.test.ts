import { describe, expect, it } from "vitest";
import { compareRows, delta, formatDelta, valuesDiffer } from "./compare";
import { makeRun } from "./testRuns";

const a = makeRun("a", { config: { lr: 0.1, opt: { name: "adam", wd: 0 }, seed: 1, _wandb: { x: 1 } }, summary: { loss: 0.2, acc: 0.9 }, metadata: { python: "3.12", host: "h1" } });
const b = makeRun("b", { config: { lr: 0.1, opt: { name: "sgd", wd: 0 }, seed: 2, extra: [1, 2] }, summary: { loss: 0.3, acc: 0.9 }, metadata: { python: "3.12", host: "h2" } });

describe("compareRows", () => {
  it("lists every key per section, flagging the differing ones", () => {
    const rows = compareRows([a, b]);
    expect(rows.map((r) => `${r.section}:${r.key}:${r.differs}`)).toEqual([
      "config:extra:true",
      "config:lr:false",
      "config:opt.name:true",
      "config:opt.wd:false",
      "config:seed:true",
      "summary:acc:false",
      "summary:loss:true",
      "metadata:host:true",
      "metadata:python:false",
    ]);
    expect(rows[0].values).toEqual([undefined, [1, 2]]);
  });

  it("keeps only the differences when asked", () => {
    expect(compareRows([a, b], true).map((r) => r.key)).toEqual(["extra", "opt.name", "seed", "loss", "host"]);
    expect(compareRows([a], true)).toEqual([]);
  });

  it("compares values structurally", () => {
    expect(valuesDiffer([{ x: 1, y: 2 }, { y: 2, x: 1 }])).toBe(false);
    expect(valuesDiffer([1, "1"])).toBe(true);
    expect(valuesDiffer([null, undefined])).toBe(true);
  });
});

describe("delta", () => {
  it("subtracts numbers only", () => {
    expect(delta(0.3, 0.2)).toBeCloseTo(0.1);
    expect(delta("x", 1)).toBeNull();
    expect(delta(1, undefined)).toBeNull();
    expect(formatDelta(0.1 + 0.2 - 0.2)).toBe("+0.1");
    expect(formatDelta(-2)).toBe("−2");
    expect(formatDelta(0)).toBe("±0");
    expect(formatDelta(0.00001234)).toBe("+1.23e-5");
  });
});
