"""`File`: one file stored with a run (tensors, media, model files, ``output.log``)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

from runyard.blobs.base import BlobStore

if TYPE_CHECKING:
    from runyard.entities import RunRef
    from runyard.store.base import TrackingStore

__all__ = ["CONSOLE_FILE", "ConsoleFile", "File"]

#: The run file holding the run's console output (wandb's name).
CONSOLE_FILE = "output.log"


class File:
    """A run file; ``name`` is relative to the run (``summary/tensor.npy``)."""

    def __init__(self, blobs: BlobStore, key: str, name: str, size: int) -> None:
        self._blobs = blobs
        self.key = key
        self.name = name
        self.size = size

    def read(self) -> bytes:
        return self._blobs.get(self.key)

    def download(
        self,
        root: str | os.PathLike[str] = ".",
        replace: bool = False,
        exist_ok: bool = False,
        api: object | None = None,
    ) -> io.TextIOWrapper:
        """Write the file under ``root`` (keeping its relative path); return it opened
        for reading in text mode, as wandb's ``File.download`` does (``open(path)``).

        An existing file raises ``ValueError`` unless ``replace`` (overwrite) or
        ``exist_ok`` (keep it) is set. ``api`` is accepted for wandb's signature; the
        file is read through the ``Api`` this run came from. For the bytes, call
        :meth:`read`, or open the returned file's ``.name`` in binary mode.

        Example:
            >>> with run.file("config.yaml").download(replace=True) as f:  # doctest: +SKIP
            ...     text = f.read()
        """
        target = Path(root) / self.name
        if target.exists() and not replace:
            if not exist_ok:
                raise ValueError(
                    f"File already exists, pass replace=True to overwrite or exist_ok=True "
                    f"to leave it as is and don't error: {target}"
                )
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(self.read())
        return open(target)  # the caller closes it, as with wandb

    def __repr__(self) -> str:
        return f"<File {self.name} ({self.size} bytes)>"


class ConsoleFile(File):
    """``output.log``: the run's console lines as text, one terminal line per line,
    read from the store (where the console is kept line by line, searchable)."""

    def __init__(self, store: TrackingStore, ref: RunRef, size: int) -> None:
        self._store = store
        self._ref = ref
        self.key = CONSOLE_FILE
        self.name = CONSOLE_FILE
        self.size = size

    def read(self) -> bytes:
        return self._store.console_text(self._ref).encode("utf-8")
