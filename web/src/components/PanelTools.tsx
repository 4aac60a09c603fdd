// A line panel's toolbar: full screen, and a menu to edit, duplicate or delete the
// panel and export it (PNG from its canvas, SVG from what it drew, CSV of its stored
// points read from /series).
import { useContext, useEffect, useRef, useState } from "react";
import type { Run, Series } from "../api/types";
import { SeriesLoaderContext } from "../hooks/useSeries";
import { runDisplayName } from "../lib/columns";
import { chartSvg, exportName, seriesCsv } from "../lib/panelExport";

export interface PanelToolsProps {
  id: string;
  title: string;
  /** Metric keys the panel draws, its runs and x-axis (for the CSV). */
  keys: string[];
  runs: Run[];
  x: string;
  fullscreen: boolean;
  onFullscreen: (on: boolean) => void;
  onEdit: () => void;
  onDuplicate: () => void;
  onDelete: () => void;
}

/** Points per series asked for the CSV: the route's maximum (longer series come reduced). */
const CSV_POINTS = 10_000;

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function panelElement(id: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-panel-id="${CSS.escape(id)}"]`);
}

async function exportPng(id: string, title: string): Promise<void> {
  const canvas = panelElement(id)?.querySelector<HTMLCanvasElement>("canvas");
  if (!canvas) throw new Error("the panel has no chart drawn yet");
  const pad = 28;
  const out = document.createElement("canvas");
  out.width = canvas.width;
  out.height = canvas.height + pad;
  const ctx = out.getContext("2d")!;
  const style = getComputedStyle(document.documentElement);
  ctx.fillStyle = style.getPropertyValue("--panel").trim() || "#ffffff";
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = style.getPropertyValue("--fg").trim() || "#1d2330";
  ctx.font = "600 14px system-ui, sans-serif";
  ctx.fillText(title, 8, 19);
  ctx.drawImage(canvas, 0, pad);
  const blob = await new Promise<Blob | null>((resolve) => out.toBlob(resolve, "image/png"));
  if (!blob) throw new Error("the browser could not encode the PNG");
  download(blob, exportName(title, "png"));
}

export default function PanelTools(props: PanelToolsProps) {
  const { id, title } = props;
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const load = useContext(SeriesLoaderContext);
  const menu = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (menu.current && !menu.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);

  const act = (run: () => void | Promise<void>) => () => {
    setOpen(false);
    setError(null);
    Promise.resolve()
      .then(run)
      .catch((e: unknown) => setError(String(e instanceof Error ? e.message : e)));
  };
  const exportSvg = () => {
    const chart = window.__runyardCharts?.[id];
    if (!chart) throw new Error("the panel has no chart drawn yet");
    const dark = document.documentElement.classList.contains("theme-dark");
    download(new Blob([chartSvg(chart, { title, dark })], { type: "image/svg+xml" }), exportName(title, "svg"));
  };
  const exportCsv = async () => {
    if (!load) throw new Error("no series loader");
    const runs = props.runs.map((r) => r.id);
    const all: Series[] = [];
    for (const key of props.keys) all.push(...(await load({ runs, key, x: props.x, points: CSV_POINTS })));
    const names = new Map(props.runs.map((r) => [r.id, runDisplayName(r)] as const));
    download(new Blob([seriesCsv(props.x, all, names)], { type: "text/csv" }), exportName(title, "csv"));
  };

  return (
    <span className="panel-tools" data-testid={`panel-tools-${id}`}>
      {error && (
        <span className="error" data-testid={`panel-error-${id}`} title={error}>
          ⚠
        </span>
      )}
      <button
        type="button"
        data-testid={`panel-fullscreen-${id}`}
        aria-label={props.fullscreen ? `close full screen of ${title}` : `show ${title} full screen`}
        aria-pressed={props.fullscreen}
        title={props.fullscreen ? "close full screen (Esc)" : "full screen"}
        onClick={() => props.onFullscreen(!props.fullscreen)}
      >
        {props.fullscreen ? (
          "✕"
        ) : (
          <svg width="11" height="11" viewBox="0 0 12 12" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.5">
            <path d="M1 4V1h3M8 1h3v3M11 8v3H8M4 11H1V8" />
          </svg>
        )}
      </button>
      <span className="panel-menu" ref={menu}>
        <button type="button" data-testid={`panel-menu-${id}`} aria-label={`actions of ${title}`} aria-expanded={open} onClick={() => setOpen((o) => !o)}>
          ⋯
        </button>
        {open && (
          <span className="panel-menu-list" role="menu">
            <button type="button" role="menuitem" data-testid={`panel-edit-${id}`} onClick={act(props.onEdit)}>
              Edit panel…
            </button>
            <button type="button" role="menuitem" data-testid={`panel-duplicate-${id}`} onClick={act(props.onDuplicate)}>
              Duplicate
            </button>
            <button type="button" role="menuitem" data-testid={`panel-delete-${id}`} onClick={act(props.onDelete)}>
              Delete
            </button>
            <button type="button" role="menuitem" data-testid={`panel-export-png-${id}`} onClick={act(() => exportPng(id, title))}>
              Export PNG
            </button>
            <button type="button" role="menuitem" data-testid={`panel-export-svg-${id}`} onClick={act(exportSvg)}>
              Export SVG
            </button>
            <button type="button" role="menuitem" data-testid={`panel-export-csv-${id}`} onClick={act(exportCsv)}>
              Export CSV
            </button>
          </span>
        )}
      </span>
    </span>
  );
}
