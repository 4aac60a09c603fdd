// A run's environment (wandb-metadata.json, served as `run.metadata`) as the
// Overview tab shows it: the command to run it again, the git commit with a link
// for GitHub and GitLab remotes (credentials in the remote URL never shown), the
// GPUs, the start time. The document is user data: every field is checked.
import type { JsonObject, JsonValue } from "../api/types";
import { formatBytes, formatTimestamp } from "./format";

export interface EnvironmentFact {
  /** `run-env-<id>` in the page. */
  id: string;
  label: string;
  value: string;
  href?: string;
  /** Shown as code with a copy button. */
  copy?: boolean;
}

function text(value: JsonValue | undefined): string | null {
  if (typeof value === "string") return value.trim() === "" ? null : value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

function object(value: JsonValue | undefined): JsonObject | null {
  return value && typeof value === "object" && !Array.isArray(value) ? value : null;
}

/** `arg` as a POSIX shell word: bare when it is safe, else single-quoted. */
export function shellQuote(arg: string): string {
  if (arg !== "" && /^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'"'"'`)}'`;
}

const NO_PROGRAM = new Set(["<python with no main file>", "-c", ""]);

/** The command that started the run (`python train.py --lr 0.1`), or null without a program. */
export function commandLine(meta: JsonObject): string | null {
  const program = text(meta.program) ?? text(meta.codePath);
  if (program === null || NO_PROGRAM.has(program)) return null;
  const args = Array.isArray(meta.args) ? meta.args.filter((a): a is string => typeof a === "string") : [];
  return ["python", program, ...args].map(shellQuote).join(" ");
}

interface Remote {
  host: string;
  path: string;
}

/** The host and repository path of a git remote (https, ssh, scp-like, git://), or null. */
export function parseRemote(remote: string): Remote | null {
  const value = remote.trim();
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(value);
  let host: string;
  let path: string;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return null;
    }
    if (!["http:", "https:", "ssh:", "git:", "git+ssh:", "ssh+git:"].includes(url.protocol)) return null;
    host = url.hostname;
    path = decodeURIComponent(url.pathname);
  } else if (scp) {
    [, host, path] = scp;
  } else {
    return null;
  }
  path = path.replace(/^\/+|\/+$/g, "").replace(/\.git$/, "");
  if (!host || !path || path.split("/").some((p) => p === "" || p === "." || p === "..")) return null;
  return { host: host.toLowerCase(), path };
}

/** A remote as it may be shown: without a user name or token (`https://user:token@host/…`). */
export function displayRemote(remote: string): string {
  const value = remote.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      if (url.username || url.password) {
        url.username = "";
        url.password = "";
      }
      return url.toString();
    } catch {
      return value.replace(/\/\/[^/@]*@/, "//");
    }
  }
  return value;
}

type Forge = "github" | "gitlab";

function forgeOf(host: string): Forge | null {
  if (host === "github.com" || host.startsWith("github.")) return "github";
  if (host === "gitlab.com" || host.startsWith("gitlab.") || host.includes(".gitlab.")) return "gitlab";
  return null;
}

function webBase(remote: Remote): string {
  return `https://${remote.host}/${remote.path.split("/").map(encodeURIComponent).join("/")}`;
}

/** The web page of `commit` for a GitHub or GitLab remote, else null. */
export function commitUrl(remote: string | null, commit: string | null): string | null {
  if (!remote || !commit || !/^[0-9a-f]{7,64}$/i.test(commit)) return null;
  const parsed = parseRemote(remote);
  const forge = parsed && forgeOf(parsed.host);
  if (!parsed || !forge) return null;
  return `${webBase(parsed)}${forge === "gitlab" ? "/-" : ""}/commit/${commit}`;
}

/** The web page of a GitHub or GitLab remote's repository, else null. */
export function repositoryUrl(remote: string | null): string | null {
  const parsed = remote ? parseRemote(remote) : null;
  return parsed && forgeOf(parsed.host) ? webBase(parsed) : null;
}

/** The start time: wandb writes ISO 8601 (`2024-05-01T12:00:00.123456Z`); numbers are unix seconds. */
export function startedAt(value: JsonValue | undefined): string | null {
  if (typeof value === "number") return formatTimestamp(value) || null;
  if (typeof value !== "string") return null;
  // JavaScript dates take milliseconds: cut microseconds, read a bare time as UTC
  const iso = value.replace(/(\.\d{3})\d+/, "$1").replace(/^(\d{4}-\d\d-\d\dT[\d:.]+)$/, "$1Z");
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? formatTimestamp(ms / 1000) : value;
}

