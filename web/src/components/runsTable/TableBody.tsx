// The runs table's scrolling part: the header row (sticky at the top) and the virtualised
// rows. It owns the virtualiser, so a scroll re-renders this body only — not the search,
// filters, actions and header above it — and within it only the rows entering the window
// (RunRow and GroupRow are memoised; a row's props stay the same while it stays in view).
import { useVirtualizer } from "@tanstack/react-virtual";
import type { ReactNode, RefObject } from "react";
import type { Run } from "../../api/types";
import type { ColorOf } from "../../hooks/useRunColors";
import type { TableRow } from "../../lib/groupRows";
import type { RowLayout } from "./layout";
import { GroupRow, ROW_HEIGHT, type RowActions, RunRow } from "./RunRow";

/**
 * Rows rendered beyond each end of the window: a scroll renders its rows before the frame
 * is painted (the virtualiser flushes synchronously), so these only cover the compositor
 * scrolling ahead of the page; a fast pass moves past them anyway (4 before issue 20's
 * scroll work, 12 before that).
 */
const OVERSCAN = 2;

export interface TableBodyProps {
  scroller: RefObject<HTMLDivElement | null>;
  /** The header row, made by the table (unchanged by a scroll). */
  header: ReactNode;
  display: readonly TableRow[];
  layout: RowLayout;
  hidden: ReadonlySet<string>;
  selected: ReadonlySet<string>;
  baseline: Run | null;
  colorOf: ColorOf;
  keyColorsOn: boolean;
  entity: string;
  project: string;
  actions: RowActions;
  empty: boolean;
}

export default function TableBody(props: TableBodyProps) {
  const { scroller, header, display, layout, hidden, selected, baseline, colorOf, keyColorsOn, entity, project, actions } = props;
  const virtualizer = useVirtualizer({
    count: display.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
  });
  return (
    <div className="runs-scroll" ref={scroller} data-testid="runs-scroll">
      <div className="runs-inner" style={{ width: layout.width }}>
        {header}
        <div className="tbody" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const entry = display[item.index];
            if (!entry) return null;
            if (entry.kind === "group") {
              return <GroupRow key={`group-row:${entry.key}`} row={entry} top={item.start} layout={layout} actions={actions} />;
            }
            const run = entry.run;
            return (
              <RunRow
                key={entry.group === null ? run.id : `${entry.group}/${run.id}`}
                run={run}
                group={entry.group}
                top={item.start}
                layout={layout}
                visible={!hidden.has(run.id)}
                selected={selected.has(run.id)}
                baseline={baseline}
                color={colorOf(run)}
                keyColorsOn={keyColorsOn}
                entity={entity}
                project={project}
                actions={actions}
              />
            );
          })}
        </div>
      </div>
      {props.empty && <div className="empty">No runs match.</div>}
    </div>
  );
}
