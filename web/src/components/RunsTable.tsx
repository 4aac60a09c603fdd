// The workspace sidebar: the project's runs in a virtualised table (thousands
// of rows scroll smoothly), with search, state and text filters, sorting by any
// column, show/hide per run, "show only these", pinned columns that stay put
// while the rest scroll sideways, and a colour picker per run. Issue 17: runs are
// selected with check boxes for the actions (RunActions) and the comparer; hovering a
// row emphasises its line in every panel; with a baseline run, summary cells show the
// delta to it; with grouping on, groups are rows (count, mean/min/max) that expand.
import {
  type ColumnDef as TableColumn,
  type Header,
  flexRender,
  getCoreRowModel,
  useReactTable,
} from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { type CSSProperties, type MouseEvent, useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Run } from "../api/types";
import { useBaselineRun } from "../hooks/useBaselineRun";
import { setHoveredRun } from "../hooks/useHoveredRun";
import { useColorOf } from "../hooks/useRunColors";
import { navigate } from "../hooks/useRoute";
import { type ColumnDef, NAME_COLUMN, columnValue, describeColumn, runDisplayName, withMetricPins } from "../lib/columns";
import { delta, formatDelta } from "../lib/compare";
import { formatDuration, formatNumber, formatTimestamp, formatValue } from "../lib/format";
import { groupLineId, groupRuns } from "../lib/grouping";
import { type TableRow, groupedTableRows } from "../lib/groupRows";
import { runUrl } from "../lib/route";
import { type RunFilter, filterError } from "../lib/runFilter";
import { isActive } from "../lib/keyColors";
import { toHex6 } from "../lib/runColor";
import { DEFAULT_SETTINGS, type WorkspaceSettings, setRunColor, showOnly, toggle } from "../lib/workspaceSettings";
import ColumnChooser from "./ColumnChooser";
import EyeIcon from "./EyeIcon";
import FilterBuilder from "./FilterBuilder";
import PinIcon from "./PinIcon";
import RunActions from "./RunActions";
import SummaryValue, { isRichSummary } from "./SummaryValue";
import "./RunsTable.css";

export interface RunsTableProps {
  entity: string;
  project: string;
  /** All runs of the project. */
  allRuns: Run[];
  /** The filtered runs, in table order. */
  rows: Run[];
  catalog: ColumnDef[];
  filter: RunFilter;
  onFilterChange: (filter: RunFilter) => void;
  settings: WorkspaceSettings;
  update: (change: (settings: WorkspaceSettings) => WorkspaceSettings) => void;
  loading: boolean;
  /** While the rest of a large project's runs loads: how many it has (null: all loaded). */
  loadingTotal?: number | null;
  /** Ids of the runs checked (for the actions and the comparer). */
  selected: string[];
  onSelect: (ids: string[]) => void;
  /** Runs deleted or moved away from the table's actions. */
  onRemoved: (ids: string[]) => void;
  comparing: boolean;
  onCompare: () => void;
}

const ROW_HEIGHT = 30;
const CONTROLS = "run:controls";
const CONTROLS_WIDTH = 72;
const NAME_WIDTH = 170;
const COLUMN_WIDTH = 96;
const GROUP_PREFIX = "group-row:";
const STATES = ["running", "finished", "crashed", "failed", "killed"];

function cellText(run: Run, id: string): string {
  const value = columnValue(run, id);
  if (id === "run:runtime" && typeof value === "number") return formatDuration(value);
  if (id === "run:created_at" && typeof value === "number") return formatTimestamp(value);
  return formatValue(value);
}

