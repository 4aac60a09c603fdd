// Logged HTML in a table cell: a small sandboxed preview, with a full-size view in a
// dialog and a link that opens the page in a tab of its own (still sandboxed: the
// server serves logged HTML with a CSP sandbox), so a Plotly or Bokeh page that a
// 260×150 cell cuts to a strip can be read.
import { useEffect, useId, useRef, useState } from "react";
import { HTML_SANDBOX } from "./MediaPanel";

export interface HtmlCellProps {
  url: string;
  label: string;
}

export default function HtmlCell({ url, label }: HtmlCellProps) {
  const [full, setFull] = useState(false);
  return (
    <div className="cell-html-box">
      <iframe className="cell-html" src={url} sandbox={HTML_SANDBOX} referrerPolicy="no-referrer" title={label} data-testid="cell-html" />
      <div className="cell-html-actions">
        <button type="button" className="link" data-testid="cell-html-expand" aria-label={`Show ${label} full size`} onClick={() => setFull(true)}>
          ⤢ Full size
        </button>
        <a href={url} target="_blank" rel="noreferrer" data-testid="cell-html-tab" aria-label={`Open ${label} in a new tab`}>
          Open in tab ↗
        </a>
      </div>
      {full && <HtmlDialog url={url} label={label} onClose={() => setFull(false)} />}
    </div>
  );
}

function HtmlDialog({ url, label, onClose }: { url: string; label: string; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      className="html-dialog"
      aria-labelledby={titleId}
      data-testid="html-dialog"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <div className="html-dialog-head">
        <h2 id={titleId}>{label}</h2>
        <a href={url} target="_blank" rel="noreferrer">
          Open in tab ↗
        </a>
        <button type="button" onClick={onClose} data-testid="html-dialog-close">
          Close
        </button>
      </div>
      <iframe className="html-dialog-frame" src={url} sandbox={HTML_SANDBOX} referrerPolicy="no-referrer" title={`${label} (full size)`} data-testid="html-dialog-frame" />
    </dialog>
  );
}
