// A logged Plotly figure (`plotly-file`: the figure's JSON), drawn with plotly.js
// loaded lazily and fitted to the panel (lib/plotlyLayout); the number of traces
// drawn is on `data-traces`.
import { useEffect, useRef, useState } from "react";
import { fitLayout } from "../../lib/plotlyLayout";
import { loadPlotly } from "./lazy";
import { publishPlotly } from "./registry";

export interface PlotlyFigureProps {
  url: string;
  height?: number;
  /** publish on window.__runyardPlotly[key].runs[run] */
  publishAs?: { key: string; run: string };
  testid?: string;
}

export default function PlotlyFigure({ url, height = 260, publishAs, testid }: PlotlyFigureProps) {
  const box = useRef<HTMLDivElement>(null);
  const [traces, setTraces] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const key = publishAs?.key;
  const run = publishAs?.run;

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const controller = new AbortController();
    let plotly: Awaited<ReturnType<typeof loadPlotly>> | null = null;
    (async () => {
      try {
        const [response, lib] = await Promise.all([fetch(url, { signal: controller.signal }), loadPlotly()]);
        if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
        const figure = (await response.json()) as { data?: unknown[]; layout?: Record<string, unknown> };
        if (controller.signal.aborted) return;
        plotly = lib;
        const layout = fitLayout(figure.layout ?? {}, height);
        const drawn = await lib.newPlot(element, figure.data ?? [], layout, { responsive: true, displaylogo: false });
        if (controller.signal.aborted) return;
        const n = (drawn._fullData ?? drawn.data ?? []).length;
        setTraces(n);
        setError(null);
        if (key && run) publishPlotly(key, run, n);
      } catch (e) {
        if (controller.signal.aborted) return;
        setError(e instanceof Error ? e.message : String(e));
      }
    })();
    return () => {
      controller.abort();
      if (plotly) plotly.purge(element);
      if (key && run) publishPlotly(key, run, null);
    };
  }, [url, height, key, run]);

  return (
    <div className="plotly-figure" data-testid={testid} data-traces={traces ?? ""}>
      {error && (
        <div className="error-note" role="alert">
          {error}
        </div>
      )}
      <div ref={box} style={{ minHeight: error ? 0 : height }} />
    </div>
  );
}
