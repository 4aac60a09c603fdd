// What the media grid hands each media or custom-chart panel it draws (issue 18): the
// panel's id in the layout, its saved look (title, size, step shown…), and the shared
// layout handles (drag, tools menu, resize) that the panel's frame draws with the
// panel's own exports. Absent (null): a panel drawn outside a grid, without them.
import { type HTMLAttributes, type ReactNode, createContext, useContext } from "react";
import type { PanelLook } from "../../lib/panelLayout";
import type { PanelExport } from "../PanelTools";

export interface PanelChrome {
  id: string;
  look: PanelLook;
  className: string;
  frameProps: HTMLAttributes<HTMLDivElement>;
  tools: (exports: readonly PanelExport[]) => ReactNode;
}

export const PanelChromeContext = createContext<PanelChrome | null>(null);

export function usePanelChrome(): PanelChrome | null {
  return useContext(PanelChromeContext);
}
