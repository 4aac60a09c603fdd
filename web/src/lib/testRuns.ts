// Test fixtures shared by the vitest suites (never imported by the app).
import type { Run } from "../api/types";

export function makeRun(id: string, extra: Partial<Run> = {}): Run {
  return {
    id,
    name: `run-${id}`,
    state: "finished",
    created_at: 1000,
    updated_at: 1000,
    heartbeat_at: null,
    runtime: 10,
    last_step: 9,
    tags: [],
    group: null,
    job_type: null,
    notes: null,
    host: "vm",
    color: null,
    config: {},
    summary: {},
    ...extra,
  };
}
