// One summary value as the run page and the runs table show it: numbers and text as
// text; a tensor's statistics (min, max, mean, std, percentiles, shape) with a small
// histogram drawn from its quantiles; a logged histogram's bars; an image; HTML in a
// sandboxed frame (full size and in a tab through HtmlCell); a table as its size and
// a link to its rows.
import type { JsonValue } from "../api/types";
import { formatNumber, formatValue } from "../lib/format";
import type { Bar } from "../lib/mediaSteps";
import { runUrl } from "../lib/route";
import {
  quantileBars,
  summaryHistogramBars,
  summaryKind,
  tableSize,
  tensorLine,
  tensorStats,
  urlOf,
} from "../lib/summaryValues";
import HtmlCell from "./media/HtmlCell";
import "./SummaryValue.css";

export interface SummaryValueProps {
  value: JsonValue | undefined;
  label: string;
  /** Where the run lives, for links to its tables. */
  entity: string;
  project: string;
  runId: string;
  /** A runs-table cell: one line and a sparkline-sized histogram. */
  compact?: boolean;
}

/** Whether `value` is shown by SummaryValue rather than as plain text. */
export function isRichSummary(value: JsonValue | undefined): boolean {
  return summaryKind(value) !== "plain";
}

export default function SummaryValue({ value, label, entity, project, runId, compact = false }: SummaryValueProps) {
  const kind = summaryKind(value);
  const url = urlOf(value);
  switch (kind) {
    case "tensor": {
      const stats = tensorStats(value)!;
      const bars = quantileBars(stats.quantiles, compact ? 12 : 24);
      const title = `${label}: ${stats.type}, histogram estimated from its percentiles`;
      if (compact) {
        return (
          <span className="summary-compact" data-testid="summary-tensor" title={`${tensorLine(stats)} (${stats.type})`}>
            <MiniBars bars={bars} width={36} height={14} label={title} />
            <span className="summary-line">{tensorLine(stats)}</span>
          </span>
        );
      }
      return (
        <div className="summary-tensor" data-testid="summary-tensor">
          <MiniBars bars={bars} width={180} height={48} label={title} axis />
          <dl className="tensor-stats">
            <div>
              <dt>shape</dt>
              <dd data-testid="tensor-shape">{stats.shape ? stats.shape.join(" × ") : stats.size ?? ""}</dd>
            </div>
            {stats.stats.map(([name, v]) => (
              <div key={name}>
                <dt>{name}</dt>
                <dd data-testid={`tensor-stat-${name}`} data-value={v}>
                  {formatNumber(v)}
                </dd>
              </div>
            ))}
          </dl>
          <span className="muted summary-type">{stats.type}</span>
        </div>
      );
    }
    case "histogram": {
      const bars = summaryHistogramBars(value);
      return compact ? (
        <span className="summary-compact" title={`${label}: histogram of ${bars.length} bins`}>
          <MiniBars bars={bars} width={60} height={14} label={`${label}: histogram`} />
        </span>
      ) : (
        <MiniBars bars={bars} width={180} height={48} label={`${label}: histogram of ${bars.length} bins`} axis />
      );
    }
    case "image":
      return url ? (
        <a href={url} target="_blank" rel="noreferrer" className="summary-image" title={`${label} (open full size)`}>
          <img src={url} alt={label} className={compact ? "summary-thumb" : "summary-img"} loading="lazy" />
        </a>
      ) : (
        <span>{formatValue(value)}</span>
      );
    case "html":
      if (!url) return <span>{formatValue(value)}</span>;
      return compact ? (
        <a href={url} target="_blank" rel="noreferrer" data-testid="summary-html-link">
          HTML ↗
        </a>
      ) : (
        <div data-testid="summary-html-box">
          <HtmlCell url={url} label={label} />
        </div>
      );
    case "table": {
      const size = tableSize(value);
      return (
        <span className="summary-table" data-testid="summary-table">
          <a href={runUrl(entity, project, runId, "charts")} title={`${label}: the run's table panels`}>
            table{size ? ` · ${size}` : ""}
          </a>
          {url && !compact && (
            <>
              {" "}
              <a href={url} target="_blank" rel="noreferrer" className="muted">
                JSON ↗
              </a>
            </>
          )}
        </span>
      );
    }
    default:
      return <>{formatValue(value)}</>;
  }
}

/** Bars as a tiny SVG; with `axis`, the range's ends below it. */
function MiniBars({ bars, width, height, label, axis = false }: { bars: Bar[]; width: number; height: number; label: string; axis?: boolean }) {
  if (bars.length === 0) return null;
  const top = Math.max(...bars.map((b) => b.count)) || 1;
  const w = width / bars.length;
  return (
    <figure className={axis ? "summary-hist" : "summary-hist mini"}>
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label} data-testid="summary-histogram">
        {bars.map((b, i) => {
          const h = (b.count / top) * (height - 1);
          return <rect key={i} x={i * w} y={height - h} width={Math.max(0.5, w - 0.5)} height={h} className="summary-bar" />;
        })}
      </svg>
      {axis && (
        <figcaption className="summary-hist-range">
          <span>{formatNumber(bars[0].x0)}</span>
          <span>{formatNumber(bars[bars.length - 1].x1)}</span>
        </figcaption>
      )}
    </figure>
  );
}
