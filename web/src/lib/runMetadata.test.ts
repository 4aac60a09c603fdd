import { describe, expect, it } from "vitest";
import {
  commandLine,
  commitUrl,
  displayRemote,
  environmentFacts,
  gpuSummary,
  otherMetadata,
  parseRemote,
  repositoryUrl,
  shellQuote,
  startedAt,
} from "./runMetadata";

const SHA = "0123456789abcdef0123456789abcdef01234567";

describe("commandLine", () => {
  it("quotes arguments a shell would split", () => {
    expect(shellQuote("--lr=0.1")).toBe("--lr=0.1");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'"'"'s'`);
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("$HOME")).toBe("'$HOME'");
    expect(commandLine({ program: "train.py", args: ["--lr", "0.1", "--name", "my run"] })).toBe(
      "python train.py --lr 0.1 --name 'my run'",
    );
  });

  it("falls back to codePath and gives none without a program", () => {
    expect(commandLine({ codePath: "src/train.py" })).toBe("python src/train.py");
    expect(commandLine({ program: "<python with no main file>" })).toBeNull();
    expect(commandLine({ args: ["x"] })).toBeNull();
    expect(commandLine({ program: "t.py", args: ["a", 3, null] })).toBe("python t.py a");
  });
});

describe("git remotes", () => {
  it("reads https, ssh and scp-like remotes", () => {
    expect(parseRemote("https://github.com/org/repo.git")).toEqual({ host: "github.com", path: "org/repo" });
    expect(parseRemote("git@github.com:org/repo.git")).toEqual({ host: "github.com", path: "org/repo" });
    expect(parseRemote("ssh://git@gitlab.example.com:2222/group/sub/repo.git")).toEqual({ host: "gitlab.example.com", path: "group/sub/repo" });
    expect(parseRemote("/srv/git/repo.git")).toBeNull();
    expect(parseRemote("file:///srv/repo")).toBeNull();
    expect(parseRemote("https://github.com/")).toBeNull();
    expect(commitUrl("javascript:alert(1)", SHA)).toBeNull();
  });

  it("links commits on GitHub and GitLab only", () => {
    expect(commitUrl("git@github.com:org/repo.git", SHA)).toBe(`https://github.com/org/repo/commit/${SHA}`);
    expect(commitUrl("https://gitlab.com/group/sub/repo.git", SHA)).toBe(`https://gitlab.com/group/sub/repo/-/commit/${SHA}`);
    expect(commitUrl("https://gitlab.company.org/g/r", SHA)).toBe(`https://gitlab.company.org/g/r/-/commit/${SHA}`);
    expect(commitUrl("https://example.org/g/r.git", SHA)).toBeNull();
    expect(commitUrl("https://github.com/o/r", "not-a-sha")).toBeNull();
    expect(commitUrl(null, SHA)).toBeNull();
    expect(repositoryUrl("git@github.com:org/repo.git")).toBe("https://github.com/org/repo");
  });

  it("never shows or links credentials", () => {
    const remote = "https://someone:ghp_secret@github.com/org/repo.git";
    expect(displayRemote(remote)).toBe("https://github.com/org/repo.git");
    expect(commitUrl(remote, SHA)).toBe(`https://github.com/org/repo/commit/${SHA}`);
    expect(displayRemote("git@github.com:org/repo.git")).toBe("git@github.com:org/repo.git");
    const facts = environmentFacts({ git: { remote, commit: SHA } });
    expect(JSON.stringify(facts)).not.toContain("ghp_secret");
  });
});

describe("facts", () => {
  it("reads wandb's start time and GPU fields", () => {
    expect(startedAt("2024-05-01T12:00:00.123456Z")).toBe("2024-05-01 12:00:00");
    expect(startedAt("2024-05-01T12:00:00.123456")).toBe("2024-05-01 12:00:00");
    expect(startedAt(1714564800)).toBe("2024-05-01 12:00:00");
    expect(startedAt("yesterday")).toBe("yesterday");
    expect(startedAt(undefined)).toBeNull();
    expect(gpuSummary({ gpu: "NVIDIA A100", gpu_count: 2 })).toBe("2 × NVIDIA A100");
    expect(gpuSummary({ gpu_count: 0 })).toBe("none");
    expect(gpuSummary({})).toBeNull();
    expect(
      gpuSummary({
        gpu_nvidia: [
          { name: "NVIDIA A100", memoryTotal: "85899345920" },
          { name: "NVIDIA A100", memoryTotal: "85899345920" },
          { name: "Tesla T4", memory_total: 16 * 2 ** 30 },
        ],
      }),
    ).toBe("2 × NVIDIA A100 (80 GB), Tesla T4 (16 GB)");
  });

  it("lists the fields present, in order, and the rest apart", () => {
    const meta = {
      python: "CPython 3.12.1",
      os: "Linux-6.1",
      host: "gpu-box",
      username: "ada",
      program: "train.py",
      args: ["--epochs", "3"],
      startedAt: "2024-05-01T12:00:00Z",
      cpu_count: 8,
      cpu_count_logical: 16,
      git: { remote: "git@github.com:org/repo.git", commit: SHA, branch: "main" },
      email: "ada@example.org",
      memory: { total: 24 * 2 ** 30 },
      disk: { "/": { total: 252 * 2 ** 30, used: 28.5 * 2 ** 30 }, "/data": { total: 2 ** 40 } },
      gpu_extra: 1,
    };
    const facts = environmentFacts(meta);
    expect(facts.map((f) => f.id)).toEqual([
      "command", "python", "os", "host", "user", "started", "cpus", "memory", "disk", "git-remote", "git-branch", "git-commit",
    ]);
    expect(facts.find((f) => f.id === "memory")?.value).toBe("24 GB");
    expect(facts.find((f) => f.id === "disk")?.value).toBe("/: 28.5 GB of 252 GB used, /data: 1 TB");
    expect(facts.find((f) => f.id === "command")).toMatchObject({ value: "python train.py --epochs 3", copy: true });
    expect(facts.find((f) => f.id === "cpus")?.value).toBe("8 (16 logical)");
    expect(facts.find((f) => f.id === "git-commit")?.href).toBe(`https://github.com/org/repo/commit/${SHA}`);
    expect(otherMetadata(meta)).toEqual({ email: "ada@example.org", gpu_extra: 1 });
    expect(environmentFacts({ memory: { total: "x" }, disk: { "/": {} } })).toEqual([]);
    expect(environmentFacts({ git: null, python: 3 })).toEqual([{ id: "python", label: "Python", value: "3" }]);
  });
});
