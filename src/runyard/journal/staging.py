"""Artifact files on their way from the training thread to the content-addressed
blob store: staged when added, hashed and uploaded by the writer thread.

Why: ``log_artifact`` must return at once (nothing on the training thread hashes
a 200 MB checkpoint or waits on the network) and a logged artifact must survive the
process being killed, exactly as a logged row does. So:

1. **Staging** (training thread, :func:`stage_file`): a file added with the
   ``mutable`` policy is copied into the artifact's staging directory
   (``<runyard dir>/artifacts/staging/<client id>/``) as it is when added, as wandb
   does: a copy-on-write clone where the file system has them (btrfs, XFS: instant),
   else a copy made by the kernel (``copy_file_range``). Deleting, replacing or
   rewriting the original *in place* afterwards (``torch.save`` to ``last.ckpt``)
   does not reach the staged file. (A hard link was tried before: a rewrite in place
   reached the logged version.) ``immutable`` files are referenced where they are
   (the user promises not to change them; their size and mtime are recorded and a
   change is reported). ``new_file`` and ``add(obj)`` write straight into the
   staging directory.
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
from pathlib import Path

__all__ = ["SPOOL_SUBDIR", "move_to_spool", "remove_staged", "stage_file"]

#: Where in a run's spool the staged files of its artifacts live.
SPOOL_SUBDIR = "artifacts"
#: Devices on which a copy-on-write clone failed once (not tried again).
_NO_CLONE: set[int] = set()
_FICLONE = 0x40049409  # linux/fs.h: ioctl(dest, FICLONE, src)
#: Files up to this size are copied through a buffer (larger ones by copy_file_range).
_SMALL = 1 << 20


def stage_file(
    source: str | Path, target: str | Path, make_parent: bool = True
) -> tuple[int, int, bool]:
    """Give ``target`` the content ``source`` has now (a clone or a copy of its own);
    returns ``(size, mtime_ns, linked)``: the bytes staged, ``source``'s mtime, and
    False (``target`` never shares ``source``'s file: a later rewrite in place of
    ``source`` does not reach it).

    Seven system calls for a small file (open, fstat, open, read, write, close, close):
    ``add_dir`` of a thousand files runs this on the training thread.
    ``make_parent=False`` when the caller made ``target``'s directory already.

    Raises:
        OSError: ``source`` cannot be read, or ``target`` written (``target`` is then
            removed).
    """
    if make_parent:
        os.makedirs(os.path.dirname(target), exist_ok=True)
    src = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
    try:
        info = os.fstat(src)
        dst = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        try:
            size = _copy(src, dst, info)
        except BaseException:
            os.close(dst)
            with contextlib.suppress(OSError):
                os.unlink(target)
            raise
        os.close(dst)
    finally:
        os.close(src)
    return size, info.st_mtime_ns, False


def _copy(src: int, dst: int, info: os.stat_result) -> int:
    """Copy ``src`` (``info`` its fstat) into the empty ``dst``; returns the bytes."""
    if info.st_size and info.st_dev not in _NO_CLONE and _clone(src, dst, info.st_dev):
        return info.st_size
    copied = 0
    if info.st_size <= _SMALL:  # one read and one write: cheaper than the kernel's splice
        return _read_write(src, dst, info.st_size, copied)
    try:
        while copied < info.st_size:
            n = os.copy_file_range(src, dst, info.st_size - copied)
            if n == 0:
                break  # shrank meanwhile: what is there
            copied += n
        return copied
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
            raise
    os.lseek(src, copied, os.SEEK_SET)  # an old kernel or a special file system
    return _read_write(src, dst, info.st_size, copied)


def _read_write(src: int, dst: int, size: int, copied: int) -> int:
    """Copy through a buffer from byte ``copied`` up to ``size`` (the size when added)."""
    while copied < size:
        chunk = os.read(src, min(1 << 20, size - copied))
        if not chunk:
            break  # shrank meanwhile: what is there
        os.write(dst, chunk)  # (a regular file takes every byte of a write)
        copied += len(chunk)
    return copied


def _clone(src: int, dst: int, device: int) -> bool:
    """A copy-on-write clone (btrfs, XFS, APFS-like): instant and independent of the
    original. False (remembered per device) where the file system has none."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        _NO_CLONE.add(device)
        return False
    try:
        fcntl.ioctl(dst, _FICLONE, src)
    except OSError:
        _NO_CLONE.add(device)
        return False
    return True


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
