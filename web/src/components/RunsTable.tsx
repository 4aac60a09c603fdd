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
import { type CSSProperties, type MouseEvent, useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Run } from "../api/types";
import { useBaselineRun } from "../hooks/useBaselineRun";
import { useColorOf } from "../hooks/useRunColors";
import { type ColumnDef, NAME_COLUMN, describeColumn, withMetricPins } from "../lib/columns";
import { groupRuns } from "../lib/grouping";
import { type TableRow, groupedTableRows } from "../lib/groupRows";
import { type RunFilter, filterError } from "../lib/runFilter";
import { isActive } from "../lib/keyColors";
import { DEFAULT_SETTINGS, type WorkspaceSettings, setRunColor, showOnly, toggle } from "../lib/workspaceSettings";
import ColumnChooser from "./ColumnChooser";
import FilterBuilder from "./FilterBuilder";
import PinIcon from "./PinIcon";
import RunActions from "./RunActions";
import { CONTROLS, type RowActions } from "./runsTable/RunRow";
import { type RowLayout, rowLayout } from "./runsTable/layout";
import TableBody from "./runsTable/TableBody";
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

const CONTROLS_WIDTH = 72;
const NAME_WIDTH = 170;
const COLUMN_WIDTH = 96;
const STATES = ["running", "finished", "crashed", "failed", "killed"];

/** A column's place: pinned columns stick at their offset from the left. */
function stick(header: { column: { getIsPinned: () => false | "left" | "right"; getStart: (p: "left") => number; getSize: () => number } }): CSSProperties {
  return header.column.getIsPinned() === "left"
    ? { position: "sticky", left: header.column.getStart("left"), zIndex: 1, width: header.column.getSize() }
    : { width: header.column.getSize() };
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
  const leftHeaders = table.getLeftLeafHeaders();
  const centerHeaders = table.getCenterLeafHeaders();

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

  // The rows' actions: one stable object (rows are memoised), calling the latest state.
  const latest = useRef({ selected, selectedSet, onSelect, update });
  latest.current = { selected, selectedSet, onSelect, update };
  const actions = useMemo<RowActions>(
    () => ({
      toggleSelected: (id) => {
        const now = latest.current;
        now.onSelect(now.selectedSet.has(id) ? now.selected.filter((x) => x !== id) : [...now.selected, id]);
      },
      toggleHidden: (id) => latest.current.update((s) => ({ ...s, hiddenRuns: toggle(s.hiddenRuns, id) })),
      setColor: (id, color) => latest.current.update((s) => setRunColor(s, id, color)),
      toggleGroup: (key) =>
        setExpanded((current) => {
          const next = new Set(current);
          if (next.has(key)) next.delete(key);
          else next.add(key);
          return next;
        }),
    }),
    [],
  );

  // Every row's cells: laid out once per set of columns and sticky pins, shared by all rows.
  const layout = useMemo<RowLayout>(
    () =>
      rowLayout(
        [...table.getLeftLeafHeaders(), ...table.getCenterLeafHeaders()].map((h) => ({ id: h.column.id, width: h.column.getSize(), pinned: !!h.column.getIsPinned() })),
        table.getTotalSize(),
      ),
    // the table's headers follow its columns and sticky pins
    [table, columns, sticky],
  );
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
      <TableBody
        scroller={scroller}
        header={
          <div className="thead">
            {leftHeaders.map(headerCell)}
            {centerHeaders.map(headerCell)}
          </div>
        }
        display={display}
        layout={layout}
        hidden={hidden}
        selected={selectedSet}
        baseline={baseline}
        colorOf={colorOf}
        keyColorsOn={keyColorsOn}
        entity={entity}
        project={project}
        actions={actions}
        empty={!loading && rows.length === 0}
      />
    </div>
  );
}
