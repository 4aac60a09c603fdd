// A logged histogram over steps as a heatmap (issue 18; TensorBoard's "distributions"
// and W&B's histogram-over-time): one column per logged step, the value axis cut into
// `rows` equal bins over the range every step covers, each cell the share of that
// step's count falling in the bin (bins re-binned by overlap, so steps with different
// bin edges line up). Pure, but for the theme `heatColor` reads by default.
import type { MediaStep } from "../api/types";
import { isDark } from "./chartStyle";
import { histogramBars } from "./mediaSteps";

export interface Heatmap {
  steps: number[];
  lo: number;
  hi: number;
  rows: number;
  /** steps.length x rows, column-major: cells[s * rows + r], row 0 at `lo`. */
  cells: Float64Array;
  max: number;
}

export function histogramHeatmap(logged: readonly MediaStep[], rows = 48): Heatmap | null {
  const columns = logged.map((s) => ({ step: s.step, bars: histogramBars(s.value) })).filter((c) => c.bars.length > 0);
  if (columns.length === 0) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of columns) {
    lo = Math.min(lo, c.bars[0].x0);
    hi = Math.max(hi, c.bars[c.bars.length - 1].x1);
  }
  if (!(hi > lo)) hi = lo + 1;
  const size = (hi - lo) / rows;
  const cells = new Float64Array(columns.length * rows);
  let max = 0;
  columns.forEach((c, s) => {
    const total = c.bars.reduce((n, b) => n + b.count, 0) || 1;
    for (const bar of c.bars) {
      const width = bar.x1 - bar.x0;
      const first = Math.max(0, Math.floor((bar.x0 - lo) / size));
      const last = Math.min(rows - 1, Math.floor((bar.x1 - lo) / size - 1e-9));
      for (let r = first; r <= last; r++) {
        const overlap = Math.min(bar.x1, lo + (r + 1) * size) - Math.max(bar.x0, lo + r * size);
        if (overlap <= 0) continue;
        const share = width > 0 ? (bar.count * overlap) / width / total : bar.count / total;
        cells[s * rows + r] += share;
      }
    }
    for (let r = 0; r < rows; r++) max = Math.max(max, cells[s * rows + r]);
  });
  return { steps: columns.map((c) => c.step), lo, hi, rows, cells, max };
}

/** The centre of the fullest bin of each step (what a test or a tooltip reads). */
export function modeOfSteps(map: Heatmap): number[] {
  const size = (map.hi - map.lo) / map.rows;
  return map.steps.map((_, s) => {
    let best = 0;
    for (let r = 1; r < map.rows; r++) if (map.cells[s * map.rows + r] > map.cells[s * map.rows + best]) best = r;
    return map.lo + (best + 0.5) * size;
  });
}

const VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];

/** Where the dark theme starts the ramp: viridis' darkest purple would vanish into a
 * dark panel, so the emptiest non-empty cells start at its blue there. */
const DARK_START = 0.4;

/** A colour for a cell's share of the fullest cell (0 draws nothing), for the theme that
 * shows (or the one asked for). */
export function heatColor(t: number, dark: boolean = isDark()): string | null {
  if (!(t > 0)) return null;
  const share = dark ? DARK_START + (1 - DARK_START) * Math.min(1, t) : Math.min(1, t);
  const x = share * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const mix = (a: string, b: string, k: number) =>
    Math.round(parseInt(a, 16) + (parseInt(b, 16) - parseInt(a, 16)) * k)
      .toString(16)
      .padStart(2, "0");
  const [a, b] = [VIRIDIS[i], VIRIDIS[i + 1]];
  return `#${mix(a.slice(1, 3), b.slice(1, 3), f)}${mix(a.slice(3, 5), b.slice(3, 5), f)}${mix(a.slice(5, 7), b.slice(5, 7), f)}`;
}
