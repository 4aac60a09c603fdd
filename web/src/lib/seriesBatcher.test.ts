import { describe, expect, it } from "vitest";
import type { SeriesParams } from "../api/client";
import type { Series, SeriesResponse } from "../api/types";
import { MAX_POINTS, createSeriesBatcher } from "./seriesBatcher";

function fakeServer() {
  const calls: SeriesParams[] = [];
  const fetcher = async (params: SeriesParams): Promise<SeriesResponse> => {
    calls.push(params);
    const series: Series[] = params.runs.flatMap((run) =>
      params.keys.map((key) => ({ run, key, x: [params.xmin ?? 0], y: [1], raw_points: 1, returned: 1, reduced: false })),
    );
    return { x: params.x, series };
  };
  return { calls, fetcher };
}

describe("createSeriesBatcher", () => {
  it("sends one request for panels asking together", async () => {
    const { calls, fetcher } = fakeServer();
    const load = createSeriesBatcher(fetcher, 0);
    const [loss, acc] = await Promise.all([
      load({ runs: ["a", "b"], key: "loss", x: "_step", points: 500 }),
      load({ runs: ["b", "a"], key: "acc", x: "_step", points: 500 }),
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0].keys).toEqual(["loss", "acc"]);
    expect(loss.map((s) => [s.run, s.key])).toEqual([
      ["a", "loss"],
      ["b", "loss"],
    ]);
    expect(acc.every((s) => s.key === "acc")).toBe(true);
  });

  it("keeps different ranges and x-axes apart", async () => {
    const { calls, fetcher } = fakeServer();
    const load = createSeriesBatcher(fetcher, 0);
    await Promise.all([
      load({ runs: ["a"], key: "loss", x: "_step", points: 500 }),
      load({ runs: ["a"], key: "loss", x: "_step", xmin: 1, xmax: 5, points: 500 }),
      load({ runs: ["a"], key: "loss", x: "_runtime", points: 500 }),
    ]);
    expect(calls).toHaveLength(3);
    expect(calls[1]).toMatchObject({ xmin: 1, xmax: 5 });
  });

  it("merges tails with the smallest xmin", async () => {
    const { calls, fetcher } = fakeServer();
    const load = createSeriesBatcher(fetcher, 0);
    await Promise.all([
      load({ runs: ["a"], key: "loss", x: "_step", xmin: 40, points: 500, tail: true }),
      load({ runs: ["a"], key: "val/loss", x: "_step", xmin: 20, points: 500, tail: true }),
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0].xmin).toBe(20);
  });

  it("keeps runs x keys x points per request within the bound", async () => {
    const { calls, fetcher } = fakeServer();
    const load = createSeriesBatcher(fetcher, 0);
    const runs = Array.from({ length: 1000 }, (_, i) => `r${i}`);
    // 1,000 runs x 1,000 points: one request per 2 keys.
    await Promise.all(Array.from({ length: 5 }, (_, i) => load({ runs, key: `k${i}`, x: "_step", points: 1000 })));
    expect(calls.map((c) => c.keys.length)).toEqual([2, 2, 1]);
    expect(calls.every((c) => c.runs.length * c.keys.length * (c.points ?? 0) <= MAX_POINTS)).toBe(true);
    // More runs than one request holds at this many points: the runs are split.
    calls.length = 0;
    const many = Array.from({ length: 5000 }, (_, i) => `r${i}`);
    const got = await load({ runs: many, key: "loss", x: "_step", points: 1000 });
    expect(calls.map((c) => c.runs.length)).toEqual([2000, 2000, 1000]);
    expect(got).toHaveLength(5000);
  });

  it("splits more than 50 keys and rejects every waiter on error", async () => {
    const { calls, fetcher } = fakeServer();
    const load = createSeriesBatcher(fetcher, 0);
    await Promise.all(Array.from({ length: 60 }, (_, i) => load({ runs: ["a"], key: `k${i}`, x: "_step", points: 10 })));
    expect(calls.map((c) => c.keys.length)).toEqual([50, 10]);

    const failing = createSeriesBatcher(async () => {
      throw new Error("boom");
    }, 0);
    await expect(failing({ runs: ["a"], key: "k", x: "_step", points: 10 })).rejects.toThrow("boom");
    expect(await failing({ runs: [], key: "k", x: "_step", points: 10 })).toEqual([]);
  });
});
