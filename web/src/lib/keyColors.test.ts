import { describe, expect, it } from "vitest";
import type { JsonValue, MetricKey } from "../api/types";
import golden from "./keyColors.golden.json";
import {
  DEFAULT_KEY_COLORS,
  MISSING_COLOR,
  PALETTES,
  type KeyValue,
  assignKeyColors,
  bucketEdges,
  bucketIndex,
  bucketLabels,
  describeKey,
  formatEdge,
  formatEdges,
  keyGroups,
  keyValue,
  ramp,
  readKeyColorSetting,
} from "./keyColors";
import { PALETTE, assignColors, withCustomColors } from "./runColor";

const values = (entries: [string, KeyValue][]) => new Map(entries);

describe("bucketEdges and bucketIndex", () => {
  it("splits [min, max] into equal ranges; boundaries go to the upper bucket", () => {
    const edges = bucketEdges([0, 1, 0.5], 4)!;
    expect(edges).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect([0, 0.25, 0.5, 0.75, 1, 0.2499].map((v) => bucketIndex(v, edges))).toEqual([0, 1, 2, 3, 3, 0]);
  });

  it("gives one range when all values are equal, and none without finite values", () => {
    expect(bucketEdges([2, 2, 2], 5)).toEqual([2, 2]);
    expect(bucketEdges([7], 3)).toEqual([7, 7]);
    expect(bucketEdges([NaN, Infinity, -Infinity], 3)).toBeNull();
    expect(bucketEdges([], 3)).toBeNull();
  });

  it("ignores non-finite values for the range; infinities land in the end buckets", () => {
    const edges = bucketEdges([NaN, -Infinity, 1, 3, Infinity], 2)!;
    expect(edges).toEqual([1, 2, 3]);
    expect(bucketIndex(Infinity, edges)).toBe(1);
    expect(bucketIndex(-Infinity, edges)).toBe(0);
    expect(bucketIndex(NaN, edges)).toBeNull();
  });

  it("handles negative ranges", () => {
    const edges = bucketEdges([-4, -2], 2)!;
    expect(edges).toEqual([-4, -3, -2]);
    expect([-4, -3.0001, -3, -2].map((v) => bucketIndex(v, edges))).toEqual([0, 0, 1, 1]);
  });
});

describe("bucketLabels and formatEdge", () => {
  it("labels like the seed: Min – a, …, z – Max with four significant digits", () => {
    const edges = bucketEdges([0.7434, 0.8604], 6)!;
    expect(bucketLabels(edges)).toEqual([
      "Min – 0.7629",
      "0.7629 – 0.7824",
      "0.7824 – 0.8019",
      "0.8019 – 0.8214",
      "0.8214 – 0.8409",
      "0.8409 – Max",
    ]);
  });

  it("names 2 and 8 buckets", () => {
    expect(bucketLabels([0, 5, 10])).toEqual(["Min – 5", "5 – Max"]);
    const eight = bucketLabels(bucketEdges([0, 8], 8)!);
    expect(eight).toHaveLength(8);
    expect(eight[0]).toBe("Min – 1");
    expect(eight[7]).toBe("7 – Max");
  });

  it("gives the labels of one legend the same decimals, and zero a clean boundary", () => {
    expect(formatEdges([0.8017, 0.83, 0.8583], 0.0283)).toEqual(["0.8017", "0.8300", "0.8583"]);
    expect(formatEdges([1, 2], 1)).toEqual(["1", "2"]);
    expect(bucketEdges([-0.3, 0.5], 8)![3]).toBe(0);
    expect(bucketLabels(bucketEdges([-0.3, 0.5], 8)!)[3]).toBe("0.0 – 0.1");
  });

  it("names a single range by its value", () => {
    expect(bucketLabels([0.5, 0.5])).toEqual(["0.5"]);
  });

  it("keeps integer parts, adds digits the width needs, uses exponents at the extremes", () => {
    expect(formatEdge(1795413116.4, 60)).toBe("1795413116");
    expect(formatEdge(1795413116.45, 0.05)).toBe("1795413116.45");
    expect(formatEdge(-1.58333)).toBe("-1.583");
    expect(formatEdge(12.125)).toBe("12.13"); // ties away from zero
    expect(formatEdge(1.5e-9)).toBe("1.5e-9");
    expect(formatEdge(-2.5e20)).toBe("-2.5e+20");
    expect(formatEdge(-0.00001, 1)).toBe("-0.00001");
  });
});

