import { describe, expect, it } from "vitest";
import { flatten, flattenCached, isUserKey } from "./flatten";

describe("flatten", () => {
  it("flattens nested aggregates to dotted names", () => {
    expect(flatten({ loss: { min: 0.1 }, acc: { max: 0.9, last: 0.8 }, _step: 9 })).toEqual({
      "loss.min": 0.1,
      "acc.max": 0.9,
      "acc.last": 0.8,
      _step: 9,
    });
  });

  it("keeps typed payloads, arrays and empty groups whole", () => {
    const image = { _type: "image-file", path: "a.png" };
    expect(flatten({ img: image, xs: [1, 2], empty: {}, a: { b: { c: 1 } } })).toEqual({
      img: image,
      xs: [1, 2],
      empty: {},
      "a.b.c": 1,
    });
  });

  it("keeps the store's non-finite markers whole", () => {
    expect(flatten({ x: { $float: "NaN" } })).toEqual({ x: { $float: "NaN" } });
  });

  it("memoises per document", () => {
    const doc = { a: { b: 1 } };
    expect(flattenCached(doc)).toBe(flattenCached(doc));
    expect(flattenCached(undefined)).toEqual({});
  });
});

describe("keys", () => {
  it("hides internal keys", () => {
    expect(isUserKey("loss.min")).toBe(true);
    expect(isUserKey("_step")).toBe(false);
    expect(isUserKey("a._private")).toBe(false);
  });
});
