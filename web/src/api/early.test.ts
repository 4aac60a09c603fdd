// index.html's inline script asks for exactly the GETs the workspace's hooks make first,
// and request() adopts each of those responses once (api/early.ts).
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import indexHtml from "../../index.html?raw";
import { FIRST_PAGE } from "../hooks/useLiveRuns";
import { fetchSeries, getWorkspace, listKeys, listProjects, listRuns, login } from "./client";
import { EARLY_MAX_AGE_MS, type EarlyRequests, startEarly } from "./early";

const inline = /<script>([\s\S]*?)<\/script>/.exec(indexHtml)?.[1] ?? "";

type Fake = { __runyardEarly?: { at: number; responses: Record<string, Promise<Response>> } };

/** Runs index.html's inline script at `pathname`; the URLs it fetched. */
function runInline(pathname: string): { urls: string[]; win: Fake } {
  const urls: string[] = [];
  const win: Fake & { fetch: unknown } = { fetch: () => undefined };
  const fetch = (url: string) => {
    urls.push(url);
    return Promise.resolve(new Response("{}"));
  };
  new Function("window", "location", "fetch", inline)(win, { pathname }, fetch);
  return { urls, win };
}

describe("index.html's early requests", () => {
  it("has the script", () => {
    expect(inline).toContain("__runyardEarly");
  });

  it("asks a workspace URL for its settings, first page of runs and keys", () => {
    const { urls, win } = runInline("/my%20team/proj.x");
    const base = "/api/v1/projects/my%20team/proj.x";
    expect(urls).toEqual([`${base}/workspace`, `${base}/runs?limit=${FIRST_PAGE}&offset=0`, `${base}/keys`]);
    expect(Object.keys(win.__runyardEarly?.responses ?? {})).toEqual(urls);
  });

  it("parses copies of the settings, runs and keys for src/earlyGroups.ts", async () => {
    const { win } = runInline("/e/p");
    const early = win.__runyardEarly as Fake["__runyardEarly"] & { bodies: Record<string, Promise<unknown>>; entity: string; project: string };
    const base = "/api/v1/projects/e/p";
    expect(Object.keys(early.bodies)).toEqual([`${base}/workspace`, `${base}/runs?limit=${FIRST_PAGE}&offset=0`, `${base}/keys`]);
    expect([early.entity, early.project]).toEqual(["e", "p"]);
    // the copy parsed, and the original can still be read
    expect(await early.bodies[`${base}/keys`]).toEqual({});
    const original = await early.responses[`${base}/keys`];
    expect(await original.text()).toBe("{}");
  });

  it("encodes what the path decodes to, as the app's client does", () => {
    expect(runInline("/a%2Fb/c%3Fd").urls[0]).toBe("/api/v1/projects/a%2Fb/c%3Fd/workspace");
  });

  it.each(["/", "/e", "/e/p/runs/r1", "/e/model-registry", "/e/p/artifacts", "/%E0%A4%A/p"])("asks nothing at %s", (path) => {
    const { urls, win } = runInline(path);
    expect(urls).toEqual([]);
    expect(win.__runyardEarly).toBeUndefined();
  });
});

