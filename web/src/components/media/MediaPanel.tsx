// A media key's panel for the shown runs: images (single or separated, with
// captions), HTML (sandboxed iframes), Plotly figures or histograms, each at the
// step the slider selects (the last logged, until moved).
import { useEffect, useRef, useState } from "react";
import type { MediaValue, Run } from "../../api/types";
import { useInView } from "../../hooks/useInView";
import { useColorOf } from "../../hooks/useRunColors";
import { runDisplayName } from "../../lib/columns";
import { histogramBars, imagesOf, valueAtStep } from "../../lib/mediaSteps";
import type { PanelMedia } from "../../lib/mediaSections";
import { type PanelExport, downloadJson, downloadUrl, exportPng, fileName } from "../PanelTools";
import HistogramBars from "./HistogramBars";
import HistogramHeatmap from "./HistogramHeatmap";
import PanelFrame from "./PanelFrame";
import { usePanelChrome } from "./panelChrome";
import PlotlyFigure from "./PlotlyFigure";
import StepSlider from "./StepSlider";
import { useMedia, useStep } from "./useMedia";

const KIND: Record<PanelMedia, string> = {
  "image-file": "images",
  "images/separated": "images",
  "html-file": "html",
  "plotly-file": "plotly",
  "table-file": "table",
  histogram: "histogram",
};

/** The sandbox of logged HTML: its own scripts and popups, never the app's origin. */
export const HTML_SANDBOX = "allow-scripts allow-popups";

export interface MediaPanelProps {
  entity: string;
  project: string;
  panelKey: string;
  media: PanelMedia;
  runs: Run[];
}

export default function MediaPanel({ entity, project, panelKey, media, runs }: MediaPanelProps) {
  const body = useRef<HTMLDivElement>(null);
  const inView = useInView(body);
  const colorOf = useColorOf();
  const { data, error, isPending } = useMedia(entity, project, runs, panelKey, inView);
  const chrome = usePanelChrome();
  const { steps, step, setStep } = useStep(data, chrome?.look.step);
  const byRun = new Map((data?.runs ?? []).map((r) => [r.run, r.steps] as const));
  const shown = runs.flatMap((run) => {
    const at = valueAtStep(byRun.get(run.id) ?? [], step);
    return at ? [{ run, at }] : [];
  });
  const kind = KIND[media];
  // histograms: one step as bars, or every step as a heatmap (issue 18); the panel's
  // settings choose which, the head's toggle flips it until they change
  const saved = chrome?.look.overSteps === true;
  const [toggled, setOverSteps] = useState<boolean | null>(null);
  useEffect(() => setOverSteps(null), [saved]);
  const overSteps = toggled ?? saved;
  const heatmap = media === "histogram" && overSteps;
  const exports = mediaExports(media, chrome?.id ?? panelKey, chrome?.look.title ?? panelKey, shown);

  return (
    <PanelFrame
      panelKey={panelKey}
      kind={kind}
      bodyRef={body}
      wide={kind === "html" || kind === "plotly"}
      extra={{ "data-step": step ?? undefined, "data-steps": steps.length }}
      exports={exports}
      actions={
        media === "histogram" ? (
          <button
            type="button"
            className="link"
            data-testid={`heatmap-toggle-${panelKey}`}
            aria-pressed={overSteps}
            onClick={() => setOverSteps(!overSteps)}
          >
            {overSteps ? "one step" : "over steps"}
          </button>
        ) : undefined
      }
    >
      {!heatmap && <StepSlider id={panelKey} label={panelKey} steps={steps} value={step} onChange={setStep} />}
      {error ? (
        <div className="error-note" role="alert">
          {String(error)}
        </div>
      ) : shown.length === 0 ? (
        <div className="panel-empty" style={{ height: 120 }}>
          {isPending || !inView ? "Loading…" : "Nothing logged for the shown runs"}
        </div>
      ) : (
        <div className={`media-runs media-${kind}`}>
          {shown.map(({ run, at }) => (
            <div key={run.id} className="media-run" data-testid={`media-run-${run.id}`} data-run={run.id} data-step={at.step}>
              <div className="media-run-name" title={runDisplayName(run)}>
                <span className="swatch" style={{ background: colorOf(run) }} />
                {runDisplayName(run)}
                {at.step !== step && <span className="muted"> (step {at.step})</span>}
              </div>
              {heatmap ? (
                <HistogramHeatmap steps={byRun.get(run.id) ?? []} panelKey={panelKey} run={run.id} label={`${panelKey} of ${runDisplayName(run)}`} />
              ) : (
              <MediaValueView
                value={at.value}
                media={media}
                panelKey={panelKey}
                run={run.id}
                color={colorOf(run)}
                label={`${panelKey} of ${runDisplayName(run)}`}
                step={at.step}
              />
              )}
            </div>
          ))}
        </div>
      )}
    </PanelFrame>
  );
}

