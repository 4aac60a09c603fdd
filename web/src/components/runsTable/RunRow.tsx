// The runs table's rows, memoised: a scroll re-renders the table body (the virtualiser's
// window moves) but a row that stays in the window keeps its props and is not rendered
// again. Rows read their columns from one shared list of cell specs (id, class, style),
// made once per column layout, so rendering a row makes no per-cell style objects and
// touches no TanStack Table row model.
import { type CSSProperties, type MouseEvent, type ReactNode, memo } from "react";
import type { Run } from "../../api/types";
import { setHoveredRun } from "../../hooks/useHoveredRun";
import { navigate } from "../../hooks/useRoute";
import { NAME_COLUMN, columnValue, describeColumn, runDisplayName } from "../../lib/columns";
import { formatNumber } from "../../lib/format";
import { groupLineId } from "../../lib/grouping";
import type { TableRow } from "../../lib/groupRows";
import { runUrl } from "../../lib/route";
import { toHex6 } from "../../lib/runColor";
import SummaryValue, { isRichSummary } from "../SummaryValue";
import { cellText, deltaClass, summaryDelta } from "./cells";
import type { CellSpec, RowLayout } from "./layout";

export const ROW_HEIGHT = 30;
export const CONTROLS = "run:controls";

/** What a row's controls do; one stable object for every row. */
export interface RowActions {
  toggleSelected: (id: string) => void;
  toggleHidden: (id: string) => void;
  setColor: (id: string, color: string) => void;
  toggleGroup: (key: string) => void;
}

const leave = () => setHoveredRun(null);

function openRun(e: MouseEvent<HTMLAnchorElement>) {
  if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(e.currentTarget.getAttribute("href") ?? "");
}

function rowStyle(top: number, width: number): CSSProperties {
  return { transform: `translateY(${top}px)`, height: ROW_HEIGHT, width };
}

function cellsOf(layout: RowLayout, cell: (spec: CellSpec) => ReactNode): ReactNode {
  return (
    <>
      <div className="pins" style={layout.pinsStyle}>
        {layout.pins.map(cell)}
      </div>
      {layout.rest.map(cell)}
    </>
  );
}

export interface RunRowProps {
  run: Run;
  /** The group the row is listed under (grouping on, group expanded), else null. */
  group: string | null;
  top: number;
  layout: RowLayout;
  visible: boolean;
  selected: boolean;
  baseline: Run | null;
  color: string;
  keyColorsOn: boolean;
  entity: string;
  project: string;
  actions: RowActions;
}

