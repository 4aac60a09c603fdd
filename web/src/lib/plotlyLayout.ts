// A logged Plotly figure's layout fitted to its panel. Figures converted from
// matplotlib (by plotly's mpl_to_plotly, in wandb and in older Runyard) carry a fixed
// 640×480 size with autosize off — clipped on the right in a narrower panel — wide
// matplotlib margins, and `mirror: "ticks"`, which repeats every tick on the top and
// right edges without labels. Here they fill the panel, keep modest margins and
// mirror only the axis line (matplotlib's box), not the ticks.

type Layout = Record<string, unknown>;

const MIRRORED_TICKS = new Set(["ticks", "all", "allticks"]);

export function fitLayout(layout: Layout, height: number): Layout {
  const out: Layout = { ...layout, autosize: true, height };
  delete out.width;
  const margin = (layout.margin ?? {}) as Record<string, unknown>;
  const side = (name: string, fallback: number, most: number) => {
    const value = typeof margin[name] === "number" ? (margin[name] as number) : fallback;
    return Math.min(value, most);
  };
  const titled = !!layout.title && (typeof layout.title === "string" || !!(layout.title as { text?: unknown }).text);
  out.margin = { ...margin, l: side("l", 40, 64), r: side("r", 10, 16), t: side("t", titled ? 36 : 30, titled ? 40 : 24), b: side("b", 30, 48) };
  for (const [key, axis] of Object.entries(layout)) {
    if (!/^[xy]axis\d*$/.test(key) || !axis || typeof axis !== "object") continue;
    const mirror = (axis as { mirror?: unknown }).mirror;
    if (typeof mirror === "string" && MIRRORED_TICKS.has(mirror)) out[key] = { ...(axis as Layout), mirror: true };
  }
  return out;
}
