// A logged table (`table-file`) of one of the shown runs: paged, sorted and
// filtered on the server, media cells drawn (images as thumbnails, HTML in a small
// sandboxed iframe that opens full size, Plotly figures opened on demand), with a step slider.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { fetchTable } from "../../api/client";
import type { JsonValue, Run } from "../../api/types";
import { useInView } from "../../hooks/useInView";
import { runDisplayName } from "../../lib/columns";
import { formatValue } from "../../lib/format";
import { valueAtStep } from "../../lib/mediaSteps";
import { INITIAL_TABLE_STATE, TABLE_PAGE_SIZE, type TableState, pageCount, tableQueryParams, toggleSort } from "../../lib/tableQuery";
import { exportName, tableCsv } from "../../lib/panelExport";
import { shownColumns } from "../../lib/panelLayout";
import { download, downloadJson } from "../PanelTools";
import HtmlCell from "./HtmlCell";
import PanelFrame from "./PanelFrame";
import { usePanelChrome } from "./panelChrome";
import PlotlyFigure from "./PlotlyFigure";
import StepSlider from "./StepSlider";
import { useMedia, useStep } from "./useMedia";

/** Rows an export reads at most (the table route's limit). */
const EXPORT_ROWS = 100_000;

export interface TablePanelProps {
  entity: string;
  project: string;
  panelKey: string;
  runs: Run[];
}

