import { describe, expect, it } from "vitest";
import type { SystemColumns } from "../api/types";
import { groupSystemKeys, memberLabel, systemChartRuns, systemGroupOf, systemSeries, systemTitle } from "./systemMetrics";

const KEYS = [
  "system.gpu.1.gpu",
  "system.network.sent",
  "system.gpu.0.gpu",
  "system.gpu.10.gpu",
  "system.gpu.0.temp",
  "system.gpu.process.0.gpu",
  "system.cpu",
  "system.memory_percent",
  "system.proc.memory.rssMB",
  "system.disk./.usagePercent",
  "system.disk.sda.in",
  "system.custom_thing",
  "loss",
];

describe("groupSystemKeys", () => {
  const groups = groupSystemKeys(KEYS);

  it("gives each key a panel and groups the GPUs of one measure", () => {
    expect(groups.map((g) => g.id)).toEqual([
      "system.cpu",
      "system.memory_percent",
      "system.proc.memory.rssMB",
      "system.disk.sda.in",
      "system.disk./.usagePercent",
      "system.network.sent",
      "system.gpu.*.temp",
      "system.gpu.*.gpu",
      "system.gpu.process.*.gpu",
      "system.custom_thing",
    ]);
    const gpu = groups.find((g) => g.id === "system.gpu.*.gpu")!;
    expect(gpu.members.map((m) => m.index)).toEqual(["0", "1", "10"]);
    expect(gpu.title).toBe("GPU Utilization (%)");
  });

  it("leaves non-system keys out and keeps each key once", () => {
    expect(groupSystemKeys(["loss", "system.", "system.cpu", "system.cpu"])).toEqual([
      { id: "system.cpu", title: "Process CPU Utilization (%)", members: [{ key: "system.cpu", index: null }] },
    ]);
  });
});

describe("titles and labels", () => {
  it("names keys as the W&B System section does", () => {
    expect(systemTitle("system.gpu.process.*.gpu")).toBe("Process GPU Utilization (%)");
    expect(systemTitle("system.disk./.usagePercent")).toBe("Disk Utilization (%) /");
    expect(systemTitle("system.disk./mnt/data.v2.usageGB")).toBe("Disk Utilization (GB) /mnt/data.v2");
    expect(systemTitle("system.cpu.*.cpu_percent")).toBe("System CPU Utilization (per core) (%)");
    expect(systemTitle("system.custom_thing")).toBe("custom_thing");
  });

  it("labels devices", () => {
    expect(systemGroupOf("system.gpu.3.temp")).toEqual({ id: "system.gpu.*.temp", index: "3" });
    expect(systemGroupOf("system.cpu")).toEqual({ id: "system.cpu", index: null });
    expect(memberLabel("system.gpu.*.temp", { key: "system.gpu.3.temp", index: "3" })).toBe("GPU 3");
    expect(memberLabel("system.cpu.*.cpu_percent", { key: "", index: "2" })).toBe("CPU 2");
    expect(memberLabel("system.fan.*.rpm", { key: "", index: "2" })).toBe("#2");
    expect(memberLabel("system.cpu", { key: "system.cpu", index: null })).toBe("");
  });
});

const COLUMNS: SystemColumns = {
  keys: ["system.cpu", "system.gpu.0.gpu", "system.gpu.1.gpu"],
  ts: [100, 115, 130],
  runtime: [0.5, 15.5, 30.5],
  values: {
    "system.cpu": [10, null, 30],
    "system.gpu.0.gpu": [1, 2, 3],
    "system.gpu.1.gpu": [4, 5, 6],
  },
};

describe("system series and chart runs", () => {
  it("plots a key over runtime, skipping samples without it", () => {
    expect(systemSeries("r", COLUMNS, "system.cpu")).toEqual({
      run: "r", x: [0.5, 30.5], y: [10, 30], ymin: [10, 30], ymax: [10, 30], rawPoints: 2, reduced: false,
    });
    expect(systemSeries("r", COLUMNS, "system.nope").x).toEqual([]);
  });

  const [cpu, gpu] = groupSystemKeys(COLUMNS.keys);

  it("draws one run's devices in palette colours", () => {
    const lines = systemChartRuns(gpu, [{ id: "r", label: "run", color: "#000", columns: COLUMNS }], ["#a", "#b"]);
    expect(lines.map((l) => [l.run, l.label, l.color])).toEqual([
      ["r:0", "GPU 0", "#a"],
      ["r:1", "GPU 1", "#b"],
    ]);
    expect(lines[1].series.y).toEqual([4, 5, 6]);
    const single = systemChartRuns(cpu, [{ id: "r", label: "run", color: "#000", columns: COLUMNS }], ["#a"]);
    expect(single.map((l) => [l.run, l.label, l.color])).toEqual([["r", "run", "#000"]]);
  });

  it("draws several runs in their run colours", () => {
    const runs = [
      { id: "a", label: "alpha", color: "#111", columns: COLUMNS },
      { id: "b", label: "beta", color: "#222", columns: undefined },
      { id: "c", label: "gamma", color: "#333", columns: COLUMNS },
    ];
    expect(systemChartRuns(gpu, runs, ["#f"]).map((l) => [l.run, l.label, l.color])).toEqual([
      ["a:0", "alpha GPU 0", "#111"],
      ["a:1", "alpha GPU 1", "#111"],
      ["c:0", "gamma GPU 0", "#333"],
      ["c:1", "gamma GPU 1", "#333"],
    ]);
    expect(systemChartRuns(cpu, runs, ["#f"]).map((l) => l.label)).toEqual(["alpha", "gamma"]);
  });
});