describe("ramp", () => {
  it("goes from light to dark and gives the middle for one bucket", () => {
    expect(ramp("viridis", 2)).toEqual([PALETTES.viridis[0], PALETTES.viridis[8]]);
    expect(ramp("viridis", 1)).toEqual([PALETTES.viridis[4]]);
    const shades = ramp("magma", 8);
    const lightness = shades.map((c) => parseInt(c.slice(1, 3), 16) + parseInt(c.slice(3, 5), 16) + parseInt(c.slice(5, 7), 16));
    for (let i = 1; i < lightness.length; i++) expect(lightness[i]).toBeLessThan(lightness[i - 1]);
  });
});

describe("assignKeyColors", () => {
  it("colours numbers by bucket and greys runs without a value", () => {
    const out = assignKeyColors(values([["a", 1], ["b", NaN], ["c", 3], ["d", null]]), 2, "viridis");
    expect(out.kind).toBe("numeric");
    expect(out.colors.get("a")).toBe(PALETTES.viridis[0]);
    expect(out.colors.get("c")).toBe(PALETTES.viridis[8]);
    expect(out.colors.get("b")).toBe(MISSING_COLOR);
    expect(out.missing).toEqual(["b", "d"]);
    expect(out.buckets.map((b) => b.runs)).toEqual([["a"], ["c"]]);
  });

  it("puts all-equal values and a single run in one bucket", () => {
    const equal = assignKeyColors(values([["a", 4], ["b", 4]]), 6);
    expect(equal.buckets).toHaveLength(1);
    expect(equal.buckets[0].runs).toEqual(["a", "b"]);
    const single = assignKeyColors(values([["a", -1]]), 2);
    expect(single.buckets.map((b) => b.label)).toEqual(["-1"]);
    expect(single.bucketOf.get("a")).toBe(0);
  });

  it("gives strings and booleans one palette colour per distinct value", () => {
    const out = assignKeyColors(values([["a", "sgd"], ["b", "adam"], ["c", true], ["d", "adam"]]), 3);
    expect(out.kind).toBe("categorical");
    expect(out.buckets.map((b) => b.label)).toEqual(["true", "adam", "sgd"]);
    expect(out.buckets.map((b) => b.color)).toEqual(PALETTE.slice(0, 3));
    expect(out.colors.get("b")).toBe(out.colors.get("d"));
  });

  it("is empty when no run has a value", () => {
    const out = assignKeyColors(values([["a", null], ["b", Infinity]]), 3);
    expect(out.kind).toBe("empty");
    expect(out.missing).toEqual(["a", "b"]);
  });

  it("clamps the bucket count to 2..8", () => {
    const many = assignKeyColors(values(Array.from({ length: 20 }, (_, i) => [`r${i}`, i] as [string, number])), 30);
    expect(many.buckets).toHaveLength(8);
    expect(assignKeyColors(values([["a", 0], ["b", 1]]), 1).buckets).toHaveLength(2);
  });
});

