import { describe, expect, it } from "vitest";
import type { Run } from "../api/types";
import { columnCatalog, columnValue, compareValues, describeColumn, metricSummaryColumns, parseColumnId, sortRuns, withMetricPins } from "./columns";
import { makeRun } from "./testRuns";

describe("columns", () => {
  const runs = [
    makeRun("a", { config: { lr: 0.1, opt: { name: "adam" } }, summary: { loss: { min: 0.2 }, _step: 9 } }),
    makeRun("b", { config: { lr: 0.01 }, summary: { acc: { max: 0.9 } } }),
  ];

  it("lists run fields, config and summary keys with nested aggregates", () => {
    const ids = columnCatalog(runs).map((c) => c.id);
    expect(ids).toContain("run:state");
    expect(ids).toContain("config:lr");
    expect(ids).toContain("config:opt.name");
    expect(ids).toContain("summary:loss.min");
    expect(ids).toContain("summary:acc.max");
    expect(ids).not.toContain("summary:_step");
    expect(ids.indexOf("config:lr")).toBeLessThan(ids.indexOf("summary:acc.max"));
  });

  it("reads values by column id", () => {
    expect(columnValue(runs[0], "summary:loss.min")).toBe(0.2);
    expect(columnValue(runs[1], "summary:loss.min")).toBeUndefined();
    expect(columnValue(runs[0], "config:opt.name")).toBe("adam");
    expect(columnValue(runs[0], "run:name")).toBe("run-a");
    expect(columnValue(makeRun("z", { name: null }), "run:name")).toBe("z");
    expect(columnValue(runs[0], "run:state")).toBe("finished");
    expect(columnValue(runs[0], "bogus")).toBeUndefined();
  });

  it("describes and parses ids", () => {
    expect(describeColumn("summary:loss.min")).toEqual({
      id: "summary:loss.min",
      source: "summary",
      path: "loss.min",
      label: "loss.min",
    });
    expect(describeColumn("run:created_at").label).toBe("Created");
    expect(parseColumnId("config:a:b")).toEqual({ source: "config", path: "a:b" });
    expect(parseColumnId("nope")).toBeNull();
  });

  it("sorts numbers, then text, blanks last", () => {
    const values = [undefined, "b", 2, null, "a10", 1, "a9"];
    expect([...values].sort(compareValues)).toEqual([1, 2, "a9", "a10", "b", null, undefined]);
  });

  it("sorts runs by columns, blanks last in both directions", () => {
    const many = [
      makeRun("x", { summary: { loss: { min: 0.3 } }, created_at: 1 }),
      makeRun("y", { summary: {}, created_at: 2 }),
      makeRun("z", { summary: { loss: { min: 0.1 } }, created_at: 3 }),
      makeRun("w", { summary: { loss: { min: 0.1 } }, created_at: 4 }),
    ];
    const ids = (sort: { id: string; desc: boolean }[]) => sortRuns(many, sort).map((r) => r.id);
    expect(ids([{ id: "summary:loss.min", desc: false }])).toEqual(["z", "w", "x", "y"]);
    expect(ids([{ id: "summary:loss.min", desc: true }])).toEqual(["x", "z", "w", "y"]);
    expect(ids([{ id: "summary:loss.min", desc: false }, { id: "run:created_at", desc: true }])).toEqual(["w", "z", "x", "y"]);
    expect(ids([])).toEqual(["x", "y", "z", "w"]);
  });
});

describe("define_metric summaries pinned by default", () => {
  const run = (id: string, summary: Run["summary"], metrics: Run["metrics"]): Run => ({ ...makeRun(id, { summary }), metrics });
  const runs = [
    run("a", { loss: { min: 0.1 }, acc: { max: 0.9 }, h: { last: 1 } }, [
      { name: "loss", summary: ["min"] },
      { name: "acc", summary: ["max"] },
      { name: "h", summary: ["last"], hidden: true },
      { name: "val/*", summary: ["min"] },
      { name: "gone", summary: ["mean"] },
    ]),
    run("b", { loss: { min: 0.2 } }, [{ name: "loss", summary: ["min"] }]),
  ];
  const DEFAULTS = ["run:state", "run:runtime"];

  it("lists the summaries the runs define and have, once each", () => {
    expect(metricSummaryColumns(runs)).toEqual(["summary:loss.min", "summary:acc.max"]);
  });

  it("pins them in front of untouched defaults only", () => {
    expect(withMetricPins({ columns: DEFAULTS, pinned: [] }, runs, DEFAULTS)).toEqual({
      columns: ["summary:loss.min", "summary:acc.max", ...DEFAULTS],
      pinned: ["summary:loss.min", "summary:acc.max"],
    });
    const chosen = { columns: ["run:state"], pinned: [] };
    expect(withMetricPins(chosen, runs, DEFAULTS)).toBe(chosen);
    const pinned = { columns: DEFAULTS, pinned: ["run:state"] };
    expect(withMetricPins(pinned, runs, DEFAULTS)).toBe(pinned);
  });
});
