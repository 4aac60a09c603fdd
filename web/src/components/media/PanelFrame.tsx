// The frame every media panel shares: title, kind, actions, body; inside a grid also
// the layout handles (panelChrome) with the panel's exports, its size and saved title.
import type { ReactNode, RefObject } from "react";
import type { PanelExport } from "../PanelTools";
import { usePanelChrome } from "./panelChrome";

export interface PanelFrameProps {
  panelKey: string;
  kind: string;
  title?: string;
  actions?: ReactNode;
  bodyRef?: RefObject<HTMLDivElement | null>;
  wide?: boolean;
  children: ReactNode;
  extra?: Record<string, string | number | undefined>;
  /** What the panel's menu offers to export (files, data, a PNG of the drawing). */
  exports?: readonly PanelExport[];
}

export default function PanelFrame({ panelKey, kind, title, actions, bodyRef, wide, children, extra, exports = [] }: PanelFrameProps) {
  const chrome = usePanelChrome();
  const id = chrome?.id ?? panelKey;
  const size = chrome?.look.size ?? "m";
  const classes = ["panel", "media-panel", `panel-size-${size}`, wide && size !== "s" ? "wide" : "", chrome?.className ?? ""];
  const shownTitle = chrome?.look.title ?? title ?? panelKey;
  return (
    <div
      className={classes.filter(Boolean).join(" ")}
      data-testid={`panel-${id}`}
      data-panel-id={id}
      data-key={panelKey}
      data-size={size}
      data-kind={kind}
      {...extra}
      {...chrome?.frameProps}
    >
      <div className="panel-head">
        <span className="panel-title" title={panelKey} data-testid={`panel-title-${id}`}>
          {shownTitle}
        </span>
        <span className="panel-kind">{kind}</span>
        {actions}
        {chrome?.tools(exports)}
      </div>
      <div className="panel-body media-body" ref={bodyRef}>
        {children}
      </div>
    </div>
  );
}
