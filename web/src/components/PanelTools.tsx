// Any panel's toolbar (line, media or custom chart): full screen, and a menu to edit,
// duplicate, delete or move the panel to another section and to export it. The exports
// are the panel kind's own (a line panel: PNG, SVG, CSV; a table: CSV, JSON; an image:
// its files…); the download glue they share is here.
import { useEffect, useRef, useState } from "react";
import type { Run, Series } from "../api/types";
import { pageColors } from "../lib/chartStyle";
import { runDisplayName } from "../lib/columns";
import { chartSvg, exportName, seriesCsv } from "../lib/panelExport";

/** One export of a panel: `id` names it in test ids (`panel-export-<id>-<panel>`). */
export interface PanelExport {
  id: string;
  label: string;
  run: () => void | Promise<void>;
}

export interface SectionChoice {
  id: string;
  title: string;
}

export interface PanelToolsProps {
  id: string;
  title: string;
  exports: readonly PanelExport[];
  fullscreen: boolean;
  onFullscreen: (on: boolean) => void;
  onEdit: () => void;
  onDuplicate: () => void;
  onDelete: () => void;
  /** The other sections the panel can move to. */
  sections?: readonly SectionChoice[];
  onMoveTo?: (section: string) => void;
}

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  downloadUrl(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Download a file the server serves (same origin: the `download` attribute holds). */
export function downloadUrl(url: string, name: string): void {
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

/** The last part of a file URL's path (the name a downloaded file gets). */
export function fileName(url: string, fallback: string): string {
  const path = url.split(/[?#]/)[0];
  return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1)) || fallback;
}

export function downloadJson(value: unknown, title: string): void {
  download(new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: "application/json" }), exportName(title, "json"));
}

function panelElement(id: string): HTMLElement | null {
  return document.querySelector<HTMLElement>(`[data-panel-id="${CSS.escape(id)}"]`);
}

/** An SVG drawing as a canvas, at its size on the page. */
async function svgCanvas(svg: SVGSVGElement): Promise<HTMLCanvasElement> {
  const box = svg.getBoundingClientRect();
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  copy.setAttribute("width", String(Math.round(box.width)));
  copy.setAttribute("height", String(Math.round(box.height)));
  const image = new Image();
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(copy))}`;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(box.width));
  canvas.height = Math.max(1, Math.round(box.height));
  canvas.getContext("2d")!.drawImage(image, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/** A PNG of what the panel drew: its title over each of its canvases and SVG drawings
 * (one per run for media panels), stacked. */
export async function exportPng(id: string, title: string): Promise<void> {
  const body = panelElement(id)?.querySelector<HTMLElement>(".panel-body") ?? panelElement(id);
  const drawn = [...(body?.querySelectorAll<HTMLCanvasElement | SVGSVGElement>("canvas, svg[role='img']") ?? [])].filter(
    (el) => !el.parentElement?.closest("svg[role='img']"),
  );
  if (drawn.length === 0) throw new Error("the panel has no chart drawn yet");
  const parts = await Promise.all(drawn.map((el) => (el instanceof HTMLCanvasElement ? el : svgCanvas(el))));
  const pad = 28;
  const out = document.createElement("canvas");
  out.width = Math.max(...parts.map((c) => c.width));
  out.height = pad + parts.reduce((h, c) => h + c.height, 0);
  const ctx = out.getContext("2d")!;
  const paper = pageColors(); // the theme that shows, from the page's CSS variables
  ctx.fillStyle = paper.bg;
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = paper.fg;
  ctx.font = "600 14px system-ui, sans-serif";
  ctx.fillText(title, 8, 19);
  let y = pad;
  for (const part of parts) {
    ctx.drawImage(part, 0, y);
    y += part.height;
  }
  const blob = await new Promise<Blob | null>((resolve) => out.toBlob(resolve, "image/png"));
  if (!blob) throw new Error("the browser could not encode the PNG");
  download(blob, exportName(title, "png"));
}

/** A line panel's exports: PNG of its canvas, SVG of what it drew, CSV of its stored points. */
export function linePanelExports(options: {
  id: string;
  title: string;
  keys: readonly string[];
  runs: readonly Run[];
  x: string;
  load: ((q: { runs: string[]; key: string; x: string; points: number }) => Promise<Series[]>) | null;
}): PanelExport[] {
  const { id, title } = options;
  return [
    { id: "png", label: "Export PNG", run: () => exportPng(id, title) },
    {
      id: "svg",
      label: "Export SVG",
      run: () => {
        const chart = window.__runyardCharts?.[id];
        if (!chart) throw new Error("the panel has no chart drawn yet");
        const dark = document.documentElement.classList.contains("theme-dark");
        download(new Blob([chartSvg(chart, { title, dark })], { type: "image/svg+xml" }), exportName(title, "svg"));
      },
    },
    {
      id: "csv",
      label: "Export CSV",
      run: async () => {
        const { load } = options;
        if (!load) throw new Error("no series loader");
        const runs = options.runs.map((r) => r.id);
        const all: Series[] = [];
        for (const key of options.keys) all.push(...(await load({ runs, key, x: options.x, points: CSV_POINTS })));
        const names = new Map(options.runs.map((r) => [r.id, runDisplayName(r)] as const));
        download(new Blob([seriesCsv(options.x, all, names)], { type: "text/csv" }), exportName(title, "csv"));
      },
    },
  ];
}

/** Points per series asked for the CSV: the route's maximum (longer series come reduced). */
const CSV_POINTS = 10_000;

export default function PanelTools(props: PanelToolsProps) {
  const { id, title, sections = [] } = props;
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
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
            {props.onMoveTo && sections.length > 0 && (
              <select
                aria-label={`move ${title} to section`}
                data-testid={`panel-move-${id}`}
                value=""
                onChange={(e) => {
                  const to = e.target.value;
                  if (to) act(() => props.onMoveTo!(to))();
                }}
              >
                <option value="">Move to section…</option>
                {sections.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.title}
                  </option>
                ))}
              </select>
            )}
            {props.exports.map((ex) => (
              <button key={ex.id} type="button" role="menuitem" data-testid={`panel-export-${ex.id}-${id}`} onClick={act(ex.run)}>
                {ex.label}
              </button>
            ))}
          </span>
        )}
      </span>
    </span>
  );
}
