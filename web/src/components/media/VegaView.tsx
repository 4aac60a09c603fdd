// One Vega / Vega-Lite chart drawn with vega-embed (loaded lazily): the spec with
// its placeholders filled, and the rows fed as the "wandb" dataset. Errors in the
// spec are shown in place of the chart, never thrown.
import { useEffect, useRef, useState } from "react";
import type { Row } from "../../lib/vegaSpec";
import { isVegaLite } from "../../lib/vegaSpec";
import { loadVegaEmbed } from "./lazy";
import { countMarks, publishVega, unpublishVega } from "./registry";

export interface VegaViewProps {
  spec: Record<string, unknown>;
  rows: Row[];
  height?: number;
  /** publish on window.__runyardVega under this key (the panel's; not the editor preview's) */
  publishAs?: { key: string; preset: string; runs: string[] };
  testid?: string;
}

const COMPOSITE = ["facet", "hconcat", "vconcat", "concat", "repeat"];

/** Fit the chart to its box unless the spec sizes itself (composite Vega-Lite views size their cells). */
export function sized(spec: Record<string, unknown>, width: number, height: number): Record<string, unknown> {
  const out = { ...spec };
  if (isVegaLite(spec)) {
    if (COMPOSITE.some((k) => k in spec)) return out;
    out.width ??= "container";
    out.height ??= height;
  } else {
    out.width ??= width;
    out.height ??= height;
    out.autosize ??= { type: "fit", contains: "padding" };
  }
  return out;
}

/** The compiled Vega spec with `rows` as the values of its "wandb" dataset. */
export function withRows(compiled: Record<string, unknown>, rows: Row[]): Record<string, unknown> {
  const data = Array.isArray(compiled.data) ? (compiled.data as Record<string, unknown>[]) : [];
  if (!data.some((d) => d && d.name === "wandb")) throw new Error('The spec has no data named "wandb"');
  return { ...compiled, data: data.map((d) => (d && d.name === "wandb" ? { ...d, values: rows } : d)) };
}

export default function VegaView({ spec, rows, height = 220, publishAs, testid }: VegaViewProps) {
  const box = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [state, setState] = useState<{ marks: number; marktypes: string[]; rows: number } | null>(null);
  const publishKey = publishAs?.key;
  const publishPreset = publishAs?.preset;
  const publishRuns = publishAs?.runs.join(",");

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    let cancelled = false;
    let finalize: (() => void) | null = null;
    (async () => {
      try {
        const embed = await loadVegaEmbed();
        if (cancelled) return;
        const width = Math.max(200, element.clientWidth - 10);
        // the rows go into the compiled Vega spec's "wandb" dataset before the first
        // run, so layouts that size themselves from the data (facets) are right at once
        const result = await embed(element, sized(spec, width, height) as never, {
          mode: isVegaLite(spec) ? "vega-lite" : "vega",
          actions: false,
          renderer: "canvas",
          patch: (compiled) => withRows(compiled as unknown as Record<string, unknown>, rows) as never,
        });
        finalize = () => result.finalize();
        if (cancelled) {
          result.finalize();
          return;
        }
        const view = result.view;
        await view.runAsync();
        if (cancelled) return;
        const scene = countMarks((view.scenegraph() as unknown as { root: unknown }).root);
        const drawn = { ...scene, rows: (view.data("wandb") as unknown[]).length };
        setError(null);
        setState(drawn);
        if (publishKey) {
          publishVega({
            key: publishKey,
            preset: publishPreset ?? "",
            runs: publishRuns ? publishRuns.split(",") : [],
            view,
            spec,
            ...drawn,
          });
        }
      } catch (e) {
        if (cancelled) return;
        setState(null);
        setError(e instanceof Error ? e.message : String(e));
      }
    })();
    return () => {
      cancelled = true;
      finalize?.();
    };
  }, [spec, rows, height, publishKey, publishPreset, publishRuns]);

  useEffect(() => (publishKey ? () => unpublishVega(publishKey) : undefined), [publishKey]);

  return (
    <div
      className="vega-view"
      data-testid={testid}
      data-marks={state?.marks ?? ""}
      data-marktypes={state?.marktypes.join(",") ?? ""}
      data-rows={state?.rows ?? ""}
    >
      {error && (
        <div className="error-note vega-error" role="alert" data-testid={testid ? `${testid}-error` : undefined}>
          {error}
        </div>
      )}
      <div ref={box} className="vega-box" style={{ minHeight: error ? 0 : height }} />
    </div>
  );
}
