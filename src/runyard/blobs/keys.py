"""Blob keys of a run's files: the one place every reader and writer builds them.

A run's files live under ``<entity>/<project>/<run_id>/``, each part spelled by
:func:`escape_name`, and a file is ``<that prefix>/<name>`` (:func:`file_key`).

The spelling is **injective**: two different runs never share a prefix, on any
file system or object store we write to. Design decisions:

- Percent-escaping of the UTF-8 bytes (``%XX``, upper-case hex) of every character
  outside ``a-z 0-9 _ -``; a ``.`` stays only inside a part (a leading or trailing dot
  is escaped, so ``.``, ``..`` and dot-files never occur, and Windows, which drops
  trailing dots, cannot fold ``alice.`` into ``alice``). ``%`` itself is escaped, so
  decoding is unambiguous: ``alice.`` → ``alice%2E``, ``a b`` → ``a%20b``,
  ``тест`` → ``%D1%82…``.
- **Upper-case letters are escaped too** (``MNIST`` → ``%4D%4E%49%53%54``): macOS and
  Windows file systems ignore case, so ``MNIST/r1`` and ``mnist/r1`` would share a
  directory there. Every letter of an escaped part is lower case except the hex
  digits right after a ``%``, so no two parts differ only by case. Everything is
  ASCII, so Unicode normalisation (macOS) cannot merge parts either.
- Windows device names (``con``, ``nul``, ``com1``, …) get their first letter escaped.
- A part whose spelling is longer than :data:`MAX_PART` characters (a file name may
  have 255 bytes, an S3 key 1024) is *folded*: its first characters, ``~`` and 40 hex
  digits of the SHA-256 of the name. ``~`` is never written otherwise, so folded and
  plain parts cannot meet; folded parts cannot be decoded (:func:`split_run_key`
  raises), which only matters to :class:`runyard.store.rest.blobs.HttpBlobStore`, which is
  told such runs by name.

Stores written before this scheme used :func:`legacy_run_prefix`, which was not
injective; :mod:`runyard.blobs.legacy` moves their files (see docs/schema.md).
"""

from __future__ import annotations

import re

from runyard.entities import RunRef

__all__ = [
    "MAX_FILE_NAME",
    "MAX_PART",
    "check_file_name",
    "escape_name",
    "file_key",
    "legacy_run_prefix",
    "run_prefix",
    "split_run_key",
    "tensor_key",
    "tensor_name",
    "unescape_name",
]

#: Longest escaped part kept whole; longer ones are folded (see the module docstring).
MAX_PART = 200
_FOLD_HEAD = 150
#: Longest file name under a run (characters), and longest segment of one (UTF-8 bytes).
MAX_FILE_NAME = 1024
_MAX_SEGMENT = 255

_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")
_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{d}{i}" for d in ("com", "lpt") for i in range(1, 10)]
)
_ESCAPE = re.compile(r"%([0-9A-F]{2})")


def _percent(char: str) -> str:
    return "".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass"))


