// The panels of one workspace section, rendered only once the section comes near the
// viewport, a page at a time: a run of 10,000 metric keys makes ~100 sections of ~100
// panels, and mounting every panel at once (each with its chart, menus and observers)
// froze the page. Far sections hold a placeholder of their estimated height, so the
// scrollbar is right; "Show more" adds a page. A workspace of fewer panels
// (LAZY_FROM) renders every section whole, as before.
import { type ReactNode, useRef, useState } from "react";
import { useInView } from "../hooks/useInView";

/** Panels a section shows before "Show more" (large workspaces). */
export const PANELS_PER_PAGE = 24;
/** Panels in the whole grid from which sections render lazily and by pages. */
export const LAZY_FROM = 200;
/** Rough height of a row of panels (placeholder of a section not yet rendered). */
const ROW_PX = 260;
const PER_ROW = 3;

export interface SectionPanelsProps {
  sectionId: string;
  count: number;
  /** Render lazily and by pages (the grid holds at least LAZY_FROM panels). */
  lazy: boolean;
  /** The panels to render: the first `limit` of the section's. */
  children: (limit: number) => ReactNode;
}

export default function SectionPanels({ sectionId, count, lazy, children }: SectionPanelsProps) {
  const box = useRef<HTMLDivElement | null>(null);
  const near = useInView(box, "600px") || !lazy;
  const [limit, setLimit] = useState(PANELS_PER_PAGE);
  const shown = lazy ? Math.min(count, limit) : count;
  if (!near) {
    const rows = Math.ceil(Math.min(count, PANELS_PER_PAGE) / PER_ROW);
    return <div className="panels panels-pending" ref={box} style={{ minHeight: rows * ROW_PX }} data-testid={`section-pending-${sectionId}`} />;
  }
  return (
    <>
      <div className="panels" ref={box}>
        {children(shown)}
      </div>
      {shown < count && (
        <button
          type="button"
          className="link section-more"
          data-testid={`section-more-${sectionId}`}
          onClick={() => setLimit((l) => l + PANELS_PER_PAGE)}
        >
          Show {Math.min(PANELS_PER_PAGE, count - shown)} more of {count} panels
        </button>
      )}
    </>
  );
}
