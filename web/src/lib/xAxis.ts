// The x-axes a line panel can use, and which one applies: the panel's own choice,
// else the workspace's, else the metric's step_metric from define_metric, else Step.
import type { MetricKey } from "../api/types";
import { formatDuration, formatNumber } from "./format";

export const DEFAULT_X = "default";

export const BUILTIN_X_AXES: readonly { value: string; label: string }[] = [
  { value: "_step", label: "Step" },
  { value: "_runtime", label: "Relative Time (Process)" },
  { value: "_wall", label: "Relative Time (Wall)" },
  { value: "_timestamp", label: "Wall Time" },
];

export function resolveXAxis(panelX: string | undefined, workspaceX: string | undefined, key: MetricKey): string {
  if (panelX && panelX !== DEFAULT_X) return panelX;
  if (workspaceX && workspaceX !== DEFAULT_X) return workspaceX;
  return key.step_metric || "_step";
}

export function xAxisLabel(x: string): string {
  return BUILTIN_X_AXES.find((axis) => axis.value === x)?.label ?? x;
}

export function isTimeAxis(x: string): boolean {
  return x === "_timestamp";
}

export function isDurationAxis(x: string): boolean {
  return x === "_runtime" || x === "_wall";
}

export function formatX(x: string, value: number): string {
  if (isTimeAxis(x)) return new Date(value * 1000).toLocaleString();
  if (isDurationAxis(x)) return formatDuration(value);
  return formatNumber(value);
}
