"""Run metadata (wandb's ``wandb-metadata.json``), the git state and the installed packages.

:func:`collect` gathers, off the training thread (git and the package list take tens of
milliseconds; ``init`` must not wait for them):

* ``python``, ``os``, ``host``, ``username``, ``executable``, ``program`` (the main
  file as given), ``codePath`` (relative to the git root, else the working
  directory), ``codePathLocal`` (relative to the working directory), ``args``,
  ``root`` (the working directory), ``startedAt`` (ISO 8601, UTC), ``cpu_count``
  (physical), ``cpu_count_logical``, ``memory`` ``{"total"}`` and ``disk``
  ``{path: {"total", "used"}}`` in bytes, ``slurm`` (``SLURM_*`` variables), and with
  NVIDIA GPUs ``gpu``, ``gpu_count``, ``gpu_devices`` ``[{"name", "memory_total"}]``,
  ``cuda``;
* ``git`` ``{"remote", "commit", "branch"}`` (credentials removed from the remote's URL)
  and ``email`` (``git config user.email``), unless ``disable_git``;

and the files ``diff.patch`` (``git diff HEAD``: staged and unstaged changes to tracked
files, binary ones included; it applies with ``git apply`` on the commit),
``requirements.txt`` (``name==version`` of every installed distribution, as ``pip
freeze``; ``x_save_requirements``) and, with ``save_code``, ``code/<codePath>``.

Git runs with ``GIT_OPTIONAL_LOCKS=0`` (never taking the index lock a user's own git
command may want), no pager, colour or external diff, and a timeout.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runyard.journal.records import Rec
from runyard.sdk.switch_interval import working

# (subprocess, platform, getpass, datetime… are imported by the functions that use
# them, in the metadata thread: init imports this module and must stay fast.)

__all__ = [
    "MetadataCollector",
    "code_files",
    "collect",
    "git_diff",
    "git_info",
    "program_path",
    "requirements",
    "strip_credentials",
]

_GIT_TIMEOUT = 10.0


def strip_credentials(url: str) -> str:
    """``url`` without a user name or password (``https://tok@host/x`` → ``https://host/x``).

    SSH remotes keep their user (``ssh://git@host/x``, ``git@host:x``): it is no secret,
    but a password is always removed.
    """
    if "://" not in url:
        return url  # scp-like "git@host:path" or a local path
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # IPv6
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host + (f":{port}" if port else "")
    if parts.scheme.startswith("ssh") and parts.username:
        netloc = f"{parts.username}@{netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _git_bytes(root: str | os.PathLike[str], *args: str) -> bytes | None:
    return _git_all(root, {"out": args})["out"]


def _git_all(
    root: str | os.PathLike[str], commands: dict[str, tuple[str, ...]]
) -> dict[str, bytes | None]:
    """Several git commands run at once, a process each (a git process is mostly start-up:
    one after another, the five a run asks cost 20-30 ms): each one's output, or None
    when it fails or outlasts the timeout (then killed)."""
    import subprocess
    import time

    env = {
        **os.environ,
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PAGER": "cat",
        "LC_ALL": "C",
    }
    started: dict[str, subprocess.Popen[bytes] | None] = {}
    for name, args in commands.items():
        try:
            started[name] = subprocess.Popen(
                ["git", "-c", "core.quotepath=off", "-c", "color.ui=never", *args],
                cwd=root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError:
            started[name] = None
    deadline = time.monotonic() + _GIT_TIMEOUT
    out: dict[str, bytes | None] = {}
    for name, proc in started.items():
        out[name] = None
        if proc is None:
            continue
        try:
            stdout, _ = proc.communicate(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            continue
        if proc.returncode == 0:
            out[name] = stdout
    return out


#: What ``git_info`` asks (and ``collect``, with the diff).
_INFO = {
    "top": ("rev-parse", "--show-toplevel"),
    "commit": ("rev-parse", "--verify", "-q", "HEAD"),
    "branch": ("symbolic-ref", "--short", "-q", "HEAD"),
    "config": ("config", "--get-regexp", r"^(remote\..*\.url|user\.email)$"),
}


def _maybe_checkout(root: str | os.PathLike[str]) -> bool:
    """Whether ``root`` may be in a git checkout: a ``.git`` in it or above it, or git
    told where one is (``GIT_DIR``). Elsewhere no git process is started at all."""
    if os.environ.get("GIT_DIR"):
        return True
    here = Path(root).absolute()
    return any((folder / ".git").exists() for folder in (here, *here.parents))


def git_info(root: str | os.PathLike[str]) -> dict[str, Any] | None:
    """``{"remote", "commit", "branch", "root"}`` of the checkout holding ``root``, or None."""
    return _info(_git_all(root, _INFO))


def _info(found: dict[str, bytes | None]) -> dict[str, Any] | None:
    """git_info from the outputs of ``_INFO``'s commands; ``"email"`` too, when set."""

    def text(name: str) -> str:
        out = found.get(name)
        return "" if out is None else out.decode("utf-8", "replace").strip()

    top = text("top")
    if not top:
        return None
    info: dict[str, Any] = {"root": top}
    for name in ("commit", "branch"):
        if text(name):
            info[name] = text(name)
    remotes: list[str] = []
    for line in text("config").splitlines():
        key, _, value = line.partition(" ")
        if key == "user.email" and value:
            info["email"] = value
        elif key.startswith("remote.") and value:
            # origin's, else the first remote's (in the order of the config file)
            remotes.insert(0 if key == "remote.origin.url" else len(remotes), value)
    if remotes:
        info["remote"] = strip_credentials(remotes[0])
    return info


#: ``git diff HEAD``: the uncommitted changes to tracked files, as a patch ``git apply``
#: takes on the commit.
_DIFF = (
    "diff",
    "HEAD",
    "--binary",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--src-prefix=a/",
    "--dst-prefix=b/",
    "--",
)


def git_diff(root: str | os.PathLike[str]) -> bytes:
    """``git diff HEAD`` of the checkout holding ``root`` (b"" when clean or no git): the
    uncommitted changes to tracked files, as a patch ``git apply`` takes on the commit."""
    return _git_bytes(root, *_DIFF) or b""


def requirements() -> str:
    """``name==version`` of every installed distribution, sorted (as ``pip freeze``).

    Read from the names of the ``*.dist-info``/``*.egg-info`` directories on
    ``sys.path`` (PEP 427/376: ``<name>-<version>.dist-info``): a directory listing, where
    parsing every distribution's METADATA (importlib.metadata) takes ~150 ms of the
    GIL. Names come in their normalised spelling (``typing_extensions``), which pip
    accepts. Kept for the process while no ``sys.path`` directory changes (a loop of
    runs lists them once; ``pip install`` between two runs changes the directory).
    """
    global _requirements
    key = tuple((entry, _mtime(entry or ".")) for entry in sys.path)
    cached = _requirements
    if cached is not None and cached[0] == key:
        return cached[1]
    found: dict[str, tuple[str, str]] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file, a missing directory
            continue
        for folder in names:
            if folder.endswith(".dist-info"):
                stem = folder[: -len(".dist-info")]
            elif folder.endswith(".egg-info"):
                stem = folder[: -len(".egg-info")]
            else:
                continue
            name, _, rest = stem.partition("-")
            version = rest.split("-", 1)[0]  # egg-info: <name>-<version>-py3.11
            if name and version:
                found.setdefault(name.lower().replace("-", "_"), (name, version))
    text = "".join(f"{n}=={v}\n" for n, v in sorted(found.values(), key=lambda nv: nv[0].lower()))
    _requirements = (key, text)
    return text


#: ``requirements()``'s last answer, and the ``sys.path`` entries and times it is for.
_requirements: tuple[tuple[tuple[str, int], ...], str] | None = None


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def program_path(settings_program: str | None = None) -> str | None:
    """The main program as given (``python train.py`` → ``"train.py"``), or None
    (an interactive session)."""
    if settings_program:
        return settings_program
    env = os.environ.get("WANDB_PROGRAM") or os.environ.get("RUNYARD_PROGRAM")
    if env:
        return env
    main = sys.modules.get("__main__")
    file = getattr(main, "__file__", None)
    if isinstance(file, str) and file:
        return file
    return None


def collect(
    *,
    started_at: float,
    root: str | None = None,
    program: str | None = None,
    disable_git: bool = False,
    disk_paths: tuple[str, ...] = ("/",),
    machine: bool = True,
    gpu: Callable[[], dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], bytes]:
    """The metadata document and the uncommitted diff (b"" when none or git is off).

    Args:
        started_at: the run's start (seconds since the epoch).
        root: the working directory (default: the current one).
        program: ``settings.program``.
        disable_git: skip git entirely.
        disk_paths: file systems described under ``disk``.
        machine: include CPU, memory, disk and GPU facts (``x_disable_machine_info``).
        gpu: returns GPU fields (see :meth:`GpuReader.describe`), or None for none.
    """
    import datetime as _dt
    import getpass
    import platform
    import socket

    cwd = root or os.getcwd()
    meta: dict[str, Any] = {
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(),
        "host": socket.gethostname(),
        "executable": sys.executable,
        "args": list(sys.argv[1:]),
        "root": cwd,
        "startedAt": _dt.datetime.fromtimestamp(started_at, _dt.timezone.utc)
        .isoformat()
        .replace("+00:00", "Z"),
    }
    with contextlib.suppress(KeyError, OSError):  # no passwd entry (containers)
        meta["username"] = getpass.getuser()
    prog = program_path(program)
    meta["program"] = prog if prog is not None else "<python with no main file>"
    git_on = not disable_git and _maybe_checkout(cwd)
    found = _git_all(cwd, {**_INFO, "diff": _DIFF}) if git_on else {}
    git = _info(found)
    if prog is not None:
        path = Path(cwd, prog).resolve()
        if path.is_file():
            meta["codePathLocal"] = _relative(path, Path(cwd))
            base = Path(git["root"]) if git else Path(cwd)
            meta["codePath"] = _relative(path, base)
    diff = b""
    if git is not None:
        meta["git"] = {k: git[k] for k in ("remote", "commit", "branch") if k in git}
        if "email" in git:
            meta["email"] = git["email"]
        diff = found.get("diff") or b""
    slurm = {k[6:].lower(): v for k, v in os.environ.items() if k.startswith("SLURM_")}
    if slurm:
        meta["slurm"] = slurm
    if machine:
        meta.update(_machine(disk_paths))
        if gpu is not None:
            meta.update(gpu())
    return meta, diff


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base.resolve()).as_posix()
    except ValueError:
        return os.path.relpath(path, base) if os.name != "nt" else path.name


def _machine(disk_paths: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {"cpu_count_logical": os.cpu_count()}
    try:
        import psutil

        out["cpu_count"] = psutil.cpu_count(logical=False)
        out["memory"] = {"total": int(psutil.virtual_memory().total)}
        disks: dict[str, Any] = {}
        for path in disk_paths:
            try:
                usage = psutil.disk_usage(path)
            except OSError:
                continue
            disks[path] = {"total": int(usage.total), "used": int(usage.used)}
        out["disk"] = disks
    except Exception:  # psutil missing: the counts os knows
        pass
    return out


#: Directories ``log_code`` does not look into by default.
_SKIPPED_DIRS = frozenset(
    (".git", ".hg", ".svn", "__pycache__", "node_modules", "site-packages", "wandb", ".runyard")
)


def _is_code(path: str) -> bool:
    """wandb's default for ``log_code``: Python files, requirements.txt, Dockerfiles."""
    name = os.path.basename(path)
    return name.endswith(".py") or name.startswith("Dockerfile") or name == "requirements.txt"


def _call(fn: Callable[..., bool], path: str, root: str) -> bool:
    """``fn(path, root)``, or ``fn(path)`` for a one-argument function (wandb takes both)."""
    import inspect

    try:
        params = inspect.signature(fn).parameters.values()
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        takes_two = len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)
    except (TypeError, ValueError):  # builtins without a signature
        takes_two = False
    return bool(fn(path, root) if takes_two else fn(path))


def code_files(
    root: str | os.PathLike[str],
    include_fn: Callable[..., bool] | None = None,
    exclude_fn: Callable[..., bool] | None = None,
) -> list[tuple[str, Path]]:
    """``(path relative to root, path)`` of the source files under ``root`` that
    ``include_fn`` takes and ``exclude_fn`` does not (see ``Run.log_code``)."""
    top = os.path.abspath(os.fspath(root))
    if not os.path.isdir(top):
        raise ValueError(f"log_code: root {os.fspath(root)!r} is not a directory")
    include = include_fn or _is_code
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(top):
        if exclude_fn is None:
            # Virtual environments and tool directories hold no code of the project.
            dirnames[:] = sorted(
                d
                for d in dirnames
                if d not in _SKIPPED_DIRS
                and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg"))
            )
        else:
            dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if not _call(include, path, top):
                continue
            if exclude_fn is not None and _call(exclude_fn, path, top):
                continue
            found.append((Path(path).relative_to(top).as_posix(), Path(path)))
    return found


class MetadataCollector:
    """Collects the metadata in a background thread and journals it: ``(META,
    {"metadata": …})`` and the files (``requirements.txt``, ``diff.patch``,
    ``code/<codePath>``) through ``spool``.

    Args:
        append: journals a record (thread-safe).
        put: spools a run file's bytes (``SpoolWriter.put``).
        put_file: spools a file on disk (``SpoolWriter.put_file``).
        options: keyword arguments of :func:`collect`.
        save_code: save the main program as ``code/<codePath>``.
        save_requirements: save ``requirements.txt``.
    """

    def __init__(
        self,
        append: Callable[[tuple[Any, ...]], object],
        put: Callable[[str, bytes], None],
        put_file: Callable[[str, Path], None],
        options: dict[str, Any],
        save_code: bool = False,
        save_requirements: bool = True,
    ) -> None:
        self._append = append
        self._put = put
        self._put_file = put_file
        self._options = options
        self._save_code = save_code
        self._save_requirements = save_requirements
        self._thread: threading.Thread | None = None
        self._go = threading.Event()
        #: Seconds the thread waits before collecting.
        self.start_delay = 0.2
        self.metadata: dict[str, Any] | None = None
        self.error: BaseException | None = None

    def start(self) -> None:
        # The working directory now: the script may chdir before the thread runs.
        self._options.setdefault("root", os.getcwd())
        self._thread = threading.Thread(target=self._run, name="runyard-metadata", daemon=True)
        self._thread.start()

    def join(self, timeout: float) -> None:
        """Wait (at finish) for the metadata to be journalled, at most ``timeout`` s."""
        self._go.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        # Let init return first (git and the imports would compete with it for the GIL),
        # unless the run finishes before.
        self._go.wait(self.start_delay)
        try:
            with working():
                self._collect()
        except Exception as exc:  # metadata is a nicety: the run goes on without it
            self.error = exc

    def _collect(self) -> None:
        meta, diff = collect(**self._options)
        self.metadata = meta
        self._append((Rec.META, {"metadata": meta}))
        if diff:
            self._put("diff.patch", diff)
        if self._save_code and "codePathLocal" in meta:
            path = Path(self._options["root"], meta["codePathLocal"])
            self._put_file(f"code/{meta.get('codePath', path.name)}", path)
        if self._save_requirements:
            self._put("requirements.txt", requirements().encode())