export default function RunsTable(props: RunsTableProps) {
  const { entity, project, allRuns, rows, catalog, filter, onFilterChange, loading } = props;
  // define_metric summaries (loss.min) are pinned while the columns are the untouched
  // default; the first change to the table starts from what it shows
  const settings = useMemo(() => withMetricPins(props.settings, allRuns, DEFAULT_SETTINGS.columns), [props.settings, allRuns]);
  const runsNow = useRef(allRuns);
  runsNow.current = allRuns;
  const propsUpdate = props.update;
  const update = useCallback(
    (change: (s: WorkspaceSettings) => WorkspaceSettings) => propsUpdate((s) => change(withMetricPins(s, runsNow.current, DEFAULT_SETTINGS.columns))),
    [propsUpdate],
  );
  const { selected, onSelect, onRemoved, comparing, onCompare } = props;
  const [chooserOpen, setChooserOpen] = useState(false);
  const [builderOpen, setBuilderOpen] = useState(false);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const baselineId = useBaselineRun();
  const baseline = useMemo(() => (baselineId ? allRuns.find((r) => r.id === baselineId) ?? null : null), [allRuns, baselineId]);
  const selectedSet = useMemo(() => new Set(selected), [selected]);
  const selectedRuns = useMemo(() => allRuns.filter((r) => selectedSet.has(r.id)), [allRuns, selectedSet]);
  const textError = useMemo(() => filterError(filter.text, allRuns), [filter.text, allRuns]);
  const groupBy = settings.groupBy;
  const colorOf = useColorOf();
  const keyColorsOn = isActive(settings.keyColors);
  const hidden = useMemo(() => new Set(settings.hiddenRuns), [settings.hiddenRuns]);
  const pinned = settings.pinned;
  const shownColumns = useMemo(() => {
    const rest = settings.columns.filter((id) => !pinned.includes(id));
    return [...pinned, ...rest];
  }, [settings.columns, pinned]);

  // Pinned columns come first and stay put while the rest scroll sideways — those
  // that fit: sticky columns wider than the sidebar would cover every other column,
  // so pins past the room (a column's width left free) scroll with the rest.
  const scroller = useRef<HTMLDivElement>(null);
  const [viewWidth, setViewWidth] = useState(0);
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setViewWidth(element.clientWidth));
    observer.observe(element);
    setViewWidth(element.clientWidth);
    return () => observer.disconnect();
  }, []);
  const sticky = useMemo(() => {
    let room = viewWidth - CONTROLS_WIDTH - NAME_WIDTH - COLUMN_WIDTH;
    const out: string[] = [];
    for (const id of pinned) {
      room -= COLUMN_WIDTH;
      if (room < 0) break;
      out.push(id);
    }
    return out;
  }, [pinned, viewWidth]);

  const columns = useMemo<TableColumn<Run>[]>(
    () => [
      { id: CONTROLS, header: "", size: CONTROLS_WIDTH, enableSorting: false },
      { id: NAME_COLUMN, header: "Name", size: NAME_WIDTH },
      ...shownColumns.map((id) => ({ id, header: describeColumn(id).label, size: COLUMN_WIDTH })),
    ],
    [shownColumns],
  );

  const table = useReactTable({
    data: rows,
    columns,
    getCoreRowModel: getCoreRowModel(),
    getRowId: (run) => run.id,
    manualSorting: true,
    state: {
      columnPinning: { left: [CONTROLS, NAME_COLUMN, ...sticky] },
      sorting: settings.sort,
    },
  });

  const display = useMemo<TableRow[]>(
    () => (groupBy.length ? groupedTableRows(groupRuns(rows, groupBy), shownColumns, expanded) : rows.map((run) => ({ kind: "run" as const, run, group: null }))),
    [rows, groupBy, shownColumns, expanded],
  );

  const virtualizer = useVirtualizer({
    count: display.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 4,
  });

  const sortBy = useCallback(
    (id: string, multi: boolean) =>
      update((s) => {
        const current = s.sort.find((x) => x.id === id);
        const others = multi ? s.sort.filter((x) => x.id !== id) : [];
        if (!current) return { ...s, sort: [...others, { id, desc: false }] };
        if (!current.desc) return { ...s, sort: multi ? s.sort.map((x) => (x.id === id ? { id, desc: true } : x)) : [{ id, desc: true }] };
        return { ...s, sort: others };
      }),
    [update],
  );

  const visibleCount = rows.reduce((n, run) => n + (hidden.has(run.id) ? 0 : 1), 0);
  const totalWidth = table.getTotalSize();
  const leftHeaders = table.getLeftLeafHeaders();
  const centerHeaders = table.getCenterLeafHeaders();

  const stick = (header: { column: { getIsPinned: () => false | "left" | "right"; getStart: (p: "left") => number; getSize: () => number } }): CSSProperties =>
    header.column.getIsPinned() === "left"
      ? { position: "sticky", left: header.column.getStart("left"), zIndex: 1, width: header.column.getSize() }
      : { width: header.column.getSize() };

  const headerCell = (header: Header<Run, unknown>) => {
    const id = header.column.id;
    const sort = settings.sort.findIndex((s) => s.id === id);
    const direction = sort >= 0 ? (settings.sort[sort].desc ? "▼" : "▲") : "";
    const isPinned = pinned.includes(id);
    return (
      <div
        key={header.id}
        className={`th${header.column.getIsPinned() ? " pinned" : ""}${isPinned ? " user-pinned" : ""}`}
        style={stick(header)}
        data-testid={id === CONTROLS ? undefined : `header-${id}`}
      >
        {id === CONTROLS ? (
          <span className="controls-head">
            <input
              type="checkbox"
              data-testid="select-all"
              aria-label="select all runs listed"
              checked={rows.length > 0 && rows.every((r) => selectedSet.has(r.id))}
              onChange={(e) => onSelect(e.target.checked ? rows.map((r) => r.id) : [])}
            />
            <span className="muted">{visibleCount}</span>
          </span>
        ) : (
          <button
            type="button"
            className="th-sort"
            data-testid={`sort-${id}`}
            title={`${describeColumn(id).id} — click to sort, shift-click to add`}
            onClick={(e: MouseEvent) => sortBy(id, e.shiftKey)}
          >
            {isPinned && (
              <span className="pin-mark">
                <PinIcon />
              </span>
            )}
            <span className="th-label">{flexRender(header.column.columnDef.header, header.getContext())}</span>
            {direction && (
              <span className="sort-mark">
                {direction}
                {settings.sort.length > 1 ? sort + 1 : ""}
              </span>
            )}
          </button>
        )}
      </div>
    );
  };

  const toggleSelected = (id: string) => onSelect(selectedSet.has(id) ? selected.filter((x) => x !== id) : [...selected, id]);

  const summaryDelta = (run: Run, id: string) => {
    if (!baseline || run.id === baseline.id || !id.startsWith("summary:")) return null;
    const d = delta(columnValue(run, id), columnValue(baseline, id));
    return d === null ? null : formatDelta(d);
  };

  const groupRow = (row: Extract<TableRow, { kind: "group" }>, start: number) => {
    const cells = [...leftHeaders, ...centerHeaders];
    return (
      <div
        key={`${GROUP_PREFIX}${row.key}`}
        className="tr group-row"
        data-testid={`group-row-${row.label}`}
        data-count={row.count}
        style={{ transform: `translateY(${start}px)`, height: ROW_HEIGHT, width: totalWidth }}
        onMouseEnter={() => setHoveredRun(groupLineId(row.key))}
        onMouseLeave={() => setHoveredRun(null)}
      >
        {cells.map((header) => {
          const id = header.column.id;
          const style = stick(header);
          if (id === CONTROLS) {
            return (
              <div key={id} className="td pinned controls" style={style}>
                <button
                  type="button"
                  className="link group-toggle"
                  data-testid={`group-toggle-${row.label}`}
                  aria-expanded={row.expanded}
                  onClick={() =>
                    setExpanded((current) => {
                      const next = new Set(current);
                      if (next.has(row.key)) next.delete(row.key);
                      else next.add(row.key);
                      return next;
                    })
                  }
                >
                  {row.expanded ? "▾" : "▸"}
                </button>
              </div>
            );
          }
          if (id === NAME_COLUMN) {
            return (
              <div key={id} className="td pinned name group-name" style={style} title={row.label}>
                {row.label} <span className="muted">({row.count})</span>
              </div>
            );
          }
          const agg = row.aggregates[id];
          const text = agg ? formatNumber(agg.mean) : "";
          return (
            <div
              key={id}
              className={`td${header.column.getIsPinned() ? " pinned" : ""}`}
              style={style}
              data-testid={`group-cell-${row.label}-${id}`}
              data-mean={agg?.mean ?? ""}
              title={agg ? `mean ${formatNumber(agg.mean)} · min ${formatNumber(agg.min)} · max ${formatNumber(agg.max)} (${agg.n} runs)` : ""}
            >
              {text}
            </div>
          );
        })}
      </div>
    );
  };

  return (
    <div className="runs-table" data-testid="runs-table">
      <div className="runs-controls">
        <input
          type="search"
          placeholder="Search runs by name"
          data-testid="runs-search"
          value={filter.search}
          onChange={(e) => onFilterChange({ ...filter, search: e.target.value })}
        />
        <div className="runs-controls-row">
          <select
            data-testid="state-filter"
            aria-label="state"
            value={filter.state}
            onChange={(e) => onFilterChange({ ...filter, state: e.target.value })}
          >
            <option value="">Any state</option>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <input
            type="text"
            placeholder="Filter: lr > 0.01, tag text…"
            data-testid="runs-filter"
            value={filter.text}
            onChange={(e) => onFilterChange({ ...filter, text: e.target.value })}
          />
          <button type="button" data-testid="filter-builder-toggle" aria-expanded={builderOpen} onClick={() => setBuilderOpen((open) => !open)}>
            Builder
          </button>
        </div>
        {textError && (
          <div className="error" data-testid="filter-error">
            {textError}
          </div>
        )}
        {builderOpen && (
          <FilterBuilder text={filter.text} onChange={(text) => onFilterChange({ ...filter, text })} runs={allRuns} catalog={catalog} />
        )}
        <div className="runs-controls-row">
          <button
            type="button"
            data-testid="show-only"
            title="Show only the runs listed (hide all others)"
            onClick={() => update((s) => ({ ...s, hiddenRuns: showOnly(allRuns.map((r) => r.id), rows.map((r) => r.id)) }))}
          >
            Show only these
          </button>
          <button type="button" data-testid="show-all" onClick={() => update((s) => ({ ...s, hiddenRuns: [] }))}>
            Show all
          </button>
          <button
            type="button"
            data-testid="column-chooser"
            aria-expanded={chooserOpen}
            onClick={() => setChooserOpen((open) => !open)}
          >
            Columns
          </button>
        </div>
        <div className="muted runs-count" data-testid="runs-count">
          {loading
            ? "Loading runs…"
            : props.loadingTotal != null
              ? `${rows.length} of the newest ${allRuns.length} runs · loading all ${props.loadingTotal}…`
              : `${rows.length} of ${allRuns.length} runs · ${visibleCount} shown`}
        </div>
        {chooserOpen && (
          <ColumnChooser catalog={catalog} settings={settings} update={update} onClose={() => setChooserOpen(false)} />
        )}
        <RunActions
          entity={entity}
          project={project}
          selected={selectedRuns}
          onClear={() => onSelect([])}
          onRemoved={onRemoved}
          comparing={comparing}
          onCompare={onCompare}
        />
      </div>
      <div className="runs-scroll" ref={scroller} data-testid="runs-scroll">
        <div className="runs-inner" style={{ width: totalWidth }}>
          <div className="thead">
            {leftHeaders.map(headerCell)}
            {centerHeaders.map(headerCell)}
          </div>
          <div className="tbody" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const entry = display[item.index];
              if (!entry) return null;
              if (entry.kind === "group") return groupRow(entry, item.start);
              const run = entry.run;
              const row = table.getRow(run.id);
              const visible = !hidden.has(run.id);
              const color = colorOf(run);
              return (
                <div
                  key={entry.group === null ? row.id : `${entry.group}/${row.id}`}
                  className={`tr${visible ? "" : " hidden-run"}${selectedSet.has(run.id) ? " selected" : ""}${baseline?.id === run.id ? " baseline" : ""}${entry.group === null ? "" : " grouped"}`}
                  data-testid={`run-row-${run.id}`}
                  data-visible={visible}
                  data-baseline={baseline?.id === run.id}
                  style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT, width: totalWidth }}
                  onMouseEnter={() => setHoveredRun(run.id)}
                  onMouseLeave={() => setHoveredRun(null)}
                >
                  {[...row.getLeftVisibleCells(), ...row.getCenterVisibleCells()].map((cell) => {
                    const id = cell.column.id;
                    const style = stick(cell);
                    if (id === CONTROLS) {
                      return (
                        <div key={cell.id} className="td pinned controls" style={style}>
                          <input
                            type="checkbox"
                            data-testid={`select-${run.id}`}
                            aria-label={`select ${runDisplayName(run)}`}
                            checked={selectedSet.has(run.id)}
                            onChange={() => toggleSelected(run.id)}
                          />
                          <button
                            type="button"
                            className="eye"
                            data-testid={`eye-${run.id}`}
                            aria-pressed={visible}
                            title={visible ? "Hide this run" : "Show this run"}
                            onClick={() => update((s) => ({ ...s, hiddenRuns: toggle(s.hiddenRuns, run.id) }))}
                          >
                            <EyeIcon open={visible} />
                          </button>
                          <label
                            className={`swatch swatch-picker${keyColorsOn ? " locked" : ""}`}
                            style={{ background: visible ? color : "var(--run-hidden)" }}
                            data-color={color}
                            title={
                              keyColorsOn
                                ? "Key-based colours are on (Workspace settings → Runs)"
                                : "Pick this run's colour"
                            }
                          >
                            <input
                              type="color"
                              data-testid={`color-input-${run.id}`}
                              aria-label={`colour of ${runDisplayName(run)}`}
                              value={toHex6(color) ?? "#000000"}
                              disabled={keyColorsOn}
                              onChange={(e) => update((s) => setRunColor(s, run.id, e.target.value))}
                            />
                          </label>
                        </div>
                      );
                    }
                    if (id === NAME_COLUMN) {
                      return (
                        <div key={cell.id} className="td pinned name" style={style}>
                          <a
                            href={runUrl(entity, project, run.id)}
                            data-testid={`run-link-${run.id}`}
                            title={`${runDisplayName(run)} (${run.id})`}
                            onClick={(e) => {
                              if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                              e.preventDefault();
                              navigate(runUrl(entity, project, run.id));
                            }}
                          >
                            {runDisplayName(run)}
                          </a>
                          {run.state === "running" && <span className="live-dot" title="running" />}
                          {baseline?.id === run.id && <span className="baseline-mark" title="baseline run">base</span>}
                        </div>
                      );
                    }
                    const value = id.startsWith("summary:") ? columnValue(run, id) : undefined;
                    if (isRichSummary(value)) {
                      return (
                        <div key={cell.id} className={`td rich${cell.column.getIsPinned() ? " pinned" : ""}`} style={style} data-testid={`cell-${run.id}-${id}`}>
                          <SummaryValue value={value} label={describeColumn(id).label} entity={entity} project={project} runId={run.id} compact />
                        </div>
                      );
                    }
                    const text = cellText(run, id);
                    const change = summaryDelta(run, id);
                    return (
                      <div
                        key={cell.id}
                        className={`td${cell.column.getIsPinned() ? " pinned" : ""}`}
                        style={style}
                        data-testid={`cell-${run.id}-${id}`}
                        title={change ? `${text} (${change} vs baseline)` : text}
                      >
                        {text}
                        {change && (
                          <span className={`delta${change.startsWith("+") ? " up" : change.startsWith("−") ? " down" : ""}`} data-testid={`delta-${run.id}-${id}`}>
                            {change}
                          </span>
                        )}
                      </div>
                    );
                  })}
                </div>
              );
            })}
          </div>
        </div>
        {!loading && rows.length === 0 && <div className="empty">No runs match.</div>}
      </div>
    </div>
  );
}
