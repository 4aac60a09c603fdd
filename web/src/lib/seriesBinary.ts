// The compact /series body (server/series.py `series_binary`): typed arrays instead of
// JSON lists of floats. Half the bytes of JSON and no float parsing: a panel of 1,000
// runs x 1,000 points is ~29 MB of JSON to parse but ~15 MB of arrays to view.
//
// Layout (little-endian): "RYS1", uint32 header length n, n bytes of UTF-8 JSON header
// (padded with spaces so the arrays start 8-byte aligned), then the arrays. Each header
// series gives `offset` (bytes from the first array) and `x_type` ("i8" or "f8"): at
// `offset` lie `returned` x values of that type, then `returned` float64 each of y,
// ymin and ymax. NaN stands where JSON has null.
import type { Series, SeriesResponse } from "../api/types";

export const SERIES_MEDIA_TYPE = "application/x-runyard-series";

export interface TypedSeries {
  run: string;
  key: string;
  x: Float64Array;
  y: Float64Array;
  ymin: Float64Array;
  ymax: Float64Array;
  raw_points: number;
  returned: number;
  reduced: boolean;
}

export interface TypedSeriesResponse {
  x: string;
  series: TypedSeries[];
}

interface HeaderSeries {
  run: string;
  key: string;
  raw_points: number;
  returned: number;
  reduced: boolean;
  offset: number;
  x_type: "i8" | "f8";
}

/** int64 words as float64 (exact below 2**53, as steps are), without BigInt per value. */
function int64ToFloat(buffer: ArrayBuffer, byteOffset: number, n: number): Float64Array {
  const words = new Int32Array(buffer, byteOffset, 2 * n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = words[2 * i + 1] * 4294967296 + (words[2 * i] >>> 0);
  return out;
}

/** The arrays of a binary /series body, viewed in place (float64) where they can be. */
export function decodeSeriesBinary(buffer: ArrayBuffer): TypedSeriesResponse {
  const bytes = new Uint8Array(buffer);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== "RYS1") throw new Error(`not a runyard series body: starts ${JSON.stringify(magic)}`);
  const size = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + size))) as { x: string; series: HeaderSeries[] };
  const base = 8 + size;
  if (base % 8 !== 0) throw new Error(`series body arrays not 8-byte aligned (header of ${size} bytes)`);
  const series = header.series.map((s): TypedSeries => {
    const n = s.returned;
    const at = base + s.offset;
    const x = s.x_type === "i8" ? int64ToFloat(buffer, at, n) : new Float64Array(buffer, at, n);
    const column = (i: number) => new Float64Array(buffer, at + 8 * n * i, n);
    return { run: s.run, key: s.key, x, y: column(1), ymin: column(2), ymax: column(3), raw_points: s.raw_points, returned: n, reduced: s.reduced };
  });
  return { x: header.x, series };
}

function withNulls(values: Float64Array): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === v ? v : null; // NaN is a gap (JSON's null)
  }
  return out;
}

/** A typed series as the JSON body gives it (lists, null for NaN). */
export function toSeries(s: TypedSeries): Series {
  return {
    run: s.run,
    key: s.key,
    x: Array.from(s.x),
    y: withNulls(s.y),
    ymin: withNulls(s.ymin),
    ymax: withNulls(s.ymax),
    raw_points: s.raw_points,
    returned: s.returned,
    reduced: s.reduced,
  };
}

/** A binary /series body as the JSON response. */
export function seriesResponseOf(buffer: ArrayBuffer): SeriesResponse {
  const typed = decodeSeriesBinary(buffer);
  return { x: typed.x, series: typed.series.map(toSeries) };
}
