import { describe, expect, it } from "vitest";
import { decodeSeriesBinary, seriesResponseOf } from "./seriesBinary";

// Bodies written by the server's own encoder (runyard.server.series.series_binary):
// "_step" with int64 x (one x above 2**32 and one at 2**53 - 1), NaN and inf in y, a
// non-ASCII run id; and "_runtime" with float64 x.
const STEP_BODY =
  "UllTMeAAAAB7IngiOiJfc3RlcCIsInNlcmllcyI6W3sicnVuIjoiYSIsImtleSI6Imxvc3MiLCJyYXdfcG9pbnRzIjozLCJyZXR1cm5lZCI6MywicmVkdWNlZCI6ZmFsc2UsIm9mZnNldCI6MCwieF90eXBlIjoiaTgifSx7InJ1biI6ImJcdTAwZTkiLCJrZXkiOiJsb3NzIiwicmF3X3BvaW50cyI6OTAwLCJyZXR1cm5lZCI6MiwicmVkdWNlZCI6dHJ1ZSwib2Zmc2V0Ijo5NiwieF90eXBlIjoiaTgifV19ICAgIAAAAAAAAAAAAQAAAAAAAAACAAAAAAAAAAAAAAAAAPg/AAAAAAAA+H8AAAAAAAAAwAAAAAAAAPg/AAAAAAAA+H8AAAAAAAAIwAAAAAAAAPg/AAAAAAAA+H8AAAAAAAAQQADyBSoBAAAA////////HwAAAAAAAADwfwAAAAAAANA/AAAAAAAAAAAAAAAAAADQPwAAAAAAAPA/AAAAAAAA0D8=";
const RUNTIME_BODY =
  "UllTMXgAAAB7IngiOiJfcnVudGltZSIsInNlcmllcyI6W3sicnVuIjoiYyIsImtleSI6ImFjYyIsInJhd19wb2ludHMiOjIsInJldHVybmVkIjoyLCJyZWR1Y2VkIjpmYWxzZSwib2Zmc2V0IjowLCJ4X3R5cGUiOiJmOCJ9XX0AAAAAAADgPwAAAAAAAPQ/AAAAAAAA8D8AAAAAAAAAQAAAAAAAAPA/AAAAAAAAAEAAAAAAAADwPwAAAAAAAABA";

function bufferOf(base64: string): ArrayBuffer {
  const raw = atob(base64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes.buffer;
}

describe("decodeSeriesBinary", () => {
  it("reads int64 x exactly and float64 columns in place", () => {
    const body = decodeSeriesBinary(bufferOf(STEP_BODY));
    expect(body.x).toBe("_step");
    expect(body.series.map((s) => [s.run, s.key, s.raw_points, s.returned, s.reduced])).toEqual([
      ["a", "loss", 3, 3, false],
      ["bé", "loss", 900, 2, true],
    ]);
    const [a, b] = body.series;
    expect(Array.from(a.x)).toEqual([0, 1, 2]);
    expect(Array.from(a.y)).toEqual([1.5, NaN, -2]);
    expect(Array.from(a.ymin)).toEqual([1.5, NaN, -3]);
    expect(Array.from(a.ymax)).toEqual([1.5, NaN, 4]);
    expect(Array.from(b.x)).toEqual([5e9, 2 ** 53 - 1]);
    expect(Array.from(b.y)).toEqual([Infinity, 0.25]);
  });

  it("reads float64 x", () => {
    const body = decodeSeriesBinary(bufferOf(RUNTIME_BODY));
    expect(body.x).toBe("_runtime");
    expect(Array.from(body.series[0].x)).toEqual([0.5, 1.25]);
    expect(Array.from(body.series[0].y)).toEqual([1, 2]);
  });

  it("gives the JSON response's shape: NaN as null", () => {
    const body = seriesResponseOf(bufferOf(STEP_BODY));
    expect(body.series[0]).toEqual({
      run: "a",
      key: "loss",
      x: [0, 1, 2],
      y: [1.5, null, -2],
      ymin: [1.5, null, -3],
      ymax: [1.5, null, 4],
      raw_points: 3,
      returned: 3,
      reduced: false,
    });
  });

  it("refuses a body that is not one, naming what it starts with", () => {
    const json = new TextEncoder().encode('{"x":"_step","series":[]}');
    expect(() => decodeSeriesBinary(json.buffer)).toThrow(/not a runyard series body: starts "\{\\"x\\""/);
  });
});
