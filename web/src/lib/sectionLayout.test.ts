import { describe, expect, it } from "vitest";
import { deleteSection, moveSection, moveToSection, orderSections, renameSection, sectionTitle } from "./sectionLayout";
import { DEFAULT_SETTINGS, type WorkspaceSettings, readSettings, writeSettings } from "./workspaceSettings";

const base = (change: Partial<WorkspaceSettings> = {}): WorkspaceSettings => ({ ...DEFAULT_SETTINGS, ...change });

describe("section layout", () => {
  it("renames a section, and clears the name given back", () => {
    const named = renameSection(base(), "train", "  Training  ", "train");
    expect(sectionTitle(named, "train", "train")).toBe("Training");
    expect(renameSection(named, "train", "train", "train").sectionTitles).toEqual({});
    expect(renameSection(named, "train", " ", "train").sectionTitles).toEqual({});
  });
  it("moves sections up and down, keeping the other grid's order", () => {
    const s = base({ sectionOrder: ["media:Media", "media:images"] });
    const moved = moveSection(s, ["train", "val", "eval"], "eval", -1);
    expect(moved.sectionOrder).toEqual(["train", "eval", "val", "media:Media", "media:images"]);
    expect(moveSection(s, ["train", "val"], "train", -1)).toBe(s);
    expect(moveSection(s, ["train", "val"], "val", 1)).toBe(s);
    expect(orderSections([{ id: "train" }, { id: "val" }, { id: "eval" }], moved.sectionOrder).map((x) => x.id)).toEqual(["train", "eval", "val"]);
  });
  it("deletes a section: added panels go, automatic ones are hidden", () => {
    const s = base({
      customSections: ["Mine"],
      customPanels: [
        { id: "panel-1", section: "Mine", metrics: "loss" },
        { id: "panel-2", section: "other", metrics: "acc" },
      ],
      sectionTitles: { Mine: "My section" },
      sectionOrder: ["Mine", "train"],
      panelSections: { "train/loss": "Mine", "val/acc": "train" },
      collapsedSections: ["Mine"],
    });
    const out = deleteSection(s, {
      id: "Mine",
      custom: true,
      panels: [
        { id: "panel-1", custom: true, home: "Mine" },
        { id: "train/loss", custom: false, home: "train" },
      ],
    });
    expect(out.customSections).toEqual([]);
    expect(out.customPanels.map((p) => p.id)).toEqual(["panel-2"]);
    expect(out.hiddenPanels).toEqual(["train/loss"]);
    expect(out.sectionTitles).toEqual({});
    expect(out.sectionOrder).toEqual(["train"]);
    expect(out.panelSections).toEqual({ "val/acc": "train" });
    expect(out.collapsedSections).toEqual([]);
  });
  it("moves a panel to another section and back home", () => {
    const s = base({ panelOrder: { train: ["train/acc", "train/loss"], val: ["val/loss"] } });
    const panel = { id: "train/loss", custom: false, home: "train" };
    const moved = moveToSection(s, panel, "train", "val");
    expect(moved.panelSections).toEqual({ "train/loss": "val" });
    expect(moved.panelOrder).toEqual({ train: ["train/acc"], val: ["val/loss", "train/loss"] });
    expect(moveToSection(moved, panel, "val", "train").panelSections).toEqual({});
    const custom = moveToSection(base({ customPanels: [{ id: "panel-1", section: "Mine", metrics: "x" }] }), { id: "panel-1", custom: true, home: "Mine" }, "Mine", "val");
    expect(custom.customPanels[0].section).toBe("val");
  });
  it("round-trips through the stored document", () => {
    const s = base({ sectionTitles: { train: "Training" }, sectionOrder: ["val", "train"], panelSections: { "train/loss": "val" } });
    const back = readSettings(writeSettings({ settings: s, extra: {} })).settings;
    expect(back.sectionTitles).toEqual({ train: "Training" });
    expect(back.sectionOrder).toEqual(["val", "train"]);
    expect(back.panelSections).toEqual({ "train/loss": "val" });
    expect(readSettings({ sectionTitles: { a: 3, b: "" }, panelSections: ["x"] }).settings.sectionTitles).toEqual({});
  });
});
