import { describe, expect, it } from "vitest";
import type { ChartData } from "./chartData";
import { CHART_COLORS, METRIC_COLORS, PAGE_COLORS, chartColors, contrast, metricColors, outlierRange, pageColors } from "./chartStyle";

describe("outlierRange", () => {
  it("leaves a one-point spike out of the y range", () => {
    const values: (number | null)[] = Array.from({ length: 100 }, (_, i) => (i === 50 ? 1000 : 1 + (i % 10) / 10));
    const data = { x: values.map((_, i) => i), columns: [{ kind: "line", run: "a", label: "a", color: "#000", values }], bands: [] } as unknown as ChartData;
    const range = outlierRange(data)!;
    expect(range[1]).toBeLessThan(3);
    expect(range[0]).toBeLessThan(1.05);
  });
  it("is null without values", () => {
    expect(outlierRange({ x: [], columns: [], bands: [] } as unknown as ChartData)).toBeNull();
  });
});

describe("theme colours", () => {
  it("keeps every metric colour visible on its theme's panel", () => {
    for (const theme of ["light", "dark"] as const) {
      const panel = PAGE_COLORS[theme].bg;
      for (const color of METRIC_COLORS[theme]) {
        // the yellow of Okabe–Ito is a known weak spot on white (1.2:1); everything else must show
        if (theme === "light" && color === "#f0e442") continue;
        expect(contrast(color, panel), `${theme} ${color}`).toBeGreaterThan(1.9);
      }
    }
    expect(metricColors(true)).not.toContain("#000000");
    expect(metricColors(false)).toEqual(METRIC_COLORS.light);
  });
  it("gives axis text readable contrast on both themes and differs between them", () => {
    for (const theme of ["light", "dark"] as const) {
      expect(contrast(CHART_COLORS[theme].axis, PAGE_COLORS[theme].bg)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(PAGE_COLORS[theme].fg, PAGE_COLORS[theme].bg)).toBeGreaterThanOrEqual(7);
    }
    expect(CHART_COLORS.dark.axis).not.toBe(CHART_COLORS.light.axis);
  });
  it("falls back to the light theme outside a page", () => {
    expect(chartColors()).toEqual(CHART_COLORS.light);
    expect(pageColors(true)).toEqual(PAGE_COLORS.dark);
  });
});
