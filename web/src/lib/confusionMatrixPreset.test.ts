// The built-in confusion matrix preset draws classes in the order the table lists
// them (class_names order), not alphabetically (issue 18, defect 11): compiled by
// vega-lite and run headless by vega on the rows runyard.plot.confusion_matrix makes.
import { View, parse } from "vega";
import { compile } from "vega-lite";
import { describe, expect, it } from "vitest";
import preset from "../../../src/runyard/presets/specs/wandb/confusion_matrix/v1.json";
import { fillSpec } from "./vegaSpec";

async function domains(classes: string[]): Promise<{ x: unknown[]; y: unknown[] }> {
  const spec = fillSpec(structuredClone(preset) as never, { Actual: "Actual", Predicted: "Predicted", nPredictions: "nPredictions" }, { title: "cm" });
  const rows = classes.flatMap((actual, i) =>
    classes.map((predicted, j) => ({ run: "r1", name: "run 1", Actual: actual, Predicted: predicted, nPredictions: i === j ? 5 : 1 })),
  );
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  view.data("wandb", rows);
  await view.runAsync();
  // Faceted: the cell scales are named child_x / child_y by vega-lite.
  const scales = Object.keys((view as unknown as { _runtime: { scales: Record<string, unknown> } })._runtime.scales);
  const x = scales.find((s) => s.endsWith("x"))!;
  const y = scales.find((s) => s.endsWith("y"))!;
  return { x: view.scale(x).domain(), y: view.scale(y).domain() };
}

describe("confusion matrix preset", () => {
  it("keeps the classes in class_names order on both axes", async () => {
    const classes = ["zebra", "apple", "mango", "Class_10", "Class_2"];
    const { x, y } = await domains(classes);
    expect(x).toEqual(classes);
    expect(y).toEqual(classes);
  });
});
