// The little of plotly.js the app uses (the dist bundle ships no types).
declare module "plotly.js-dist-min" {
  export interface PlotlyElement extends HTMLElement {
    data?: unknown[];
    _fullData?: unknown[];
  }
  const Plotly: {
    newPlot(
      element: HTMLElement,
      data: unknown[],
      layout?: Record<string, unknown>,
      config?: Record<string, unknown>,
    ): Promise<PlotlyElement>;
    purge(element: HTMLElement): void;
  };
  export default Plotly;
}
