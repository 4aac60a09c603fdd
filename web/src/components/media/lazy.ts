// Heavy chart libraries, loaded on first use as their own chunks (never in the main bundle).
export const loadVegaEmbed = () => import("vega-embed").then((m) => m.default);
export const loadPlotly = () => import("plotly.js-dist-min").then((m) => m.default);
