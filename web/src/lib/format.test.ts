import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatNumber, formatTimestamp, formatValue, timeAgo } from "./format";

describe("formatting", () => {
  it("formats numbers readably", () => {
    expect(formatNumber(3)).toBe("3");
    expect(formatNumber(0.123456789)).toBe("0.123457");
    expect(formatNumber(1.5e-7)).toBe("1.5000e-7");
    expect(formatNumber(Number.NaN)).toBe("NaN");
  });

  it("formats values of every kind", () => {
    expect(formatValue(undefined)).toBe("");
    expect(formatValue("adam")).toBe("adam");
    expect(formatValue(true)).toBe("true");
    expect(formatValue({ _type: "histogram" })).toBe("[histogram]");
    expect(formatValue({ _type: "nan", value: "NaN" })).toBe("NaN");
    expect(formatValue({ $float: "-Infinity" })).toBe("-Infinity");
  });

  it("formats durations", () => {
    expect(formatDuration(12.345)).toBe("12.3s");
    expect(formatDuration(125)).toBe("2m 5s");
    expect(formatDuration(3600 * 2 + 60)).toBe("2h 1m");
  });

  it("formats ages, times and sizes", () => {
    expect(timeAgo(100, 130)).toBe("30s ago");
    expect(timeAgo(100, 100 + 7200)).toBe("2h ago");
    expect(timeAgo(null)).toBe("");
    expect(formatTimestamp(0)).toBe("1970-01-01 00:00:00");
    expect(formatBytes(10)).toBe("10 B");
    expect(formatBytes(8128)).toBe("7.94 KB");
    expect(formatBytes(5 * 1024 * 1024)).toBe("5 MB");
  });
});
