import { describe, expect, it } from "vitest";
import {
  applyRunColors,
  fillSpec,
  isVegaLite,
  parseSpec,
  runTags,
  specPlaceholders,
  starterSpec,
  tableRows,
  validPresetName,
} from "./vegaSpec";

const SPEC = {
  $schema: "https://vega.github.io/schema/vega-lite/v5.json",
  data: { name: "wandb" },
  title: "${string:title}",
  mark: "line",
  encoding: {
    x: { field: "${field:x}", type: "quantitative" },
    y: { field: "${field:y}", type: "quantitative", title: "${field:y} (${string:unit})" },
    color: { field: "name", scale: { range: { field: "color" } } },
  },
  transform: [{ filter: 'datum["${field:x}"] != null' }],
};

describe("specPlaceholders", () => {
  it("lists field and string names once, in order", () => {
    expect(specPlaceholders(SPEC)).toEqual({ fields: ["x", "y"], strings: ["title", "unit"] });
  });
  it("finds none in a plain spec", () => {
    expect(specPlaceholders({ mark: "bar", n: 3, a: [null, true] })).toEqual({ fields: [], strings: [] });
  });
});

describe("fillSpec", () => {
  it("replaces fields and strings everywhere, unmapped ones by empty text", () => {
    const filled = fillSpec(SPEC, { x: "step", y: "height" }, { title: "Heights" });
    expect(filled.title).toBe("Heights");
    expect(filled.encoding.x.field).toBe("step");
    expect(filled.encoding.y.title).toBe("height ()");
    expect(filled.transform[0].filter).toBe('datum["step"] != null');
    expect(filled.data).toEqual({ name: "wandb" });
  });
  it("does not modify the input", () => {
    fillSpec(SPEC, { x: "a" }, {});
    expect(SPEC.encoding.x.field).toBe("${field:x}");
  });
  it("treats null mappings as unset and substitutes object keys", () => {
    expect(fillSpec({ "${field:k}": "${field:stroke}" }, { k: "a", stroke: null }, {})).toEqual({ a: "" });
  });
});

describe("isVegaLite", () => {
  it("reads the schema, else the shape", () => {
    expect(isVegaLite(SPEC)).toBe(true);
    expect(isVegaLite({ $schema: "https://vega.github.io/schema/vega/v5.json" })).toBe(false);
    expect(isVegaLite({ marks: [] })).toBe(false);
    expect(isVegaLite({ mark: "point" })).toBe(true);
  });
});

describe("tableRows", () => {
  it("keys rows by column and tags the run", () => {
    expect(tableRows(["x", "y"], [[1, 2], [3]], { run: "r1", name: "first", color: "#f00" })).toEqual([
      { x: 1, y: 2, run: "r1", name: "first", color: "#f00" },
      { x: 3, y: null, run: "r1", name: "first", color: "#f00" },
    ]);
  });
});

describe("parseSpec", () => {
  it("returns the object or the error, never throws", () => {
    expect(parseSpec('{"mark": "bar"}')).toEqual({ spec: { mark: "bar" } });
    expect("error" in parseSpec("{mark")).toBe(true);
    expect(parseSpec("[1]")).toEqual({ error: "The spec must be a JSON object" });
  });
});

describe("validPresetName", () => {
  it("accepts simple names and rejects odd ones", () => {
    expect(validPresetName("my_chart")).toBeNull();
    expect(validPresetName("line/v2")).toBeNull();
    expect(validPresetName(" ")).not.toBeNull();
    expect(validPresetName("/a")).not.toBeNull();
    expect(validPresetName("a/../b")).not.toBeNull();
    expect(validPresetName("a b")).not.toBeNull();
  });
});

describe("applyRunColors", () => {
  const runs = [
    { run: "a", name: "first", color: "#111111" },
    { run: "b", name: "second", color: "#222222" },
  ];
  it("colours a Vega-Lite channel on the run name", () => {
    const out = applyRunColors({ mark: "line", encoding: { color: { field: "name", type: "nominal" } } }, runs);
    expect(out.encoding.color).toEqual({
      field: "name",
      type: "nominal",
      scale: { domain: ["first", "second"], range: ["#111111", "#222222"] },
    });
  });
  it("keeps explicit ranges and other fields", () => {
    const spec = { encoding: { color: { field: "name", scale: { scheme: "tableau10" } }, stroke: { field: "class" } } };
    expect(applyRunColors(spec, runs)).toEqual(spec);
  });
  it("colours a Vega ordinal scale over the wandb run field", () => {
    const spec = {
      $schema: "https://vega.github.io/schema/vega/v5.json",
      scales: [
        { name: "color", type: "ordinal", domain: { data: "wandb", field: "run" }, range: "category" },
        { name: "x", type: "linear", domain: { data: "wandb", field: "x" } },
      ],
    };
    const out = applyRunColors(spec, runs);
    expect(out.scales[0]).toMatchObject({ domain: ["a", "b"], range: ["#111111", "#222222"] });
    expect(out.scales[1]).toEqual(spec.scales[1]);
  });
  it("gives a single run's colour to uncoloured Vega-Lite marks", () => {
    expect(applyRunColors({ mark: "bar" }, runs.slice(0, 1))).toEqual({ mark: "bar", config: { mark: { color: "#111111" } } });
    expect(applyRunColors({ mark: "bar" }, runs)).toEqual({ mark: "bar" });
  });
});

describe("starterSpec", () => {
  it("plots the chart's first two fields", () => {
    const spec = starterSpec(["x", "value"]);
    expect(specPlaceholders(spec)).toEqual({ fields: ["x", "value"], strings: ["title"] });
    const filled = fillSpec(spec, { x: "step", value: "height" }, {}) as { encoding: { y: { field: string } } };
    expect(filled.encoding.y.field).toBe("height");
    expect(specPlaceholders(starterSpec([])).fields).toEqual(["x", "y"]);
  });
});

describe("runTags", () => {
  it("keeps unique names and adds the id to shared ones", () => {
    const tags = runTags([
      { id: "a1", name: "baseline", color: "#111" },
      { id: "b2", name: "baseline", color: "#222" },
      { id: "c3", name: "lr-0.1", color: "#333" },
    ]);
    expect(tags.map((t) => t.name)).toEqual(["baseline (a1)", "baseline (b2)", "lr-0.1"]);
    expect(tags.map((t) => [t.run, t.color])).toEqual([
      ["a1", "#111"],
      ["b2", "#222"],
      ["c3", "#333"],
    ]);
  });
});
