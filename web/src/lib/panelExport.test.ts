import { describe, expect, it } from "vitest";
import type { Series } from "../api/types";
import type { PublishedChart } from "./chartRegistry";
import { chartSvg, exportName, seriesCsv, tableCsv } from "./panelExport";

describe("panel export", () => {
  it("writes a logged table as CSV: media cells by URL, objects as JSON", () => {
    const rows = [
      [1, "a,b", { _type: "image-file", url: "/files/x.png" }],
      [null, true, { k: [1, 2] }],
    ];
    expect(tableCsv(["n", "text", "v"], rows)).toBe('n,text,v\n1,"a,b",/files/x.png\n,true,"{""k"":[1,2]}"\n');
  });
  it("writes one CSV row per stored point, quoting what needs it", () => {
    const series = [{ run: "r1", key: "loss", x: [0, 1, 2], y: [1, null, 0.5] } as unknown as Series];
    expect(seriesCsv("_step", series, new Map([["r1", 'a, "b"']]))).toBe('run,name,metric,_step,value\nr1,"a, ""b""",loss,0,1\nr1,"a, ""b""",loss,2,0.5\n');
  });
  it("draws an SVG path per series with escaped labels", () => {
    const chart = {
      key: "loss",
      xKey: "_step",
      zoom: null,
      series: [{ run: "r1", label: "<lr>", color: "#ff0000", points: [[0, 1], [1, 0.5]] }],
    } as unknown as PublishedChart;
    const svg = chartSvg(chart, { title: "loss & more" });
    expect(svg).toContain('data-run="r1"');
    expect(svg).toContain("&lt;lr&gt;");
    expect(svg).toContain("loss &amp; more");
    expect(svg.startsWith("<svg")).toBe(true);
  });
  it("names files after the title", () => {
    expect(exportName("val/loss (ema)", "csv")).toBe("val_loss_ema.csv");
    expect(exportName("///", "png")).toBe("panel.png");
  });
});