export const RunRow = memo(function RunRow(props: RunRowProps) {
  const { run, group, top, layout, visible, selected, baseline, color, keyColorsOn, entity, project, actions } = props;
  const isBaseline = baseline?.id === run.id;
  const name = runDisplayName(run);
  return (
    <div
      className={`tr${visible ? "" : " hidden-run"}${selected ? " selected" : ""}${isBaseline ? " baseline" : ""}${group === null ? "" : " grouped"}`}
      data-testid={`run-row-${run.id}`}
      data-visible={visible}
      data-baseline={isBaseline}
      style={rowStyle(top, layout.width)}
      onMouseEnter={() => setHoveredRun(run.id)}
      onMouseLeave={leave}
    >
      {cellsOf(layout, (cell) => {
        const id = cell.id;
        if (id === CONTROLS) {
          return (
            <div key={id} className="td pinned controls" style={cell.style}>
              <input
                type="checkbox"
                data-testid={`select-${run.id}`}
                aria-label={`select ${name}`}
                checked={selected}
                onChange={() => actions.toggleSelected(run.id)}
              />
              <button
                type="button"
                className="eye"
                data-testid={`eye-${run.id}`}
                aria-pressed={visible}
                title={visible ? "Hide this run" : "Show this run"}
                onClick={() => actions.toggleHidden(run.id)}
              />
              <label
                className={`swatch swatch-picker${keyColorsOn ? " locked" : ""}`}
                style={{ background: visible ? color : "var(--run-hidden)" }}
                data-color={color}
                title={keyColorsOn ? "Key-based colours are on (Workspace settings → Runs)" : "Pick this run's colour"}
              >
                <input
                  type="color"
                  data-testid={`color-input-${run.id}`}
                  aria-label={`colour of ${name}`}
                  value={toHex6(color) ?? "#000000"}
                  disabled={keyColorsOn}
                  onChange={(e) => actions.setColor(run.id, e.target.value)}
                />
              </label>
            </div>
          );
        }
        if (id === NAME_COLUMN) {
          return (
            <div key={id} className="td pinned name" style={cell.style}>
              <a href={runUrl(entity, project, run.id)} data-testid={`run-link-${run.id}`} title={`${name} (${run.id})`} onClick={openRun}>
                {name}
              </a>
              {run.state === "running" && <span className="live-dot" title="running" />}
              {isBaseline && (
                <span className="baseline-mark" title="baseline run">
                  base
                </span>
              )}
            </div>
          );
        }
        const summary = id.startsWith("summary:");
        const value = summary ? columnValue(run, id) : undefined;
        if (summary && isRichSummary(value)) {
          return (
            <div key={id} className={cell.pinned ? "td rich pinned" : "td rich"} style={cell.style} data-testid={`cell-${run.id}-${id}`}>
              <SummaryValue value={value} label={describeColumn(id).label} entity={entity} project={project} runId={run.id} compact />
            </div>
          );
        }
        const text = cellText(run, id);
        const change = summary ? summaryDelta(run, baseline, id) : null;
        return (
          <div
            key={id}
            className={cell.pinned ? "td pinned" : "td"}
            style={cell.style}
            data-testid={`cell-${run.id}-${id}`}
            title={change ? `${text} (${change} vs baseline)` : text}
          >
            {text}
            {change && (
              <span className={deltaClass(change)} data-testid={`delta-${run.id}-${id}`}>
                {change}
              </span>
            )}
          </div>
        );
      })}
    </div>
  );
});

export interface GroupRowProps {
  row: Extract<TableRow, { kind: "group" }>;
  top: number;
  layout: RowLayout;
  actions: RowActions;
}

export const GroupRow = memo(function GroupRow({ row, top, layout, actions }: GroupRowProps) {
  return (
    <div
      className="tr group-row"
      data-testid={`group-row-${row.label}`}
      data-count={row.count}
      style={rowStyle(top, layout.width)}
      onMouseEnter={() => setHoveredRun(groupLineId(row.key))}
      onMouseLeave={leave}
    >
      {cellsOf(layout, (cell) => {
        const id = cell.id;
        if (id === CONTROLS) {
          return (
            <div key={id} className="td pinned controls" style={cell.style}>
              <button
                type="button"
                className="link group-toggle"
                data-testid={`group-toggle-${row.label}`}
                aria-expanded={row.expanded}
                onClick={() => actions.toggleGroup(row.key)}
              >
                {row.expanded ? "▾" : "▸"}
              </button>
            </div>
          );
        }
        if (id === NAME_COLUMN) {
          return (
            <div key={id} className="td pinned name group-name" style={cell.style} title={row.label}>
              {row.label} <span className="muted">({row.count})</span>
            </div>
          );
        }
        const agg = row.aggregates[id];
        return (
          <div
            key={id}
            className={cell.pinned ? "td pinned" : "td"}
            style={cell.style}
            data-testid={`group-cell-${row.label}-${id}`}
            data-mean={agg?.mean ?? ""}
            title={agg ? `mean ${formatNumber(agg.mean)} · min ${formatNumber(agg.min)} · max ${formatNumber(agg.max)} (${agg.n} runs)` : ""}
          >
            {agg ? formatNumber(agg.mean) : ""}
          </div>
        );
      })}
    </div>
  );
});
