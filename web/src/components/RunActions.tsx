// Actions on the runs selected in the runs table (issue 17): rename (one run), add or
// remove tags, set notes, move to another project, delete; pick the baseline; open the
// comparer. Each action is one request (PATCH /runs, POST /runs/delete, /runs/move).
import { useState } from "react";
import { deleteRuns, editRuns, moveRuns } from "../api/client";
import type { Run } from "../api/types";
import { setBaselineRun, useBaselineRun } from "../hooks/useBaselineRun";
import { runDisplayName } from "../lib/columns";

type Action = "rename" | "tags" | "notes" | "move" | "delete" | null;

export interface RunActionsProps {
  entity: string;
  project: string;
  /** The selected runs, in table order. */
  selected: Run[];
  onClear: () => void;
  /** Runs deleted or moved away: the workspace drops them at once. */
  onRemoved: (ids: string[]) => void;
  comparing: boolean;
  onCompare: () => void;
}

function splitTags(text: string): string[] {
  return text.split(",").map((t) => t.trim()).filter(Boolean);
}

export default function RunActions({ entity, project, selected, onClear, onRemoved, comparing, onCompare }: RunActionsProps) {
  const [action, setAction] = useState<Action>(null);
  const [text, setText] = useState("");
  const [target, setTarget] = useState({ entity, project: "" });
  const [status, setStatus] = useState<{ error: boolean; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const baseline = useBaselineRun();
  const ids = selected.map((r) => r.id);
  const one = selected.length === 1 ? selected[0] : null;

  const open = (next: Action) => {
    setStatus(null);
    setAction((current) => (current === next ? null : next));
    if (next === "rename") setText(one ? runDisplayName(one) : "");
    else if (next === "notes") setText(one?.notes ?? "");
    else setText("");
  };

  const run = async (work: () => Promise<string>) => {
    setBusy(true);
    setStatus(null);
    try {
      const message = await work();
      setStatus({ error: false, message });
      setAction(null);
    } catch (error) {
      setStatus({ error: true, message: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };

  const apply = (how?: "add" | "remove") => {
    const n = `${ids.length} run${ids.length === 1 ? "" : "s"}`;
    if (action === "rename") void run(async () => (await editRuns(entity, project, { runs: ids, name: text }), `Renamed to ${text.trim()}`));
    if (action === "notes") void run(async () => (await editRuns(entity, project, { runs: ids, notes: text }), `Notes saved on ${n}`));
    if (action === "tags") {
      const tags = splitTags(text);
      const edit = how === "remove" ? { runs: ids, remove_tags: tags } : { runs: ids, add_tags: tags };
      void run(async () => (await editRuns(entity, project, edit), `${how === "remove" ? "Removed" : "Added"} ${tags.join(", ")} on ${n}`));
    }
    if (action === "move") {
      void run(async () => {
        const answer = await moveRuns(entity, project, ids, target.entity.trim(), target.project.trim());
        onRemoved(ids);
        onClear();
        return `Moved ${answer.moved.length} run(s) to ${target.entity.trim()}/${target.project.trim()}`;
      });
    }
    if (action === "delete") {
      void run(async () => {
        const answer = await deleteRuns(entity, project, ids);
        onRemoved(answer.deleted);
        if (baseline && answer.deleted.includes(baseline)) setBaselineRun(null);
        onClear();
        return `Deleted ${answer.deleted.length} run(s)`;
      });
    }
  };

  if (selected.length === 0) {
    return status ? (
      <div className={status.error ? "error" : "muted"} data-testid="action-status">
        {status.message}
      </div>
    ) : null;
  }

  return (
    <div className="run-actions" data-testid="run-actions">
      <div className="runs-controls-row">
        <span className="muted" data-testid="selected-count">
          {selected.length} selected
        </span>
        <button type="button" data-testid="action-compare" aria-pressed={comparing} onClick={onCompare}>
          Compare
        </button>
        <button type="button" data-testid="action-rename" disabled={!one} title={one ? "Rename this run" : "Select one run to rename it"} onClick={() => open("rename")}>
          Rename
        </button>
        <button type="button" data-testid="action-tag" onClick={() => open("tags")}>
          Tags
        </button>
        <button type="button" data-testid="action-note" onClick={() => open("notes")}>
          Notes
        </button>
        <button type="button" data-testid="action-move" onClick={() => open("move")}>
          Move
        </button>
        <button type="button" data-testid="action-delete" className="danger" onClick={() => open("delete")}>
          Delete
        </button>
        {one && (
          <button type="button" data-testid="action-baseline" aria-pressed={baseline === one.id} onClick={() => setBaselineRun(baseline === one.id ? null : one.id)}>
            {baseline === one.id ? "Unset baseline" : "Set as baseline"}
          </button>
        )}
        <button type="button" className="link" data-testid="action-clear" onClick={onClear}>
          Clear
        </button>
      </div>
      {action && (
        <form
          className="run-action-form"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          {action === "rename" && <input data-testid="action-name-input" aria-label="new name" value={text} onChange={(e) => setText(e.target.value)} />}
          {action === "notes" && <textarea data-testid="action-notes-input" aria-label="notes" rows={3} value={text} onChange={(e) => setText(e.target.value)} />}
          {action === "tags" && <input data-testid="action-tags-input" aria-label="tags" placeholder="tag, other tag" value={text} onChange={(e) => setText(e.target.value)} />}
          {action === "move" && (
            <>
              <input data-testid="action-move-entity" aria-label="target entity" placeholder="entity" value={target.entity} onChange={(e) => setTarget({ ...target, entity: e.target.value })} />
              <input data-testid="action-move-project" aria-label="target project" placeholder="project" value={target.project} onChange={(e) => setTarget({ ...target, project: e.target.value })} />
            </>
          )}
          {action === "tags" ? (
            <>
              <button type="submit" data-testid="action-add-tags" disabled={busy || splitTags(text).length === 0}>
                Add
              </button>
              <button type="button" data-testid="action-remove-tags" disabled={busy || splitTags(text).length === 0} onClick={() => apply("remove")}>
                Remove
              </button>
            </>
          ) : (
            <button type="submit" data-testid="action-apply" className={action === "delete" ? "danger" : undefined} disabled={busy || (action === "move" && !target.project.trim())}>
              {action === "delete" ? `Delete ${selected.length} run${selected.length === 1 ? "" : "s"}` : action === "move" ? "Move" : "Save"}
            </button>
          )}
        </form>
      )}
      {status && (
        <div className={status.error ? "error" : "muted"} data-testid="action-status">
          {status.message}
        </div>
      )}
    </div>
  );
}