export default function TablePanel({ entity, project, panelKey, runs }: TablePanelProps) {
  const body = useRef<HTMLDivElement>(null);
  const inView = useInView(body);
  const media = useMedia(entity, project, runs, panelKey, inView);
  const chrome = usePanelChrome();
  const { steps, step, setStep } = useStep(media.data, chrome?.look.step);
  const withTable = runs.filter((r) => media.data?.runs.some((m) => m.run === r.id && m.steps.length > 0));
  const [chosenRun, setChosenRun] = useState<string | null>(null);
  const run = withTable.find((r) => r.id === chosenRun) ?? withTable[0] ?? null;
  const runSteps = media.data?.runs.find((m) => m.run === run?.id)?.steps ?? [];
  const tableStep = valueAtStep(runSteps, step)?.step ?? null;

  const [state, setState] = useState<TableState>(INITIAL_TABLE_STATE);
  const [filterText, setFilterText] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => setState((s) => (s.q === filterText ? s : { ...s, q: filterText, page: 0 })), 250);
    return () => clearTimeout(timer);
  }, [filterText]);
  const params = tableQueryParams(panelKey, tableStep, state);
  const table = useQuery({
    queryKey: ["table", entity, project, run?.id, params],
    queryFn: ({ signal }) => fetchTable(entity, project, run!.id, params, signal),
    enabled: inView && run !== null && media.data !== undefined,
    placeholderData: keepPreviousData,
  });
  const fullPage = table.data;
  // the columns the panel's settings show (all, unless named)
  const page = useMemo(() => {
    if (!fullPage) return fullPage;
    const keep = shownColumns(fullPage.columns, chrome?.look.columns);
    if (keep.length === fullPage.columns.length) return fullPage;
    return { ...fullPage, columns: keep.map((i) => fullPage.columns[i]), rows: fullPage.rows.map((r) => keep.map((i) => r[i])) };
  }, [fullPage, chrome?.look.columns]);
  const pages = page ? pageCount(page.total) : 1;
  const title = chrome?.look.title ?? panelKey;
  /** Every row of the run's table at the step shown, filtered and sorted as shown, in the columns shown. */
  const wholeTable = async () => {
    if (!run) throw new Error("no shown run logged this table");
    const all = await fetchTable(entity, project, run.id, tableQueryParams(panelKey, tableStep, { ...state, page: 0 }, EXPORT_ROWS));
    const keep = shownColumns(all.columns, chrome?.look.columns);
    return { ...all, columns: keep.map((i) => all.columns[i]), rows: all.rows.map((r) => keep.map((i) => r[i])) };
  };
  const exports = [
    {
      id: "csv",
      label: "Export CSV",
      run: async () => {
        const all = await wholeTable();
        download(new Blob([tableCsv(all.columns, all.rows)], { type: "text/csv" }), exportName(title, "csv"));
      },
    },
    {
      id: "json",
      label: "Export JSON",
      run: async () => {
        const all = await wholeTable();
        downloadJson({ key: panelKey, run: run?.id, step: all.step, columns: all.columns, rows: all.rows }, title);
      },
    },
  ];

  return (
    <PanelFrame
      panelKey={panelKey}
      kind="table"
      bodyRef={body}
      wide
      extra={{ "data-step": tableStep ?? undefined, "data-run": run?.id, "data-total": page?.total, "data-nrows": page?.nrows }}
      exports={exports}
    >
      <div className="table-tools">
        {withTable.length > 1 && (
          <select
            aria-label={`run of ${panelKey}`}
            data-testid={`table-run-${panelKey}`}
            value={run?.id ?? ""}
            onChange={(e) => {
              setChosenRun(e.target.value);
              setState((s) => ({ ...s, page: 0 }));
            }}
          >
            {withTable.map((r) => (
              <option key={r.id} value={r.id}>
                {runDisplayName(r)}
              </option>
            ))}
          </select>
        )}
        <input
          type="search"
          placeholder="Filter rows…"
          aria-label={`filter rows of ${panelKey}`}
          data-testid={`table-filter-${panelKey}`}
          value={filterText}
          onChange={(e) => setFilterText(e.target.value)}
        />
        <StepSlider
          id={panelKey}
          label={panelKey}
          steps={steps}
          value={step}
          onChange={(s) => {
            setStep(s);
            setState((st) => ({ ...st, page: 0 }));
          }}
        />
      </div>
      {media.error || table.error ? (
        <div className="error-note" role="alert">
          {String(media.error ?? table.error)}
        </div>
      ) : !page ? (
        <div className="panel-empty" style={{ height: 120 }}>
          {run === null && media.data ? "Nothing logged for the shown runs" : "Loading…"}
        </div>
      ) : (
        <>
          <div className="media-table-wrap">
            <table className="media-table" data-testid={`table-${panelKey}`}>
              <thead>
                <tr>
                  {page.columns.map((column) => {
                    const sorted = state.sort === column ? (state.desc ? "descending" : "ascending") : "none";
                    return (
                      <th key={column} aria-sort={sorted}>
                        <button
                          type="button"
                          className="link"
                          data-testid={`table-sort-${panelKey}-${column}`}
                          onClick={() => setState((s) => toggleSort(s, column))}
                          title={`sort by ${column}`}
                        >
                          {column}
                          {sorted === "ascending" ? " ▲" : sorted === "descending" ? " ▼" : ""}
                        </button>
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody>
                {page.rows.map((row, i) => (
                  <tr key={state.page * TABLE_PAGE_SIZE + i} data-testid="table-row">
                    {row.map((cell, j) => (
                      <td key={j} data-column={page.columns[j]}>
                        <TableCell value={cell} label={`${page.columns[j]}, row ${state.page * TABLE_PAGE_SIZE + i + 1}`} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="table-pager">
            <button
              type="button"
              data-testid={`table-prev-${panelKey}`}
              disabled={state.page === 0}
              onClick={() => setState((s) => ({ ...s, page: Math.max(0, s.page - 1) }))}
            >
              ‹ Prev
            </button>
            <span data-testid={`table-page-${panelKey}`}>
              page {state.page + 1} of {pages} · {page.total === page.nrows ? `${page.nrows} rows` : `${page.total} of ${page.nrows} rows`}
            </span>
            <button
              type="button"
              data-testid={`table-next-${panelKey}`}
              disabled={state.page + 1 >= pages}
              onClick={() => setState((s) => ({ ...s, page: s.page + 1 }))}
            >
              Next ›
            </button>
          </div>
        </>
      )}
    </PanelFrame>
  );
}

function TableCell({ value, label }: { value: JsonValue; label: string }) {
  const [open, setOpen] = useState(false);
  if (value && typeof value === "object" && !Array.isArray(value) && typeof value._type === "string") {
    const url = typeof value.url === "string" ? value.url : null;
    if (value._type === "image-file" && url) {
      const caption = typeof value.caption === "string" ? value.caption : null;
      return (
        <a href={url} target="_blank" rel="noreferrer">
          <img className="cell-image" src={url} alt={caption ?? label} loading="lazy" data-testid="cell-image" />
        </a>
      );
    }
    if (value._type === "html-file" && url) {
      return <HtmlCell url={url} label={label} />;
    }
    if (value._type === "plotly-file" && url) {
      return open ? (
        <PlotlyFigure url={url} height={180} testid="cell-plotly" />
      ) : (
        <button type="button" className="link" data-testid="cell-plotly-open" onClick={() => setOpen(true)}>
          Show figure
        </button>
      );
    }
    if (url) {
      return (
        <a href={url} target="_blank" rel="noreferrer">
          {value._type}
        </a>
      );
    }
  }
  return <>{formatValue(value)}</>;
}
