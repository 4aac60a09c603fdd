// A searchable key picker grouped by kind: logged metrics, config keys, default metrics.
import { useEffect, useMemo, useRef, useState } from "react";
import type { KeyGroup } from "../lib/keyColors";

export interface KeySelectProps {
  groups: (query: string) => KeyGroup[];
  value: string;
  label: string;
  onChange: (value: string) => void;
}

export default function KeySelect({ groups, value, label, onChange }: KeySelectProps) {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState("");
  const box = useRef<HTMLDivElement>(null);
  const shown = useMemo(() => (open ? groups(query) : []), [open, groups, query]);

  useEffect(() => {
    if (!open) return;
    const away = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", away);
    return () => document.removeEventListener("mousedown", away);
  }, [open]);

  const pick = (key: string) => {
    onChange(key);
    setOpen(false);
    setQuery("");
  };

  return (
    <div className="key-select" ref={box}>
      <button
        type="button"
        className="key-select-button"
        data-testid="key-colors-key"
        data-value={value}
        aria-haspopup="listbox"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <span className={value ? "" : "muted"}>{value ? label : "Choose a metric or config key"}</span>
        <span className="chevron">▾</span>
      </button>
      {open && (
        <div className="key-select-panel" data-testid="key-colors-key-panel">
          <input
            type="search"
            autoFocus
            placeholder="Search keys"
            data-testid="key-colors-key-search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape") setOpen(false);
              if (e.key === "Enter" && shown[0]?.options[0]) pick(shown[0].options[0].value);
            }}
          />
          <div className="key-select-list" role="listbox">
            {shown.length === 0 && <div className="muted key-select-empty">No key matches.</div>}
            {shown.map((group) => (
              <div key={group.name} role="group" aria-label={group.name} data-testid={`key-group-${group.name}`}>
                <div className="column-group-title">{group.name}</div>
                {group.options.map((option) => (
                  <button
                    type="button"
                    key={option.value}
                    role="option"
                    aria-selected={option.value === value}
                    className={`key-option${option.value === value ? " selected" : ""}`}
                    data-testid={`key-option-${option.value}`}
                    title={option.value}
                    onClick={() => pick(option.value)}
                  >
                    {option.label}
                  </button>
                ))}
              </div>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