describe("request() adopts an early response", () => {
  const fetched: string[] = [];
  const g = globalThis as unknown as { window?: Fake; fetch: typeof fetch };
  const realFetch = g.fetch;

  beforeEach(() => {
    fetched.length = 0;
    g.fetch = vi.fn(async (url: string | URL | Request) => {
      fetched.push(String(url));
      return new Response(JSON.stringify({ keys: [], settings: {}, runs: [], total: 0, now: 1, projects: [] }));
    }) as typeof fetch;
  });
  afterEach(() => {
    g.fetch = realFetch;
    delete g.window;
  });

  it("makes the same requests the inline script makes", async () => {
    await getWorkspace("my team", "proj.x");
    await listRuns("my team", "proj.x", { limit: FIRST_PAGE, offset: 0 });
    await listKeys("my team", "proj.x");
    expect(fetched).toEqual(runInline("/my%20team/proj.x").urls);
  });

  it("uses each early response once, then fetches", async () => {
    const early = runInline("/e/p").win;
    early.__runyardEarly!.responses["/api/v1/projects/e/p/keys"] = Promise.resolve(new Response(JSON.stringify({ keys: [{ key: "early" }] })));
    g.window = early;
    const first = await listKeys("e", "p");
    expect(first.keys).toEqual([{ key: "early" }]);
    expect(fetched).toEqual([]);
    await listKeys("e", "p");
    expect(fetched).toEqual(["/api/v1/projects/e/p/keys"]);
    await listProjects();
    expect(fetched).toEqual(["/api/v1/projects/e/p/keys", "/api/v1/projects"]);
  });

  it("fetches afresh when the early response is old or failed", async () => {
    const early = runInline("/e/p").win;
    g.window = early;
    early.__runyardEarly!.at = Date.now() - EARLY_MAX_AGE_MS - 1000;
    await listKeys("e", "p");
    expect(fetched).toEqual(["/api/v1/projects/e/p/keys"]);
    early.__runyardEarly!.at = Date.now();
    early.__runyardEarly!.responses["/api/v1/projects/e/p/workspace"] = Promise.reject(new TypeError("network"));
    await getWorkspace("e", "p");
    expect(fetched).toEqual(["/api/v1/projects/e/p/keys", "/api/v1/projects/e/p/workspace"]);
  });

  it("asks again what answered 401 early (a login may have happened since)", async () => {
    const early = runInline("/e/p").win;
    early.__runyardEarly!.responses["/api/v1/projects/e/p/keys"] = Promise.resolve(new Response('{"detail":"log in"}', { status: 401 }));
    g.window = early;
    expect((await listKeys("e", "p")).keys).toEqual([]);
    expect(fetched).toEqual(["/api/v1/projects/e/p/keys"]);
  });

  it("forgets every early response after a 401 and after a login", async () => {
    g.window = runInline("/e/p").win;
    g.fetch = vi.fn(async () => new Response('{"detail":"log in"}', { status: 401 })) as typeof fetch;
    await expect(listProjects()).rejects.toThrow(/401/);
    expect(g.window.__runyardEarly).toBeUndefined();
    g.window = runInline("/e/p").win;
    g.fetch = vi.fn(async () => new Response('{"auth":true,"user":{"username":"a"},"csrf_token":"t"}')) as typeof fetch;
    await login("a", "pw");
    expect(g.window.__runyardEarly).toBeUndefined();
  });

  it("starts a later early request for the app to adopt, unless the app asked first", async () => {
    g.window = runInline("/e/p").win;
    expect(startEarly("/api/v1/projects/e/p/groups?by=x&keys=acc")).toBe(true);
    expect(fetched).toEqual(["/api/v1/projects/e/p/groups?by=x&keys=acc"]);
    expect(startEarly("/api/v1/projects/e/p/groups?by=x&keys=acc")).toBe(false); // once
    await listProjects(); // the app asked for something not started early: noted
    expect(startEarly("/api/v1/projects")).toBe(false);
    expect(fetched).toEqual(["/api/v1/projects/e/p/groups?by=x&keys=acc", "/api/v1/projects"]);
    g.window.__runyardEarly!.at = Date.now() - EARLY_MAX_AGE_MS - 1;
    expect(startEarly("/api/v1/projects/e/p/groups?by=y")).toBe(false); // too late
  });

  it("throws when the caller gave up meanwhile", async () => {
    g.window = runInline("/e/p").win;
    const controller = new AbortController();
    controller.abort();
    await expect(listKeys("e", "p", undefined, controller.signal)).rejects.toThrow();
    expect(fetched).toEqual([]);
  });
});

/** A binary /series body (lib/seriesBinary.ts's layout) of 2 points per (run, key). */
function seriesBody(pairs: [string, string][]): Response {
  const series = pairs.map(([run, key], i) => ({ run, key, raw_points: 2, returned: 2, reduced: false, offset: i * 64, x_type: "f8" }));
  let header = JSON.stringify({ x: "_step", series });
  header += " ".repeat((8 - ((8 + header.length) % 8)) % 8);
  const head = new TextEncoder().encode(header);
  const buffer = new ArrayBuffer(8 + head.length + pairs.length * 64);
  new Uint8Array(buffer).set(new TextEncoder().encode("RYS1"));
  new DataView(buffer).setUint32(4, head.length, true);
  new Uint8Array(buffer).set(head, 8);
  pairs.forEach((_pair, i) => new Float64Array(buffer, 8 + head.length + i * 64, 8).set([0, 1, i, i, i, i, i, i]));
  return new Response(buffer, { headers: { "content-type": "application/x-runyard-series" } });
}

