import { describe, expect, it } from "vitest";
import { fitLayout } from "./plotlyLayout";

// What plotly's mpl_to_plotly gives for plt.subplots() with a title (abridged).
const MPL = {
  autosize: false, width: 640, height: 480,
  margin: { b: 52, l: 80, pad: 0, r: 63, t: 57 },
  xaxis: { mirror: "ticks", ticks: "inside", showline: true },
  yaxis: { mirror: "ticks", ticks: "inside", showline: true },
  xaxis2: { mirror: "allticks" },
  title: { text: "t" },
};

describe("fitLayout", () => {
  it("fills the panel: no fixed width, autosize, the panel's height", () => {
    const out = fitLayout(MPL, 260);
    expect(out.width).toBeUndefined();
    expect(out.autosize).toBe(true);
    expect(out.height).toBe(260);
  });

  it("mirrors the axis lines, not unlabelled ticks", () => {
    const out = fitLayout(MPL, 260) as Record<string, { mirror?: unknown; ticks?: unknown }>;
    expect(out.xaxis.mirror).toBe(true);
    expect(out.yaxis.mirror).toBe(true);
    expect(out.xaxis2.mirror).toBe(true);
    expect(out.xaxis.ticks).toBe("inside");
  });

  it("keeps margins modest (the right one small), and leaves other figures' axes alone", () => {
    expect(fitLayout(MPL, 260).margin).toEqual({ b: 48, l: 64, pad: 0, r: 16, t: 40 });
    const plain = fitLayout({ xaxis: { mirror: false } }, 200);
    expect(plain.xaxis).toEqual({ mirror: false });
    expect(plain.margin).toEqual({ l: 40, r: 10, t: 24, b: 30 });
  });
});
