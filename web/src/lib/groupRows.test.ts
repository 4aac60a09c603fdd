import { describe, expect, it } from "vitest";
import { groupRuns } from "./grouping";
import { aggregate, groupedTableRows } from "./groupRows";
import { makeRun } from "./testRuns";

const runs = [
  makeRun("a", { config: { opt: "adam" }, summary: { loss: 1 } }),
  makeRun("b", { config: { opt: "adam" }, summary: { loss: 3 } }),
  makeRun("c", { config: { opt: "sgd" }, summary: { loss: "n/a" } }),
  makeRun("d", { config: {}, summary: { loss: 5 } }),
];

describe("groupedTableRows", () => {
  it("gives each group its count and aggregates, and its runs when expanded", () => {
    const groups = groupRuns(runs, ["config.opt"]);
    const rows = groupedTableRows(groups, ["summary:loss", "run:runtime"], new Set([groups[0].key]));
    expect(rows.map((r) => (r.kind === "group" ? `group ${r.label} ${r.count}` : `run ${r.run.id}`))).toEqual([
      expect.stringMatching(/^group .*adam.* 2$/),
      "run a",
      "run b",
      expect.stringMatching(/^group .*sgd.* 1$/),
      expect.stringMatching(/^group .* 1$/),
    ]);
    const first = rows[0];
    expect(first.kind === "group" && first.aggregates["summary:loss"]).toEqual({ mean: 2, min: 1, max: 3, n: 2 });
    const sgd = rows[3];
    expect(sgd.kind === "group" && sgd.aggregates["summary:loss"]).toBeUndefined();
  });

  it("skips values that are not finite numbers", () => {
    expect(aggregate(runs, "summary:loss")).toEqual({ mean: 3, min: 1, max: 5, n: 3 });
    expect(aggregate([], "summary:loss")).toBeNull();
  });
});
