// System metrics (wandb's events stream: `system.cpu`, `system.gpu.0.gpu`, …) as
// panels: one panel per key, except keys that differ only by a device index
// (`system.gpu.0.temp`, `system.gpu.1.temp`; per-core CPU) share a panel with a
// line per device. Titles follow the W&B System section.
import type { SystemColumns } from "../api/types";
import type { ChartRun } from "./chartData";
import type { RunSeries } from "./seriesMerge";

export interface SystemMember {
  key: string;
  /** The device index for grouped keys ("0", "1", …); null for a lone key. */
  index: string | null;
}

export interface SystemGroup {
  /** The key, or the key with its index as `*` (`system.gpu.*.temp`). */
  id: string;
  title: string;
  members: SystemMember[];
}

const PREFIX = "system.";

// Titles by key (without "system."); `*` stands for a device index.
const TITLES: Record<string, string> = {
  cpu: "Process CPU Utilization (%)",
  "cpu.*.cpu_percent": "System CPU Utilization (per core) (%)",
  memory_percent: "System Memory Utilization (%)",
  "proc.memory.rssMB": "Process Memory In Use (non-swap) (MB)",
  "proc.memory.availableMB": "Process Memory Available (non-swap) (MB)",
  "proc.memory.percent": "Process Memory In Use (non-swap) (%)",
  "proc.cpu.threads": "Process CPU Threads In Use",
  "network.sent": "Network Traffic Sent (bytes)",
  "network.recv": "Network Traffic Received (bytes)",
  "network.tcpRetransmits": "Network TCP Retransmits",
  "gpu.*.gpu": "GPU Utilization (%)",
  "gpu.*.memory": "GPU Time Spent Accessing Memory (%)",
  "gpu.*.memoryAllocated": "GPU Memory Allocated (%)",
  "gpu.*.memoryAllocatedBytes": "GPU Memory Allocated (bytes)",
  "gpu.*.temp": "GPU Temp (°C)",
  "gpu.*.powerWatts": "GPU Power Usage (W)",
  "gpu.*.powerPercent": "GPU Power Usage (%)",
  "gpu.*.enforcedPowerLimitWatts": "GPU Enforced Power Limit (W)",
  "gpu.*.smClock": "GPU SM Clock Speed (MHz)",
  "gpu.*.memoryClock": "GPU Memory Clock Speed (MHz)",
  "gpu.*.graphicsClock": "GPU Graphics Clock Speed (MHz)",
  "gpu.*.fanSpeed": "GPU Fan Speed (%)",
  "gpu.*.correctedMemoryErrors": "GPU Corrected Memory Errors",
  "gpu.*.uncorrectedMemoryErrors": "GPU Uncorrected Memory Errors",
};

const DISK_TITLES: Record<string, string> = {
  usagePercent: "Disk Utilization (%)",
  usageGB: "Disk Utilization (GB)",
  in: "Disk Read (MB)",
  out: "Disk Written (MB)",
};

// Panel order: CPU, memory, disk, network, GPU, then anything else.
const RANKS: [string, number][] = [
  ["cpu", 0],
  ["proc.cpu", 1],
  ["memory", 2],
  ["proc.memory", 3],
  ["disk", 4],
  ["network", 5],
  ["gpu.process", 7],
  ["gpu", 6],
];

export function isSystemKey(key: string): boolean {
  return key.startsWith(PREFIX) && key.length > PREFIX.length;
}

/** The group a system key belongs to: its first all-digit segment becomes `*`. */
export function systemGroupOf(key: string): { id: string; index: string | null } {
  const parts = key.slice(PREFIX.length).split(".");
  const at = parts.findIndex((p) => /^\d+$/.test(p));
  if (at < 0) return { id: key, index: null };
  const index = parts[at];
  parts[at] = "*";
  return { id: PREFIX + parts.join("."), index };
}

