import { describe, expect, it } from "vitest";
import { INITIAL_TABLE_STATE, pageCount, tableQueryParams, toggleSort } from "./tableQuery";

describe("tableQueryParams", () => {
  it("pages and leaves out empty values", () => {
    expect(tableQueryParams("t", null, INITIAL_TABLE_STATE, 20)).toEqual({ key: "t", offset: "0", limit: "20" });
  });
  it("adds step, sort, direction and the trimmed filter", () => {
    expect(tableQueryParams("t", 3, { page: 2, sort: "score", desc: true, q: " cat " }, 10)).toEqual({
      key: "t",
      step: "3",
      offset: "20",
      limit: "10",
      sort: "score",
      desc: "true",
      q: "cat",
    });
  });
});

describe("toggleSort", () => {
  it("cycles ascending, descending, none and resets the page", () => {
    const a = toggleSort({ ...INITIAL_TABLE_STATE, page: 3 }, "x");
    expect(a).toMatchObject({ sort: "x", desc: false, page: 0 });
    const b = toggleSort(a, "x");
    expect(b).toMatchObject({ sort: "x", desc: true });
    expect(toggleSort(b, "x")).toMatchObject({ sort: null, desc: false });
    expect(toggleSort(b, "y")).toMatchObject({ sort: "y", desc: false });
  });
});

describe("pageCount", () => {
  it("is at least one", () => {
    expect(pageCount(0, 20)).toBe(1);
    expect(pageCount(41, 20)).toBe(3);
  });
});
