import { describe, expect, it } from "vitest";
import golden from "./smoothing.golden.json";
import { type SmoothingKind, ema, emaSmooth, gaussian, isSmoothing, readSmoothing, runningAverage, smoothLine, twema } from "./smoothing";

describe("emaSmooth", () => {
  it("is the identity at weight 0", () => {
    expect(emaSmooth([1, 5, 2], 0)).toEqual([1, 5, 2]);
  });

  it("starts at the first value (debiased) and lags behind a step", () => {
    const out = emaSmooth([0, 0, 10, 10, 10], 0.5) as number[];
    expect(out[0]).toBe(0);
    expect(out[2]).toBeGreaterThan(0);
    expect(out[2]).toBeLessThan(10);
    expect(out[4]).toBeGreaterThan(out[3]);
    expect(emaSmooth([3, 3, 3], 0.9)).toEqual([3, 3, 3].map(() => expect.closeTo(3, 10)));
  });

  it("keeps gaps and skips them", () => {
    const out = emaSmooth([2, null, 2, Number.NaN, 2], 0.6);
    expect(out[1]).toBeNull();
    expect(out[3]).toBeNaN();
    expect(out[4]).toBeCloseTo(2, 10);
  });
});

describe("golden cases made by runyard.metrics.smoothing", () => {
  const cases = golden.cases as { line: string; kind: SmoothingKind; param: number; x: number[]; y: (number | null)[]; want: (number | null)[] }[];

  it("covers every kind", () => {
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(["twema", "ema", "gaussian", "running_average"]));
    expect(cases.length).toBeGreaterThanOrEqual(60);
  });

  for (const c of cases) {
    it(`${c.kind}(${c.param}) on ${c.line} matches Python`, () => {
      const fn: Record<string, () => (number | null)[]> = {
        twema: () => twema(c.x, c.y, c.param),
        ema: () => ema(c.y, c.param),
        gaussian: () => gaussian(c.x, c.y, c.param),
        running_average: () => runningAverage(c.y, c.param),
      };
      const got = fn[c.kind]();
      expect(got.length).toBe(c.want.length);
      got.forEach((v, i) => {
        const want = c.want[i];
        if (want === null) expect(v).toBeNull();
        else expect(v as number).toBeCloseTo(want, 12);
      });
      // the dispatcher agrees wherever the setting smooths at all
      const setting = { kind: c.kind, amount: c.param };
      if (isSmoothing(setting)) expect(smoothLine(setting, c.x, c.y)).toEqual(got);
    });
  }
});

describe("readSmoothing", () => {
  it("reads the old bare EMA weight and validates objects", () => {
    expect(readSmoothing(0.6)).toEqual({ kind: "ema", amount: 0.6 });
    expect(readSmoothing(0)).toEqual({ kind: "twema", amount: 0 });
    expect(readSmoothing({ kind: "twema", amount: 5 })).toEqual({ kind: "twema", amount: 0.99 });
    expect(readSmoothing({ kind: "running_average", amount: 4.6 })).toEqual({ kind: "running_average", amount: 5 });
    expect(readSmoothing({ kind: "bogus", amount: 1 })).toEqual({ kind: "twema", amount: 0 });
    expect(isSmoothing({ kind: "running_average", amount: 1 })).toBe(false);
    expect(isSmoothing({ kind: "none", amount: 0.5 })).toBe(false);
  });
});