function memoryOf(device: JsonObject): string | null {
  const raw = device.memoryTotal ?? device.memory_total ?? device.memory;
  const bytes = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof bytes === "number" && Number.isFinite(bytes) && bytes > 0) return formatBytes(bytes);
  return text(raw);
}

/** "2 × NVIDIA A100 (80 GB)" from the GPU fields (`gpu_devices`, wandb's `gpu_nvidia`, `gpu` + `gpu_count`). */
export function gpuSummary(meta: JsonObject): string | null {
  const devices = [meta.gpu_devices, meta.gpu_nvidia, meta.gpu_amd, meta.gpu_apple].find(Array.isArray) as JsonValue[] | undefined;
  if (devices && devices.length > 0) {
    const counts = new Map<string, number>();
    for (const device of devices) {
      const d = object(device);
      const name = (d && text(d.name)) ?? text(device) ?? "GPU";
      const memory = d ? memoryOf(d) : null;
      const label = memory ? `${name} (${memory})` : name;
      counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    return [...counts].map(([label, n]) => (n > 1 ? `${n} × ${label}` : label)).join(", ");
  }
  const name = text(meta.gpu);
  const count = typeof meta.gpu_count === "number" ? meta.gpu_count : null;
  if (name) return count && count > 1 ? `${count} × ${name}` : name;
  if (count === 0) return "none";
  return count === null ? null : `${count}`;
}

function bytes(value: JsonValue | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : null;
}

/** "24 GB" from wandb's `memory: {total}`. */
export function memorySummary(meta: JsonObject): string | null {
  const total = bytes(object(meta.memory)?.total);
  return total === null ? null : formatBytes(total);
}

/** "/: 28.5 GB of 252 GB used" per mount point, from wandb's `disk: {<path>: {total, used}}`. */
export function diskSummary(meta: JsonObject): string | null {
  const disks = object(meta.disk);
  if (!disks) return null;
  const parts = Object.entries(disks).flatMap(([path, value]) => {
    const disk = object(value);
    const total = bytes(disk?.total);
    const used = bytes(disk?.used);
    if (total === null) return [];
    return [used === null ? `${path}: ${formatBytes(total)}` : `${path}: ${formatBytes(used)} of ${formatBytes(total)} used`];
  });
  return parts.length ? parts.join(", ") : null;
}

/** Fields shown as facts; the rest of the document is listed as it is. */
const SHOWN = new Set([
  "python", "os", "host", "username", "program", "codePath", "codePathLocal", "args", "executable",
  "startedAt", "cpu_count", "cpu_count_logical", "gpu", "gpu_count", "gpu_devices", "gpu_nvidia",
  "cuda", "git", "root", "memory", "disk",
]);

/** The facts of the Overview's Environment section, in order, for the fields present. */
export function environmentFacts(meta: JsonObject): EnvironmentFact[] {
  const facts: EnvironmentFact[] = [];
  const add = (id: string, label: string, value: string | null, extra: Partial<EnvironmentFact> = {}) => {
    if (value !== null) facts.push({ id, label, value, ...extra });
  };
  add("command", "Command", commandLine(meta), { copy: true });
  add("python", "Python", text(meta.python));
  add("executable", "Executable", text(meta.executable));
  add("os", "OS", text(meta.os));
  add("host", "Host", text(meta.host));
  add("user", "User", text(meta.username));
  add("started", "Started", startedAt(meta.startedAt));
  const cores = typeof meta.cpu_count === "number" ? meta.cpu_count : null;
  const logical = typeof meta.cpu_count_logical === "number" ? meta.cpu_count_logical : null;
  add("cpus", "CPUs", cores === null ? (logical === null ? null : `${logical}`) : logical && logical !== cores ? `${cores} (${logical} logical)` : `${cores}`);
  add("memory", "Memory", memorySummary(meta));
  add("disk", "Disk", diskSummary(meta));
  add("gpus", "GPUs", gpuSummary(meta));
  add("cuda", "CUDA", text(meta.cuda));
  const git = object(meta.git);
  const remote = git ? text(git.remote) : null;
  const commit = git ? text(git.commit) : null;
  add("git-remote", "Git remote", remote && displayRemote(remote), { href: repositoryUrl(remote) ?? undefined });
  add("git-branch", "Branch", git ? text(git.branch) : null);
  add("git-commit", "Commit", commit, { href: commitUrl(remote, commit) ?? undefined, copy: true });
  add("root", "Directory", text(meta.root));
  return facts;
}

/** The metadata fields the facts do not show (shown as a key/value table). */
export function otherMetadata(meta: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(meta).filter(([key]) => !SHOWN.has(key)));
}
