import { describe, expect, it } from "vitest";
import { columnValue } from "../../lib/columns";
import { delta, formatDelta } from "../../lib/compare";
import { formatDuration, formatTimestamp, formatValue } from "../../lib/format";
import { makeRun } from "../../lib/testRuns";
import { cellText, deltaClass, summaryDelta } from "./cells";

const run = makeRun("a", { runtime: 3725, created_at: 1_700_000_000, config: { lr: 0.01, opt: { name: "adam" } }, summary: { loss: 0.25, acc: 0.5, note: "x" } });
const base = makeRun("b", { summary: { loss: 0.5, acc: 0.5, note: "y" } });

describe("cellText", () => {
  it("formats run fields as the table always did", () => {
    expect(cellText(run, "run:runtime")).toBe(formatDuration(3725));
    expect(cellText(run, "run:created_at")).toBe(formatTimestamp(1_700_000_000));
    expect(cellText(run, "run:state")).toBe("finished");
  });

  it("shows config and summary values, nested ones by path", () => {
    for (const id of ["config:lr", "config:opt.name", "summary:loss", "summary:note", "summary:missing"]) {
      expect(cellText(run, id)).toBe(formatValue(columnValue(run, id)));
    }
    expect(cellText(run, "config:opt.name")).toBe("adam");
  });
});

describe("summaryDelta", () => {
  it("is the formatted difference from the baseline", () => {
    expect(summaryDelta(run, base, "summary:loss")).toBe(formatDelta(delta(0.25, 0.5) as number));
    expect(summaryDelta(run, base, "summary:loss")?.startsWith("−")).toBe(true);
    expect(summaryDelta(run, base, "summary:acc")).toBe("±0");
  });

  it("is null without a baseline, on the baseline itself, off summary columns and for text", () => {
    expect(summaryDelta(run, null, "summary:loss")).toBeNull();
    expect(summaryDelta(base, base, "summary:loss")).toBeNull();
    expect(summaryDelta(run, base, "config:lr")).toBeNull();
    expect(summaryDelta(run, base, "summary:note")).toBeNull();
  });
});

describe("deltaClass", () => {
  it("marks ups and downs", () => {
    expect(deltaClass("+0.1")).toBe("delta up");
    expect(deltaClass("−0.1")).toBe("delta down");
    expect(deltaClass("±0")).toBe("delta");
  });
});