/** A readable panel title for a group id (or a lone key). */
export function systemTitle(id: string): string {
  const name = id.startsWith(PREFIX) ? id.slice(PREFIX.length) : id;
  if (TITLES[name]) return TITLES[name];
  if (name.startsWith("gpu.process.")) {
    const gpu = TITLES[`gpu.${name.slice("gpu.process.".length)}`];
    if (gpu) return `Process ${gpu}`;
  }
  if (name.startsWith("disk.")) {
    // disk.<mount point or device>.<measure>: the mount point may hold dots
    const dot = name.lastIndexOf(".");
    const measure = name.slice(dot + 1);
    const where = name.slice("disk.".length, dot);
    if (DISK_TITLES[measure] && where) return `${DISK_TITLES[measure]} ${where}`;
  }
  return name;
}

function rankOf(id: string): number {
  const name = id.slice(PREFIX.length);
  for (const [prefix, rank] of RANKS) if (name === prefix || name.startsWith(`${prefix}.`) || name.startsWith(`${prefix}_`)) return rank;
  return RANKS.length + 1;
}

function compareIndex(a: SystemMember, b: SystemMember): number {
  return Number(a.index ?? -1) - Number(b.index ?? -1);
}

/** System keys grouped into panels, in the order the System section shows them. */
export function groupSystemKeys(keys: Iterable<string>): SystemGroup[] {
  const groups = new Map<string, SystemMember[]>();
  for (const key of new Set(keys)) {
    if (!isSystemKey(key)) continue;
    const { id, index } = systemGroupOf(key);
    const members = groups.get(id) ?? [];
    members.push({ key, index });
    groups.set(id, members);
  }
  return [...groups.entries()]
    .map(([id, members]) => ({ id, title: systemTitle(id), members: members.sort(compareIndex) }))
    .sort((a, b) => rankOf(a.id) - rankOf(b.id) || a.title.localeCompare(b.title) || a.id.localeCompare(b.id));
}

/** What a member is called in a legend: "GPU 0", "CPU 3", or "#2" for other devices. */
export function memberLabel(groupId: string, member: SystemMember): string {
  if (member.index === null) return "";
  const name = groupId.slice(PREFIX.length);
  if (name.startsWith("gpu.")) return `GPU ${member.index}`;
  if (name.startsWith("cpu.")) return `CPU ${member.index}`;
  return `#${member.index}`;
}

/** One key of a run's system samples as a series over runtime (samples without the key skipped). */
export function systemSeries(run: string, columns: SystemColumns, key: string): RunSeries {
  const values = columns.values[key] ?? [];
  const x: number[] = [];
  const y: (number | null)[] = [];
  columns.runtime.forEach((t, i) => {
    const v = values[i];
    if (typeof t !== "number" || !Number.isFinite(t) || v === null || v === undefined) return;
    x.push(t);
    y.push(v);
  });
  return { run, x, y, ymin: y.slice(), ymax: y.slice(), rawPoints: x.length, reduced: false };
}

export interface SystemRun {
  id: string;
  label: string;
  color: string;
  columns: SystemColumns | undefined;
}

/**
 * The lines of a group's panel: per run and member. One run alone gets a colour
 * per device (from `palette`); several runs keep their run colours, one line per
 * run and device.
 */
export function systemChartRuns(group: SystemGroup, runs: readonly SystemRun[], palette: readonly string[]): ChartRun[] {
  const single = runs.length === 1;
  const out: ChartRun[] = [];
  for (const run of runs) {
    if (!run.columns) continue;
    group.members.forEach((member, m) => {
      const series = systemSeries(run.id, run.columns as SystemColumns, member.key);
      if (series.x.length === 0) return;
      const device = memberLabel(group.id, member);
      const id = member.index === null ? run.id : `${run.id}:${member.index}`;
      const label = single ? device || run.label : device ? `${run.label} ${device}` : run.label;
      const color = single && member.index !== null ? palette[m % palette.length] : run.color;
      out.push({ run: id, label, color, series: { ...series, run: id } });
    });
  }
  return out;
}
