// The columns of the runs table's rows, laid out once per set of columns and shared by
// every row (a row renders no style objects of its own).
import type { CSSProperties } from "react";

/** One column of a row: made once per column layout and shared by every row. */
export interface CellSpec {
  id: string;
  /** Pinned to the left while the rest scroll sideways. */
  pinned: boolean;
  style: CSSProperties;
}

/**
 * The columns of every row: the pinned ones in one sticky block at the left (one sticky
 * box a row, not one a pinned cell), then the rest.
 */
export interface RowLayout {
  pins: readonly CellSpec[];
  pinsStyle: CSSProperties;
  rest: readonly CellSpec[];
  width: number;
}

/** The layout of `columns` (in table order, pinned ones first) in a row `width` wide. */
export function rowLayout(columns: readonly { id: string; width: number; pinned: boolean }[], width: number): RowLayout {
  const spec = (c: { id: string; width: number; pinned: boolean }): CellSpec => ({ id: c.id, pinned: c.pinned, style: { width: c.width } });
  const pinned = columns.filter((c) => c.pinned);
  return {
    pins: pinned.map(spec),
    pinsStyle: { width: pinned.reduce((sum, c) => sum + c.width, 0) },
    rest: columns.filter((c) => !c.pinned).map(spec),
    width,
  };
}

