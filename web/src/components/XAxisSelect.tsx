// A line panel's x-axis selector. A run of 10,000 metric keys offers each of them as
// an x-axis: rendering 10,000 <option>s in every panel froze the page, so beyond a few
// hundred choices the list holds the default, the built-in axes and the current choice
// until the user reaches for it (focus, pointer or keyboard), and all of them then.
import { useState } from "react";
import { DEFAULT_X } from "../lib/xAxis";

export interface XAxisChoice {
  value: string;
  label: string;
}

/** Choices rendered at once; beyond this the full list waits for the user. */
export const EAGER_CHOICES = 300;

export interface XAxisSelectProps {
  /** The panel's key (test ids, and the panel's own metric is not offered). */
  panelKey: string;
  value: string | undefined;
  /** The default choice's label, e.g. "Default (Step)". */
  defaultLabel: string;
  options: readonly XAxisChoice[];
  /** How many of the options are built-in axes (listed first, always rendered). */
  builtins: number;
  onChange: (value: string | undefined) => void;
}

export default function XAxisSelect({ panelKey, value, defaultLabel, options, builtins, onChange }: XAxisSelectProps) {
  const offered = options.filter((o) => o.value !== panelKey);
  const [open, setOpen] = useState(offered.length <= EAGER_CHOICES);
  const shown = open ? offered : offered.filter((o, i) => i < builtins || o.value === value);
  const expand = () => {
    if (!open) setOpen(true);
  };
  return (
    <select
      className="panel-x"
      data-testid={`xaxis-select-${panelKey}`}
      data-choices={offered.length}
      aria-label={`x-axis of ${panelKey}`}
      value={value ?? DEFAULT_X}
      onFocus={expand}
      onPointerDown={expand}
      onKeyDown={expand}
      onChange={(e) => onChange(e.target.value === DEFAULT_X ? undefined : e.target.value)}
    >
      <option value={DEFAULT_X}>{defaultLabel}</option>
      {shown.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}
