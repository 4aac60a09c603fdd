import { describe, expect, it, vi } from "vitest";
import type { PublishedChart } from "./chartRegistry";

// a fresh module state per test: the first draw is once per page
async function fresh() {
  vi.resetModules();
  return { ...(await import("./firstDraw")), registry: await import("./chartRegistry") };
}

const chart = (points: [number, number][]): Omit<PublishedChart, "draws"> => ({
  key: "loss",
  xKey: "_step",
  series: [{ run: "a", label: "a", color: "#000", points }],
  zoom: null,
  logY: false,
  smoothing: 0,
  reduced: false,
  rawPoints: points.length,
});

describe("afterFirstDraw", () => {
  it("waits for a chart with points, not an empty one", async () => {
    (globalThis as { window?: object }).window = {};
    try {
      const { afterFirstDraw, firstDrawDone, registry } = await fresh();
      let done = false;
      const waiting = afterFirstDraw(60_000).then(() => (done = true));
      registry.publishChart(chart([]));
      await Promise.resolve();
      expect(done).toBe(false);
      expect(firstDrawDone()).toBe(false);
      registry.publishChart(chart([[0, 1]]));
      await waiting;
      expect(firstDrawDone()).toBe(true);
      await afterFirstDraw(60_000); // at once from now on
    } finally {
      delete (globalThis as { window?: object }).window;
    }
  });

  it("gives up waiting after maxMs", async () => {
    vi.useFakeTimers();
    try {
      const { afterFirstDraw, firstDrawDone } = await fresh();
      let done = false;
      void afterFirstDraw(1500).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(1499);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(done).toBe(true);
      expect(firstDrawDone()).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it("stops waiting when told no chart will draw first", async () => {
    const { afterFirstDraw, skipFirstDraw } = await fresh();
    const waiting = afterFirstDraw(60_000);
    skipFirstDraw();
    await waiting;
  });
});
