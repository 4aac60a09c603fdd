"""Artifact files on their way from the training thread to the content-addressed
blob store: staged when added, hashed and uploaded by the writer thread.

Why: ``log_artifact`` must return at once (nothing on the training thread hashes
a 200 MB checkpoint or waits on the network) and a logged artifact must survive the
process being killed, exactly as a logged row does. So:

1. **Staging** (training thread, :func:`stage_file`): a file added with the
   ``mutable`` policy is linked into the artifact's staging directory
   (``<runyard dir>/artifacts/staging/<client id>/``): a copy-on-write clone where
   the file system supports it, else a hard link (a few µs; the bytes stay where
   they are), else a copy. Deleting or renaming the original afterwards (rotating
   checkpoints, temporary files) does not touch the staged file. A hard link
   shares the file, so a rewrite *in place* does reach it: its size and mtime
   are recorded (``stat``) and the writer reports such a change instead of storing
   it silently. ``immutable`` files are referenced where they are (the user
   promises not to change them). ``new_file`` and ``add(obj)`` write straight into
   the staging directory.
2. **Journalling** (``run.log_artifact``): a ``Rec.ARTIFACT`` record lists the
   entries, each with ``local`` — its staged file relative to the run's spool
   (``<journal>.spool/artifacts/<client id>/…``), or an absolute path — and no
   digest yet, and names the staging directory (``staging``), which the writer
   thread (or a replay) renames into the spool: no system call on the training
   thread (:func:`runyard.journal.artifact_upload.adopt`).
3. **Commit** (writer thread, replay, ``runyard sync``:
   :func:`runyard.journal.artifact_upload.prepare`): hash, upload the blobs the store
   lacks, fill every digest in, and write the batch; the spool files go once the
   batch is stored.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path

__all__ = ["SPOOL_SUBDIR", "move_to_spool", "remove_staged", "stage_file"]

#: Where in a run's spool the staged files of its artifacts live.
SPOOL_SUBDIR = "artifacts"
#: Devices on which a copy-on-write clone failed once (not tried again).
_NO_CLONE: set[int] = set()
_FICLONE = 0x40049409  # linux/fs.h: ioctl(dest, FICLONE, src)


def stage_file(
    source: str | Path, target: str | Path, make_parent: bool = True
) -> tuple[int, int, bool]:
    """Give ``target`` the content ``source`` has now (clone, hard link or copy);
    returns ``(size, mtime_ns, linked)``: ``source``'s size and mtime, and whether
    ``target`` is a hard link to it (a rewrite in place would reach it).

    Two system calls per file on the usual path (stat, link): ``add_dir`` of a
    thousand files runs this on the training thread. ``make_parent=False`` when the
    caller made ``target``'s directory already.

    Raises:
        OSError: ``source`` cannot be read, or ``target`` written.
    """
    info = os.stat(source)
    if make_parent:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    if info.st_dev not in _NO_CLONE and _clone(Path(source), Path(target), info.st_dev):
        return info.st_size, info.st_mtime_ns, False
    try:
        os.link(source, target)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.EACCES, errno.ENOTSUP):
            raise
        shutil.copyfile(source, target)
        return info.st_size, info.st_mtime_ns, False
    return info.st_size, info.st_mtime_ns, True


def _clone(source: Path, target: Path, device: int) -> bool:
    """A copy-on-write clone (btrfs, XFS, APFS-like): instant and independent of the
    original. False (remembered per device) where the file system has none."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        _NO_CLONE.add(device)
        return False
    try:
        with open(source, "rb") as src, open(target, "xb") as dst:
            try:
                fcntl.ioctl(dst.fileno(), _FICLONE, src.fileno())
                return True
            except OSError:
                pass
        target.unlink(missing_ok=True)
    except OSError:
        with contextlib.suppress(OSError):
            target.unlink(missing_ok=True)
        return False
    _NO_CLONE.add(device)
    return False


def move_to_spool(staging: Path, spool: Path, client_id: str) -> Path | None:
    """Move an artifact's staging directory into the run's spool (one rename);
    returns its new place, or None when it cannot move (another file system: the
    entries then keep their absolute staging paths)."""
    target = spool / SPOOL_SUBDIR / client_id
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, target)
    except OSError:
        return None
    return target


def remove_staged(paths: list[Path]) -> None:
    """Remove staged files and then their directories when empty (best effort)."""
    parents: set[Path] = set()
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
            parents.add(path.parent)
    for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            parent.rmdir()
