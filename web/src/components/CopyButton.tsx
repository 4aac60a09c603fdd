// Copies a text to the clipboard (the Clipboard API where the page may use it, a
// selected textarea elsewhere, e.g. a team server over plain http) and says so.
import { useState } from "react";

function copyBySelection(text: string): boolean {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand("copy");
  } finally {
    area.remove();
  }
}

export default function CopyButton({ text, testid, label = "Copy" }: { text: string; testid?: string; label?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        ok = true;
      } else ok = copyBySelection(text);
    } catch {
      ok = copyBySelection(text);
    }
    setState(ok ? "copied" : "failed");
    setTimeout(() => setState("idle"), 1500);
  };
  return (
    <button type="button" className="copy-button" data-testid={testid} data-state={state} onClick={() => void copy()} title={`Copy ${text}`}>
      {state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : label}
    </button>
  );
}
