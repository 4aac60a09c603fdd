import { describe, expect, it } from "vitest";
import { describeFiles, mediaIndex, refLabel, refsLabel } from "./runFiles";

const LOGGED = [
  {
    key: "samples",
    steps: [
      { step: 2, value: { _type: "image-file", path: "media/images/samples_2_bb.png" } },
      { step: 0, value: { _type: "image-file", path: "media/images/samples_0_aa.png" } },
    ],
  },
  {
    key: "gallery",
    steps: [{ step: 1, value: { _type: "images/separated", filenames: ["media/images/g_0.png", "media/images/g_1.png"], count: 2 } }],
  },
  {
    key: "boxes",
    steps: [{ step: 3, value: { _type: "image-file", path: "media/images/b.png", masks: { pred: { _type: "mask", path: "media/images/mask/m.png" } } } }],
  },
  { key: "loss", steps: [{ step: 0, value: 0.5 }] },
  // the same file logged twice (content-addressed)
  { key: "again", steps: [{ step: 4, value: { _type: "image-file", path: "media/images/samples_0_aa.png" } }, { step: 4, value: { _type: "image-file", path: "media/images/samples_0_aa.png" } }] },
];

describe("mediaIndex", () => {
  const index = mediaIndex(LOGGED, { best: { _type: "image-file", path: "media/images/best.png" }, list: [{ _type: "image-file", path: "media/images/l1.png" }], acc: 0.9 });

  it("maps each file to the keys and steps it was logged at", () => {
    expect(index.get("media/images/samples_2_bb.png")).toEqual([{ key: "samples", step: 2, index: null, type: "image-file" }]);
    expect(index.get("media/images/g_1.png")).toEqual([{ key: "gallery", step: 1, index: 1, type: "images/separated" }]);
    expect(index.get("media/images/mask/m.png")).toEqual([{ key: "boxes", step: 3, index: null, type: "mask" }]);
    expect(index.get("media/images/best.png")).toEqual([{ key: "best", step: null, index: null, type: "image-file" }]);
    expect(index.get("media/images/l1.png")).toEqual([{ key: "list", step: null, index: 0, type: "image-file" }]);
    expect(index.get("media/images/samples_0_aa.png")).toEqual([
      { key: "again", step: 4, index: null, type: "image-file" },
      { key: "samples", step: 0, index: null, type: "image-file" },
    ]);
  });

  it("labels references, a few of them at most", () => {
    const ref = (step: number) => ({ key: "k", step, index: null, type: "image-file" });
    expect(refsLabel([ref(1), { ...ref(0), step: null }])).toBe("k at step 1; k in the summary");
    expect(refsLabel([1, 2, 3, 4, 5].map(ref))).toBe("k at step 1; k at step 2; k at step 3 (+2 more)");
    expect(refLabel({ key: "samples", step: 2, index: null, type: "image-file" })).toBe("samples at step 2");
    expect(refLabel({ key: "gallery", step: 1, index: 1, type: "x" })).toBe("gallery [1] at step 1");
    expect(refLabel({ key: "best", step: null, index: null, type: "x" })).toBe("best in the summary");
  });
});

describe("describeFiles", () => {
  it("groups run files, code, media in key and step order, and others", () => {
    const index = mediaIndex(LOGGED);
    const files = [
      { name: "weights.pt", size: 10 },
      { name: "media/images/samples_2_bb.png", size: 1 },
      { name: "requirements.txt", size: 2 },
      { name: "output.log", size: 3 },
      { name: "code/train.py", size: 4 },
      { name: "media/images/samples_0_aa.png", size: 1 },
      { name: "media/table/orphan.table.json", size: 1 },
      { name: "diff.patch", size: 5 },
    ];
    const generated = [
      { name: "config.json", label: "Config", content: "{}" },
      { name: "diff.patch", label: "never shown: a stored file has the name", content: "" },
    ];
    const sections = describeFiles(files, index, generated);
    expect(sections.map((s) => [s.section, s.files.map((f) => [f.name, f.label])])).toEqual([
      ["run", [
        ["output.log", "Console output (stdout and stderr)"],
        ["diff.patch", "Uncommitted changes (git diff against the commit)"],
        ["requirements.txt", "Installed Python packages"],
        ["config.json", "Config"],
      ]],
      ["code", [["code/train.py", "train.py"]]],
      ["media", [
        ["media/images/samples_0_aa.png", "again at step 4; samples at step 0"],
        ["media/images/samples_2_bb.png", "samples at step 2"],
        ["media/table/orphan.table.json", null],
      ]],
      ["other", [["weights.pt", null]]],
    ]);
    expect(sections[0].files[3]).toMatchObject({ generated: "{}", size: null });
  });

  it("gives nothing for no files", () => {
    expect(describeFiles([], new Map())).toEqual([]);
  });
});
