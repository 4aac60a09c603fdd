import { describe, expect, it } from "vitest";
import type { ChartData } from "./chartData";
import { outlierRange } from "./chartStyle";

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
