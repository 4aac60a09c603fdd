// How values read on screen: numbers, config/summary values, durations, times, sizes.
import type { JsonValue } from "../api/types";

/** A short, readable text for a value in a table cell. */
export function formatValue(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return JSON.stringify(value).slice(0, 200);
  if ("$float" in value) return String(value.$float); // the store's NaN/±Infinity marker
  if ("_type" in value) {
    const type = value._type;
    if (type === "nan" || type === "inf" || type === "-inf") return String(value.value ?? type);
    return `[${String(type)}]`;
  }
  return JSON.stringify(value).slice(0, 200);
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return value.toExponential(4);
  return String(Number(value.toPrecision(6)));
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const sign = seconds < 0 ? "-" : "";
  let s = Math.abs(seconds);
  if (s < 60) return `${sign}${Number(s.toPrecision(3))}s`;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s = Math.round(s - m * 60);
  if (h > 0) return `${sign}${h}h ${m}m${s ? ` ${s}s` : ""}`;
  return `${sign}${m}m${s ? ` ${s}s` : ""}`;
}

/** "5s ago", "3m ago", "2h ago", "4d ago"; a date beyond a month. */
export function timeAgo(seconds: number | null | undefined, now: number = Date.now() / 1000): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  const age = Math.max(0, now - seconds);
  if (age < 60) return `${Math.floor(age)}s ago`;
  if (age < 3600) return `${Math.floor(age / 60)}m ago`;
  if (age < 86400) return `${Math.floor(age / 3600)}h ago`;
  if (age < 30 * 86400) return `${Math.floor(age / 86400)}d ago`;
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

export function formatTimestamp(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  return new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19);
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toPrecision(3))} ${units[unit]}`;
}