describe("the setting and the key picker", () => {
  it("reads the saved setting leniently", () => {
    expect(readKeyColorSetting(undefined)).toEqual(DEFAULT_KEY_COLORS);
    expect(readKeyColorSetting({ enabled: true, key: "acc", y: "max", buckets: 12, palette: "nope" })).toEqual({
      enabled: true,
      key: "acc",
      y: "max",
      buckets: 8,
      palette: "viridis",
    });
    expect(readKeyColorSetting({ y: "median", buckets: "3" }).y).toBe("latest");
  });

  it("groups and filters keys", () => {
    const metrics: MetricKey[] = [
      { key: "acc", numeric: true, step_metric: null, hidden: false },
      { key: "loss", numeric: true, step_metric: null, hidden: false },
      { key: "secret", numeric: true, step_metric: null, hidden: true },
      { key: "text", numeric: false, step_metric: null, hidden: false },
    ];
    const groups = keyGroups(metrics, ["learning_rate", "optimizer"]);
    expect(groups.map((g) => g.name)).toEqual(["Metrics", "Config", "Default metrics"]);
    expect(groups[0].options.map((o) => o.value)).toEqual(["acc", "loss"]);
    expect(groups[1].options.map((o) => o.value)).toEqual(["config:learning_rate", "config:optimizer"]);
    expect(groups[2].options.map((o) => o.label)).toEqual([
      "Relative Time (Process)",
      "Relative Time (Wall)",
      "Wall Time",
      "Step",
    ]);
    const found = keyGroups(metrics, ["learning_rate"], "WALL");
    expect(found.map((g) => g.options.map((o) => o.value))).toEqual([["_wall", "_timestamp"]]);
    expect(keyGroups(metrics, ["learning_rate"], "rate")[0].options[0].value).toBe("config:learning_rate");
  });

  it("describes keys", () => {
    expect(describeKey({ key: "acc", y: "max" })).toBe("acc (Max)");
    expect(describeKey({ key: "config:lr", y: "max" })).toBe("lr (config)");
    expect(describeKey({ key: "_wall", y: "latest" })).toBe("Relative Time (Wall) (Latest)");
  });

  it("reads values, including the store's non-finite markers", () => {
    expect([1, "a", true, null, undefined, [1], { $float: "NaN" }].map((v) => keyValue(v as JsonValue))).toEqual([
      1,
      "a",
      true,
      null,
      null,
      null,
      NaN,
    ]);
    expect(keyValue({ $float: "-Infinity" })).toBe(-Infinity);
  });
});

// The same cases the Python side (runyard.metrics.colors) checks: both must agree.
describe("golden cases shared with runyard.metrics.colors", () => {
  for (const c of golden.assign) {
    it(c.name, () => {
      const input = new Map(c.values.map(([run, v]) => [run as string, keyValue(v as JsonValue)] as const));
      const out = assignKeyColors(input, c.buckets, c.palette);
      expect(out.kind).toBe(c.expected.kind);
      expect(out.buckets.map((b) => ({ label: b.label, color: b.color, runs: b.runs, min: b.min, max: b.max }))).toEqual(
        c.expected.buckets,
      );
      expect(Object.fromEntries(out.bucketOf)).toEqual(Object.fromEntries(c.expected.bucket_of));
      expect(out.missing).toEqual(c.expected.missing);
    });
  }

  it("formats edges alike", () => {
    for (const [x, width, digits, text] of golden.format_edge) {
      expect(formatEdge(x as number, width as number, digits as number), String(x)).toBe(text);
    }
    for (const [edges, width, texts] of golden.format_edges) {
      expect(formatEdges(edges as number[], width as number)).toEqual(texts);
    }
  });

  it("builds ramps alike", () => {
    for (const [palette, n, colors] of golden.ramp) expect(ramp(palette as string, n as number)).toEqual(colors);
  });

  it("assigns default and custom run colours alike", () => {
    for (const c of golden.run_colors) {
      const runs = c.runs.map(([id, created, color]) => ({
        id: id as string,
        created_at: created as number,
        color: color as string | null,
      }));
      const custom = c.custom as Record<string, string>;
      expect(Object.fromEntries(withCustomColors(assignColors(runs), custom))).toEqual(c.expected);
    }
  });
});
