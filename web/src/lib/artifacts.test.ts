import { describe, expect, it } from "vitest";
import type { ArtifactCollection, ArtifactVersion, Lineage } from "../api/types";
import {
  artifactNodeId,
  findVersion,
  groupByType,
  imageMime,
  lineageLayoutInput,
  listDir,
  MAX_IMAGE_PREVIEW_BYTES,
  newestFirst,
  orderedAliases,
  parseTable,
  PREVIEW_ROWS,
  previewKind,
  tableFilePointer,
} from "./artifacts";
import { layoutLineage } from "./lineageLayout";

function collection(name: string, type: string): ArtifactCollection {
  return { entity: "e", project: "p", name, type, kind: "sequence", description: null, created_at: 0, version_count: 1, aliases: [] };
}

function version(name: string, index: number, aliases: string[] = [], project = "p"): ArtifactVersion {
  return {
    id: index,
    entity: "e",
    project,
    name,
    type: "dataset",
    version_index: index,
    version: `v${index}`,
    digest: "d",
    description: null,
    metadata: {},
    aliases,
    size: 1,
    file_count: 1,
    created_at: 0,
    logged_by: null,
    source: null,
    state: "committed",
  };
}

describe("groupByType", () => {
  it("groups collections by type, types and names sorted", () => {
    const groups = groupByType([collection("mnist", "dataset"), collection("resnet", "model"), collection("cifar", "dataset")]);
    expect(groups.map((g) => g.type)).toEqual(["dataset", "model"]);
    expect(groups[0].collections.map((c) => c.name)).toEqual(["cifar", "mnist"]);
    expect(groupByType([])).toEqual([]);
  });
});

describe("versions", () => {
  it("orders newest first and finds a version by vN or alias", () => {
    const vs = [version("d", 0, ["best"]), version("d", 2, ["latest"]), version("d", 1)];
    expect(newestFirst(vs).map((v) => v.version)).toEqual(["v2", "v1", "v0"]);
    expect(findVersion(vs, "v1")?.version_index).toBe(1);
    expect(findVersion(vs, "best")?.version_index).toBe(0);
    expect(findVersion(vs, "latest")?.version_index).toBe(2);
    expect(findVersion(vs, "v9")).toBeNull();
  });

  it("puts latest first among aliases", () => {
    expect(orderedAliases(["best", "latest", "prod"])).toEqual(["latest", "best", "prod"]);
  });
});

describe("previewKind", () => {
  it("detects images, tables, text and the rest", () => {
    expect(previewKind("images/cat.PNG")).toBe("image");
    expect(previewKind("a.jpeg")).toBe("image");
    expect(previewKind("preds.table.json")).toBe("table");
    expect(previewKind("data/train.csv")).toBe("table");
    expect(previewKind("x.tsv")).toBe("table");
    expect(previewKind("config.yaml")).toBe("text");
    expect(previewKind("meta.json")).toBe("text");
    expect(previewKind("README")).toBe("text");
    expect(previewKind("model.pt")).toBe("none");
    expect(previewKind("weights.bin")).toBe("none");
    expect(previewKind("notes.txt", true)).toBe("none");
    // a huge image is not fetched for a preview; a huge text file still is (its head)
    expect(previewKind("scan.png", false, MAX_IMAGE_PREVIEW_BYTES + 1)).toBe("none");
    expect(previewKind("scan.png", false, MAX_IMAGE_PREVIEW_BYTES)).toBe("image");
    expect(previewKind("big.log", false, 10 * MAX_IMAGE_PREVIEW_BYTES)).toBe("text");
  });

  it("types an image blob from its name", () => {
    expect(imageMime("a.png")).toBe("image/png");
    expect(imageMime("a.JPG")).toBe("image/jpeg");
    expect(imageMime("a.svg")).toBe("image/svg+xml");
  });
});