def escape_name(name: str, *, keep_dots: bool = True) -> str:
    """The injective, file-system- and S3-safe spelling of one name.

    ``keep_dots=False`` escapes every ``.`` (for names joined with dots).

    Example:
        >>> escape_name("alice."), escape_name("My run"), escape_name("..")
        ('alice%2E', '%4Dy%20run', '%2E%2E')
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"cannot spell {name!r} as a blob key part: it must be a non-empty string")
    last = len(name) - 1
    out = []
    for i, char in enumerate(name):
        if char in _PLAIN or (char == "." and keep_dots and 0 < i < last):
            out.append(char)
        else:
            out.append(_percent(char))
    if out[0] in _PLAIN and "".join(out).split(".", 1)[0] in _DEVICES:
        out[0] = _percent(out[0])
    spelled = "".join(out)
    if len(spelled) <= MAX_PART:
        return spelled
    head = spelled[:_FOLD_HEAD]
    cut = head.rfind("%", len(head) - 2)
    if cut != -1:  # do not end inside an escape
        head = head[:cut]
    import hashlib  # lazily: OpenSSL costs ~6 ms of `import runyard`, and few names fold

    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return f"{head}~{digest}"


def unescape_name(part: str) -> str:
    """The name :func:`escape_name` spelled as ``part``; ``ValueError`` for folded
    parts and for anything it would not have written (so no two spellings alias)."""
    if "~" in part:
        raise ValueError(f"blob key part {part!r} is folded (a long name) and cannot be decoded")
    try:
        raw = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), part)
        name = raw.encode("latin-1").decode("utf-8", "surrogatepass")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise ValueError(f"invalid blob key part {part!r}") from None
    if not name or escape_name(name) != part:
        raise ValueError(f"invalid blob key part {part!r}")
    return name


def run_prefix(ref: RunRef) -> str:
    """The blob-key prefix of everything stored for ``ref`` (no trailing ``/``)."""
    return f"{escape_name(ref.entity)}/{escape_name(ref.project)}/{escape_name(ref.run_id)}"


def check_file_name(name: str) -> str:
    """``name`` when it is a valid name of a file under a run, else ``ValueError``.

    Names are ``/``-separated and stay literal in keys (they are below the run's
    prefix, so they cannot reach another run): refused are empty names, absolute
    ones, empty, ``.`` and ``..`` segments, backslashes (a separator on Windows),
    NUL, and lengths no file system or object store takes.
    """
    if not isinstance(name, str):
        raise ValueError(f"invalid file name {name!r}: not a string")
    parts = name.split("/")
    if (
        not name
        or len(name) > MAX_FILE_NAME
        or name.startswith("/")
        or "\\" in name
        or "\0" in name
        or any(p in ("", ".", "..") for p in parts)
        or any(len(p.encode("utf-8", "surrogatepass")) > _MAX_SEGMENT for p in parts)
    ):
        raise ValueError(f"invalid file name {name!r}")
    return name


def file_key(ref: RunRef, name: str) -> str:
    """The blob key of the run's file ``name`` (checked by :func:`check_file_name`)."""
    return f"{run_prefix(ref)}/{check_file_name(name)}"


def split_run_key(key: str) -> tuple[RunRef, str]:
    """``(run, name)`` of a key built by :func:`file_key`; ``ValueError`` otherwise."""
    parts = key.split("/", 3)
    if len(parts) < 4:
        raise ValueError(
            f"blob key {key!r} is not under a run (<entity>/<project>/<run_id>/<name>)"
        )
    ref = RunRef(unescape_name(parts[0]), unescape_name(parts[1]), unescape_name(parts[2]))
    return ref, check_file_name(parts[3])


def tensor_name(path: tuple[str, ...]) -> str:
    """The name (under the run) of the ``.npy`` file holding the summary tensor at
    ``path``: parts escaped with their dots, joined by dots, so ``("a", "b")`` and
    ``("a.b",)`` stay two files."""
    stem = ".".join(escape_name(p, keep_dots=False) for p in path)
    if len(stem) > MAX_PART:
        stem = escape_name(stem, keep_dots=False)  # folds it (and stays injective)
    return f"summary/{stem}.npy"


def tensor_key(ref: RunRef, path: tuple[str, ...]) -> str:
    """Blob key of the ``.npy`` file holding a summary tensor."""
    return f"{run_prefix(ref)}/{tensor_name(path)}"


_LEGACY_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _legacy_part(part: str) -> str:
    cleaned = _LEGACY_UNSAFE.sub("_", part).strip(".")
    return cleaned or "_"


def legacy_run_prefix(ref: RunRef) -> str:
    """The prefix stores written before the injective scheme used (not injective:
    ``alice.`` and ``alice``, ``a b`` and ``a_b`` shared one). Only for migration."""
    return "/".join(_legacy_part(p) for p in (ref.entity, ref.project, ref.run_id))
