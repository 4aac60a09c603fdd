// The head of a panel section (line or media): collapse, rename, move up/down, delete,
// and whatever the grid adds (e.g. "+ panel"). Test ids start with `prefix`
// (`section`, `media-section`) and end with the section's id.
import { type ReactNode, useState } from "react";

export interface SectionBarProps {
  prefix: string;
  /** What the test ids end with (the section's id, or a media section's name). */
  testKey: string;
  title: string;
  count: number;
  collapsed: boolean;
  onToggle: () => void;
  onRename: (title: string) => void;
  /** Absent at the top (bottom): the section cannot move further. */
  onUp?: () => void;
  onDown?: () => void;
  onDelete: () => void;
  children?: ReactNode;
}

export default function SectionBar(props: SectionBarProps) {
  const { prefix, testKey: id, title } = props;
  const [renaming, setRenaming] = useState<string | null>(null);
  const finish = (save: boolean) => {
    if (save && renaming !== null) props.onRename(renaming);
    setRenaming(null);
  };
  return (
    <div className="section-bar">
      {renaming === null ? (
        <button
          type="button"
          className="section-head"
          data-testid={`${prefix}-toggle-${id}`}
          aria-expanded={!props.collapsed}
          onClick={props.onToggle}
          onDoubleClick={() => setRenaming(title)}
        >
          <span className="chevron">{props.collapsed ? "▸" : "▾"}</span>
          <span data-testid={`${prefix}-title-${id}`}>{title}</span>
          <span className="count">{props.count}</span>
        </button>
      ) : (
        <span className="section-head">
          <input
            type="text"
            autoFocus
            aria-label={`new name of section ${title}`}
            data-testid={`${prefix}-name-${id}`}
            value={renaming}
            onChange={(e) => setRenaming(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") finish(true);
              if (e.key === "Escape") finish(false);
            }}
            onBlur={() => finish(true)}
          />
        </span>
      )}
      {props.children}
      <button type="button" className="section-add" data-testid={`${prefix}-rename-${id}`} title={`rename ${title}`} onClick={() => setRenaming(title)}>
        rename
      </button>
      <button
        type="button"
        className="section-add"
        data-testid={`${prefix}-up-${id}`}
        aria-label={`move ${title} up`}
        title="move the section up"
        disabled={!props.onUp}
        onClick={props.onUp}
      >
        ↑
      </button>
      <button
        type="button"
        className="section-add"
        data-testid={`${prefix}-down-${id}`}
        aria-label={`move ${title} down`}
        title="move the section down"
        disabled={!props.onDown}
        onClick={props.onDown}
      >
        ↓
      </button>
      <button type="button" className="section-add" data-testid={`${prefix}-delete-${id}`} title={`delete ${title} (its own panels can be restored)`} onClick={props.onDelete}>
        delete section
      </button>
    </div>
  );
}