describe("parseTable", () => {
  it("reads a logged Table", () => {
    const t = parseTable("t.table.json", JSON.stringify({ columns: ["a", "b"], data: [[1, "x"], [2, "y"]] }), false);
    expect(t).toEqual({ columns: ["a", "b"], rows: [[1, "x"], [2, "y"]], partial: false });
  });

  it("caps rows", () => {
    const data = Array.from({ length: PREVIEW_ROWS + 5 }, (_, i) => [i]);
    const t = parseTable("t.table.json", JSON.stringify({ columns: ["i"], data }), false);
    expect(t.rows).toHaveLength(PREVIEW_ROWS);
    expect(t.partial).toBe(true);
  });

  it("refuses JSON that is no table", () => {
    expect(() => parseTable("t.table.json", "{}", false)).toThrow(/no columns/);
  });

  it("reads CSV with quotes and TSV; drops a line cut at the preview's end", () => {
    const t = parseTable("d.csv", 'name,note\n"a, b","say ""hi"""\nc,d\ne,', true);
    expect(t.columns).toEqual(["name", "note"]);
    expect(t.rows).toEqual([
      ["a, b", 'say "hi"'],
      ["c", "d"],
    ]);
    expect(t.partial).toBe(true);
    expect(parseTable("d.tsv", "x\ty\n1\t2\n", false)).toEqual({ columns: ["x", "y"], rows: [["1", "2"]], partial: false });
  });
});

describe("tableFilePointer", () => {
  it("follows a Table added to an artifact to the entry holding its rows", () => {
    const doc = { _type: "table-file", path: "media/table/86/86f8.table.json", ncols: 2, nrows: 2 };
    expect(tableFilePointer(JSON.stringify(doc))).toBe("media/table/86/86f8.table.json");
    expect(tableFilePointer(JSON.stringify({ columns: [], data: [] }))).toBeNull();
    expect(tableFilePointer("not json")).toBeNull();
  });
});

describe("listDir", () => {
  const files = [{ path: "b.txt" }, { path: "imgs/1.png" }, { path: "imgs/deep/2.png" }, { path: "a.txt" }, { path: "imgs/0.png" }];
  it("lists the root's files and folders", () => {
    const root = listDir(files, "");
    expect(root.dirs).toEqual(["imgs"]);
    expect(root.files.map((f) => f.path)).toEqual(["a.txt", "b.txt"]);
  });
  it("lists a folder", () => {
    const imgs = listDir(files, "imgs");
    expect(imgs.dirs).toEqual(["deep"]);
    expect(imgs.files.map((f) => f.path)).toEqual(["imgs/0.png", "imgs/1.png"]);
  });
});

describe("lineage", () => {
  const data = version("data", 0);
  const lineage: Lineage = {
    nodes: [
      { kind: "artifact", id: artifactNodeId(data), artifact: data },
      { kind: "run", id: "run:e/p/maker", entity: "e", project: "p", run_id: "maker" },
      { kind: "run", id: "run:e/p/user", entity: "e", project: "p", run_id: "user" },
    ],
    edges: [
      { from: "run:e/p/maker", to: "artifact:e/p/data:v0", kind: "logged" },
      { from: "artifact:e/p/data:v0", to: "run:e/p/user", kind: "used" },
      { from: "artifact:e/p/data:v0", to: "run:e/p/user", kind: "used" },
      { from: "artifact:e/p/data:v0", to: "run:e/p/gone", kind: "used" },
    ],
    truncated: false,
  };

  it("gives the layout labelled nodes and the edges between them, once each", () => {
    const input = lineageLayoutInput(lineage, artifactNodeId(data));
    expect(artifactNodeId(data)).toBe("artifact:e/p/data:v0");
    expect(input.nodes.map((n) => [n.label, n.focus])).toEqual([
      ["data:v0", true],
      ["maker", false],
      ["user", false],
    ]);
    expect(input.nodes[0].sublabel).toBe("dataset · p");
    expect(input.edges).toEqual([
      { from: "run:e/p/maker", to: "artifact:e/p/data:v0", kind: "logged" },
      { from: "artifact:e/p/data:v0", to: "run:e/p/user", kind: "used" },
    ]);
    for (const n of input.nodes) expect(n.width).toBeGreaterThanOrEqual(120);
  });

  it("lays out producer → artifact → consumer left to right", () => {
    const placed = layoutLineage(lineageLayoutInput(lineage, null));
    const x = new Map(placed.nodes.map((n) => [n.label, n.x]));
    expect(x.get("maker")!).toBeLessThan(x.get("data:v0")!);
    expect(x.get("data:v0")!).toBeLessThan(x.get("user")!);
    expect(placed.edges.every((e) => e.points.length >= 2)).toBe(true);
    expect(placed.width).toBeGreaterThan(0);
  });
});
