"""Run metadata: git state and diff.patch in a real repository, packages, code files."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import runyard
from runyard.sdk.metadata import (
    code_files,
    collect,
    git_diff,
    git_info,
    requirements,
    strip_credentials,
)
from tests.helpers import METADATA_OFF


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checkout with a commit, a remote holding a token, and uncommitted changes of
    every kind: unstaged, staged, a new staged file, a deleted file, a binary file."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "dev@example.com")
    git(repo, "config", "user.name", "Dev")
    git(repo, "remote", "add", "origin", "https://user:s3cret@example.com/team/proj.git")
    (repo / "train.py").write_text("print('v1')\n")
    (repo / "gone.txt").write_text("to be deleted\n")
    (repo / "blob.bin").write_bytes(bytes(range(256)))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    (repo / "train.py").write_text("print('v2')\nprint('more')\n")
    (repo / "new.py").write_text("x = 1\n")
    git(repo, "add", "new.py")
    (repo / "gone.txt").unlink()
    (repo / "blob.bin").write_bytes(bytes(range(255, -1, -1)) * 2)
    return repo


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://user:s3cret@example.com/a.git", "https://example.com/a.git"),
        ("https://ghp_token@github.com/a/b.git", "https://github.com/a/b.git"),
        ("http://u:p@host:8080/x", "http://host:8080/x"),
        ("ssh://git:pw@host/x.git", "ssh://git@host/x.git"),
        ("ssh://git@host/x.git", "ssh://git@host/x.git"),
        ("git@github.com:a/b.git", "git@github.com:a/b.git"),
        ("https://github.com/a/b.git", "https://github.com/a/b.git"),
        ("/srv/repos/x.git", "/srv/repos/x.git"),
    ],
)
def test_credentials_are_removed_from_remote_urls(url: str, clean: str) -> None:
    assert strip_credentials(url) == clean


def test_git_info_and_a_diff_that_applies_on_the_commit(repo: Path, tmp_path: Path) -> None:
    info = git_info(repo)
    assert info is not None
    assert info["remote"] == "https://example.com/team/proj.git"  # no token
    assert info["branch"] == "main" and info["commit"] == git(repo, "rev-parse", "HEAD")
    patch = git_diff(repo)
    assert b"s3cret" not in patch and b"GIT binary patch" in patch
    # a fresh checkout of the commit + diff.patch == the working tree
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    git(clone, "checkout", "-q", info["commit"])
    (tmp_path / "diff.patch").write_bytes(patch)
    git(clone, "apply", "--index", str(tmp_path / "diff.patch"))
    for name in ("train.py", "new.py", "blob.bin"):
        assert (clone / name).read_bytes() == (repo / name).read_bytes()
    assert not (clone / "gone.txt").exists()


def test_outside_git_and_with_git_disabled(repo: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    assert git_info(plain) is None and git_diff(plain) == b""
    meta, diff = collect(started_at=0.0, root=str(repo), disable_git=True)
    assert "git" not in meta and "email" not in meta and diff == b""


def test_the_remote_is_origin_else_the_first_one_and_no_git_runs_outside_a_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The git commands run at once (a process each); the remote recorded is origin's,
    else the first of the config file's; outside any checkout no git process starts."""
    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "dev")
    git(repo, "remote", "add", "zeta", "https://example.com/zeta.git")
    git(repo, "remote", "add", "alpha", "https://example.com/alpha.git")
    info = git_info(repo)
    assert info is not None and info["remote"] == "https://example.com/zeta.git"
    assert "commit" not in info and info["branch"] == "dev"  # no commit yet
    git(repo, "remote", "add", "origin", "https://tok@example.com/origin.git")
    assert git_info(repo)["remote"] == "https://example.com/origin.git"  # type: ignore[index]

    import subprocess

    def no_git(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a process was started: {args}")

    plain = tmp_path / "plain"
    plain.mkdir()
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.setattr(subprocess, "Popen", no_git)
    meta, diff = collect(started_at=0.0, root=str(plain), machine=False)
    assert "git" not in meta and diff == b""


def test_collect_fills_wandb_metadata_fields(repo: Path) -> None:
    meta, diff = collect(started_at=1_700_000_000.5, root=str(repo), program=str(repo / "train.py"))
    assert meta["startedAt"] == "2023-11-14T22:13:20.500000Z"
    assert meta["python"].split()[1] == ".".join(map(str, sys.version_info[:3]))
    for key in ("os", "host", "executable", "args", "username", "cpu_count_logical"):
        assert key in meta, key
    assert meta["root"] == str(repo) and meta["codePath"] == "train.py"
    assert meta["git"]["remote"] == "https://example.com/team/proj.git"
    assert meta["email"] == "dev@example.com"
    assert meta["memory"]["total"] > 0 and meta["disk"]["/"]["total"] > 0
    assert diff.startswith(b"diff --git")


def test_requirements_lists_installed_distributions() -> None:
    lines = requirements().splitlines()
    names = {line.split("==")[0].lower() for line in lines}
    assert {"runyard", "msgpack", "psutil"} <= names
    assert all("==" in line for line in lines)


def test_requirements_are_listed_again_when_a_path_directory_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    (site / "alpha-1.0.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [str(site)])
    assert requirements() == "alpha==1.0\n"
    stat = os.stat(site)
    (site / "alpha-1.0.dist-info").rmdir()
    os.utime(site, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert requirements() == "alpha==1.0\n"  # the same directory times: not listed again
    (site / "alpha-2.0.dist-info").mkdir()  # an upgrade between two runs
    os.utime(site, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert requirements() == "alpha==2.0\n"
    monkeypatch.setattr(sys, "path", [str(site), str(tmp_path / "missing")])
    (site / "beta-3.dist-info").mkdir()
    os.utime(site, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # same time
    assert requirements() == "alpha==2.0\nbeta==3\n"  # another sys.path: listed again


def test_code_files_defaults_and_custom_functions(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    for name in (
        "train.py",
        "pkg/model.py",
        "requirements.txt",
        "Dockerfile",
        "notes.md",
        ".venv/lib/site.py",
        "pkg/__pycache__/model.cpython-311.py",
        "wandb/run/files/x.py",
    ):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#\n")
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr\n")
    found = [rel for rel, _ in code_files(root)]
    assert found == ["Dockerfile", "requirements.txt", "train.py", "pkg/model.py"]
    only_md = [rel for rel, _ in code_files(root, include_fn=lambda p: p.endswith(".md"))]
    assert only_md == ["notes.md"]
    no_pkg = code_files(root, exclude_fn=lambda path, top: "/pkg/" in path or ".venv" in path)
    assert "pkg/model.py" not in [rel for rel, _ in no_pkg]
    assert "wandb/run/files/x.py" in [rel for rel, _ in no_pkg]  # a custom exclude replaces ours
    with pytest.raises(ValueError, match="nope"):
        code_files(root / "nope")


SCRIPT = textwrap.dedent(
    """
    import os, runyard
    run = runyard.init(project="p", id="meta", save_code=True)
    with open(os.path.join(run.dir, "notes.txt"), "w") as out:
        out.write("written into run.dir")
    print(run.log_code(".", include_fn=lambda path, root: path.endswith("helper.py")))
    run.finish()
    """
)


def test_a_run_in_a_git_checkout_records_metadata_and_files(
    repo: Path, ry_dir: Path, tmp_path: Path
) -> None:
    (repo / "train.py").write_text(SCRIPT)
    (repo / "helper.py").write_text("def f(): pass\n")
    # Git state and requirements.txt, which the suite turns off by default.
    env = {k: v for k, v in os.environ.items() if k not in METADATA_OFF}
    env["RUNYARD_DIR"] = str(ry_dir)
    done = subprocess.run(
        [sys.executable, "train.py", "--lr", "0.1"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "['code/helper.py']" in done.stdout
    run = runyard.Api().run("tester/p/meta")
    meta = run.metadata
    assert meta["program"].endswith("train.py") and meta["codePath"] == "train.py"
    assert meta["args"] == ["--lr", "0.1"]
    assert meta["git"] == {
        "remote": "https://example.com/team/proj.git",
        "commit": git(repo, "rev-parse", "HEAD"),
        "branch": "main",
    }
    names = {f.name for f in run.files()}
    assert {"diff.patch", "requirements.txt", "code/train.py", "code/helper.py"} <= names
    assert "notes.txt" in names  # written into run.dir: stored at finish
    with run.file("diff.patch").download(root=str(tmp_path / "dl")) as file:
        patch = file.read()
    assert "train.py" in patch and "s3cret" not in patch
    with run.file("code/train.py").download(root=str(tmp_path / "dl")) as file:
        assert file.read() == SCRIPT