describe("fetchSeries adopts the first panels' early /series", () => {
  const fetched: string[] = [];
  const g = globalThis as unknown as { window?: { __runyardEarly?: EarlyRequests }; fetch: typeof fetch };
  const realFetch = g.fetch;
  const base = "/api/v1/projects/e/p";

  beforeEach(() => {
    fetched.length = 0;
    g.fetch = vi.fn(async (url: string | URL | Request) => {
      fetched.push(String(url));
      const q = new URL(String(url), "http://h").searchParams;
      const runs = q.get("runs")!.split(",");
      return seriesBody(q.get("keys")!.split(",").flatMap((key) => runs.map((run) => [run, key] as [string, string])));
    }) as typeof fetch;
    const response = Promise.resolve(seriesBody([["b", "m0"], ["a", "m0"], ["b", "m1"], ["a", "m1"]]));
    g.window = { __runyardEarly: { at: Date.now(), responses: {}, series: [{ base, runs: ["b", "a"], x: "_step", points: 1000, left: ["m0", "m1"], response }] } };
  });
  afterEach(() => {
    g.fetch = realFetch;
    delete g.window;
  });

  const pairs = (body: { series: { run: string; key: string }[] }) => body.series.map((s) => `${s.run}:${s.key}`).sort();

  it("takes the keys it holds (runs in any order) and fetches only the others", async () => {
    const body = await fetchSeries("e", "p", { runs: ["a", "b"], keys: ["m0", "m2"], x: "_step", points: 1000 });
    expect(pairs(body)).toEqual(["a:m0", "a:m2", "b:m0", "b:m2"]);
    expect(fetched).toEqual([`${base}/series?runs=a%2Cb&keys=m2&x=_step&points=1000`]);
    // m1 is still held for the next panel; m0 was taken: asked again, it is fetched
    expect(pairs(await fetchSeries("e", "p", { runs: ["a", "b"], keys: ["m1"], x: "_step", points: 1000 }))).toEqual(["a:m1", "b:m1"]);
    expect(fetched).toHaveLength(1);
    expect(g.window!.__runyardEarly!.series).toEqual([]);
    await fetchSeries("e", "p", { runs: ["a", "b"], keys: ["m0"], x: "_step", points: 1000 });
    expect(fetched).toHaveLength(2);
  });

  it.each([
    ["other runs", { runs: ["a"] }, true],
    ["another x-axis", { x: "_runtime" }, true],
    ["other points", { points: 500 }, true],
    ["another project", { project: "q" }, true],
    ["a range (a zoom: not a first ask)", { xmin: 0 }, undefined],
  ])("fetches what differs: %s", async (_what, change: Record<string, unknown>, missed) => {
    const { project = "p", ...params } = change;
    await fetchSeries("e", project as string, { runs: ["a", "b"], keys: ["m0"], x: "_step", points: 1000, ...params });
    expect(fetched).toHaveLength(1);
    expect(g.window!.__runyardEarly!.series![0].left).toEqual(["m0", "m1"]);
    expect(g.window!.__runyardEarly!.seriesMissed).toBe(missed); // none is started after the app asked
  });

  it("fetches every key when the early request failed", async () => {
    g.window!.__runyardEarly!.series![0].response = Promise.resolve(new Response("no", { status: 500 }));
    const body = await fetchSeries("e", "p", { runs: ["a", "b"], keys: ["m0", "m1"], x: "_step", points: 1000 });
    expect(pairs(body)).toEqual(["a:m0", "a:m1", "b:m0", "b:m1"]);
    expect(fetched).toEqual([`${base}/series?runs=a%2Cb&keys=m0%2Cm1&x=_step&points=1000`]);
  });
});