/** Export the logged files themselves (images, HTML, Plotly figures) of the shown step,
 * a histogram as a PNG of its drawing and its bins as JSON. */
function mediaExports(media: PanelMedia, id: string, title: string, shown: { run: Run; at: { step: number; value: MediaValue } }[]): PanelExport[] {
  const files = () => {
    const urls = shown.flatMap(({ at }) =>
      media === "image-file" || media === "images/separated" ? imagesOf(at.value).map((i) => i.url) : typeof at.value.url === "string" ? [at.value.url] : [],
    );
    if (urls.length === 0) throw new Error("no file is shown");
    for (const url of urls) downloadUrl(url, fileName(url, title));
  };
  switch (media) {
    case "image-file":
    case "images/separated":
      return [{ id: "file", label: "Download images", run: files }];
    case "html-file":
      return [{ id: "file", label: "Download HTML", run: files }];
    case "plotly-file":
      return [{ id: "file", label: "Download figure (JSON)", run: files }];
    case "histogram":
      return [
        { id: "png", label: "Export PNG", run: () => exportPng(id, title) },
        {
          id: "json",
          label: "Export JSON",
          run: () => downloadJson(shown.map(({ run, at }) => ({ run: run.id, name: runDisplayName(run), step: at.step, bins: histogramBars(at.value) })), title),
        },
      ];
    default:
      return [];
  }
}

interface MediaValueViewProps {
  value: MediaValue;
  media: PanelMedia;
  panelKey: string;
  run: string;
  color: string;
  label: string;
  step: number;
}

function MediaValueView({ value, media, panelKey, run, color, label, step }: MediaValueViewProps) {
  switch (media) {
    case "image-file":
    case "images/separated": {
      const images = imagesOf(value);
      return (
        <div className="image-grid">
          {images.map((image, i) => (
            <figure key={`${image.url}-${i}`} className="image-cell">
              <a href={image.url} target="_blank" rel="noreferrer" title="open the full image">
                <img src={image.url} alt={image.caption ?? `${label}, image ${i + 1}`} loading="lazy" data-testid="media-image" />
              </a>
              {image.caption && <figcaption data-testid="media-caption">{image.caption}</figcaption>}
            </figure>
          ))}
        </div>
      );
    }
    case "html-file":
      return typeof value.url === "string" ? (
        <iframe
          className="html-frame"
          src={value.url}
          sandbox={HTML_SANDBOX}
          referrerPolicy="no-referrer"
          title={label}
          data-testid="media-html"
        />
      ) : null;
    case "plotly-file":
      return typeof value.url === "string" ? (
        <PlotlyFigure url={value.url} height={220} publishAs={{ key: panelKey, run }} testid="media-plotly" />
      ) : null;
    case "histogram":
      return <HistogramBars bars={histogramBars(value)} color={color} label={label} step={step} testid="media-histogram" />;
    default:
      return null;
  }
}
