// Workspace settings: read once from GET /workspace, written back with a
// debounced PUT (and flushed when the page goes away).
import { useCallback, useEffect, useRef, useState } from "react";
import { getWorkspace, putWorkspace } from "../api/client";
import {
  DEFAULT_SETTINGS,
  type StoredSettings,
  type WorkspaceSettings,
  readSettings,
  writeSettings,
} from "../lib/workspaceSettings";

export const SAVE_DELAY_MS = 500;

export interface WorkspaceSettingsState {
  settings: WorkspaceSettings;
  ready: boolean;
  update: (change: (settings: WorkspaceSettings) => WorkspaceSettings) => void;
  saving: boolean;
  error: string | null;
}

export function useWorkspaceSettings(entity: string, project: string): WorkspaceSettingsState {
  const [stored, setStored] = useState<StoredSettings>({ settings: DEFAULT_SETTINGS, extra: {} });
  const current = useRef(stored);
  const [ready, setReady] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const pending = useRef<StoredSettings | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const save = useCallback(() => {
    timer.current = null;
    const doc = pending.current;
    pending.current = null;
    if (!doc) return;
    setSaving(true);
    putWorkspace(entity, project, writeSettings(doc))
      .then(() => setError(null))
      .catch((e: unknown) => setError(`settings not saved: ${String(e)}`))
      .finally(() => setSaving(false));
  }, [entity, project]);

  useEffect(() => {
    const controller = new AbortController();
    setReady(false);
    getWorkspace(entity, project, controller.signal)
      .then((body) => {
        current.current = readSettings(body.settings);
        setStored(current.current);
      })
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(`settings not loaded: ${String(e)}`);
      })
      .finally(() => {
        if (!controller.signal.aborted) setReady(true);
      });
    const flush = () => {
      if (timer.current) {
        clearTimeout(timer.current);
        save();
      }
    };
    window.addEventListener("pagehide", flush);
    return () => {
      controller.abort();
      window.removeEventListener("pagehide", flush);
      flush();
    };
  }, [entity, project, save]);

  const update = useCallback(
    (change: (settings: WorkspaceSettings) => WorkspaceSettings) => {
      const settings = change(current.current.settings);
      if (settings === current.current.settings) return;
      const next = { ...current.current, settings };
      current.current = next;
      setStored(next);
      pending.current = next;
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(save, SAVE_DELAY_MS);
    },
    [save],
  );

  return { settings: stored.settings, ready, update, saving, error };
}
