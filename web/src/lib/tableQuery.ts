// Server-side paging, sorting and filtering of a logged table (GET …/runs/{r}/table).

export const TABLE_PAGE_SIZE = 20;
/** The most rows a custom chart reads from its table (the route's limit). */
export const CHART_TABLE_LIMIT = 100000;

export interface TableState {
  page: number;
  sort: string | null;
  desc: boolean;
  q: string;
}

export const INITIAL_TABLE_STATE: TableState = { page: 0, sort: null, desc: false, q: "" };

/** The query parameters for a table page; empty values are left out. */
export function tableQueryParams(
  key: string,
  step: number | null,
  state: TableState,
  pageSize = TABLE_PAGE_SIZE,
): Record<string, string> {
  const params: Record<string, string> = { key, offset: String(state.page * pageSize), limit: String(pageSize) };
  if (step !== null) params.step = String(step);
  if (state.sort) {
    params.sort = state.sort;
    params.desc = String(state.desc);
  }
  const q = state.q.trim();
  if (q) params.q = q;
  return params;
}

/** Clicking a column header: ascending, then descending, then unsorted. Back to the first page. */
export function toggleSort(state: TableState, column: string): TableState {
  if (state.sort !== column) return { ...state, sort: column, desc: false, page: 0 };
  if (!state.desc) return { ...state, desc: true, page: 0 };
  return { ...state, sort: null, desc: false, page: 0 };
}

export function pageCount(total: number, pageSize = TABLE_PAGE_SIZE): number {
  return Math.max(1, Math.ceil(total / pageSize));
}
