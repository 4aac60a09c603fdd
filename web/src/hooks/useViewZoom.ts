// Zoom of the workspace's line panels, lifted out of the panels so it can be synced
// across them (one zoom for every panel, optional) and carried by the URL. Without a
// provider a panel keeps its own zoom, as before.
import { createContext, useCallback, useContext, useMemo, useState } from "react";
import type { ZoomRange } from "../lib/viewState";

export interface ViewZoom {
  sync: boolean;
  /** Every panel's zoom while synced. */
  all: ZoomRange | null;
  /** Single panels' zoom (not synced), by metric key. */
  panels: Record<string, ZoomRange>;
  setSync: (sync: boolean) => void;
  setZoom: (key: string, zoom: ZoomRange | null) => void;
  /** Replace the whole zoom state (opening a saved view). */
  restore: (state: { sync?: boolean; all?: ZoomRange | null; panels?: Record<string, ZoomRange> }) => void;
}

/** Zoom ends rounded as the URL writes them, so a page and its shared link agree. */
function rounded(zoom: ZoomRange | null): ZoomRange | null {
  return zoom && { xmin: Number(zoom.xmin.toPrecision(12)), xmax: Number(zoom.xmax.toPrecision(12)) };
}

export const ViewZoomContext = createContext<ViewZoom | null>(null);

export function useViewZoomState(initial: { sync?: boolean; all?: ZoomRange | null; panels?: Record<string, ZoomRange> }): ViewZoom {
  const [sync, setSyncState] = useState(initial.sync ?? false);
  const [all, setAll] = useState<ZoomRange | null>(initial.all ?? null);
  const [panels, setPanels] = useState<Record<string, ZoomRange>>(initial.panels ?? {});
  const setZoom = useCallback(
    (key: string, raw: ZoomRange | null) => {
      const zoom = rounded(raw);
      if (sync) {
        setAll(zoom);
        return;
      }
      setPanels((p) => {
        const next = { ...p };
        if (zoom) next[key] = zoom;
        else delete next[key];
        return next;
      });
    },
    [sync],
  );
  const setSync = useCallback((on: boolean) => {
    setSyncState(on);
    // turning sync on starts unzoomed; off keeps no panel zoomed either (a clean state)
    setAll(null);
    setPanels({});
  }, []);
  const restore = useCallback((state: { sync?: boolean; all?: ZoomRange | null; panels?: Record<string, ZoomRange> }) => {
    setSyncState(state.sync ?? false);
    setAll(state.all ?? null);
    setPanels(state.panels ?? {});
  }, []);
  return useMemo(() => ({ sync, all, panels, setSync, setZoom, restore }), [sync, all, panels, setSync, setZoom, restore]);
}

/** A panel's zoom and its setter: the shared one when the workspace provides it. */
export function usePanelZoom(key: string): [ZoomRange | null, (zoom: ZoomRange | null) => void] {
  const view = useContext(ViewZoomContext);
  const [own, setOwn] = useState<ZoomRange | null>(null);
  const set = useCallback((zoom: ZoomRange | null) => (view ? view.setZoom(key, zoom) : setOwn(zoom)), [view, key]);
  if (!view) return [own, set];
  return [view.sync ? view.all : (view.panels[key] ?? null), set];
}
