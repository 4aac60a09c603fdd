// The frame every media panel shares: title, kind, actions, body.
import type { ReactNode, RefObject } from "react";

export interface PanelFrameProps {
  panelKey: string;
  kind: string;
  title?: string;
  actions?: ReactNode;
  bodyRef?: RefObject<HTMLDivElement | null>;
  wide?: boolean;
  children: ReactNode;
  extra?: Record<string, string | number | undefined>;
}

export default function PanelFrame({ panelKey, kind, title, actions, bodyRef, wide, children, extra }: PanelFrameProps) {
  return (
    <div className={`panel media-panel${wide ? " wide" : ""}`} data-testid={`panel-${panelKey}`} data-kind={kind} {...extra}>
      <div className="panel-head">
        <span className="panel-title" title={panelKey}>
          {title ?? panelKey}
        </span>
        <span className="panel-kind">{kind}</span>
        {actions}
      </div>
      <div className="panel-body media-body" ref={bodyRef}>
        {children}
      </div>
    </div>
  );
}
