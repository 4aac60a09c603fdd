"""``Molecule``: a molecular structure file, wandb's ``wandb.Molecule``."""

from __future__ import annotations

import io
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runyard.data_types.sink import MediaSink

__all__ = ["Molecule"]

SUPPORTED_TYPES = ("pdb", "pqr", "mmcif", "mcif", "cif", "sdf", "sd", "gro", "mol2", "mmtf")


class Molecule:
    """A molecule logged as a ``molecule-file`` (as ``wandb.Molecule``).

    ``data_or_path`` is the path of a file of one of :data:`SUPPORTED_TYPES`, or an
    open file-like object together with ``file_type``. Stored as it is.
    (wandb's ``Molecule.from_rdkit``/``from_smiles`` need RDKit: not supported yet.)

    Raises:
        ValueError: a file type not in :data:`SUPPORTED_TYPES` (named in the message).
    """

    def __init__(
        self,
        data_or_path: Any,
        caption: str | None = None,
        file_type: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.caption = caption
        if isinstance(data_or_path, (str, os.PathLike)):
            path = os.fspath(data_or_path)
            kind = file_type or os.path.splitext(path)[1].lstrip(".").lower()
            self._check(kind, path)
            with open(path, "rb") as f:
                self._bytes = f.read()
        elif isinstance(data_or_path, (io.IOBase, io.StringIO)) or hasattr(data_or_path, "read"):
            kind = file_type or ""
            self._check(kind, "a file object (pass file_type=)")
            content = data_or_path.read()
            self._bytes = content.encode() if isinstance(content, str) else bytes(content)
        else:
            raise ValueError(
                f"Molecule expects a file path or a file object, got {type(data_or_path).__name__}"
            )
        self.extension = kind

    @staticmethod
    def _check(kind: str, what: str) -> None:
        if kind not in SUPPORTED_TYPES:
            raise ValueError(
                f"Molecule file type {kind!r} of {what} is not supported: expected one of "
                f"{', '.join(SUPPORTED_TYPES)}"
            )

    @property
    def file_bytes(self) -> bytes:
        """The file that is stored when the molecule is logged."""
        return self._bytes

    def to_json(self, sink: MediaSink) -> dict[str, Any]:
        """Store the file (content-addressed); return the ``molecule-file`` value."""
        from runyard.data_types.media_file import store_media

        value: dict[str, Any] = {"_type": "molecule-file"}
        if self.caption is not None:
            value["caption"] = self.caption
        value.update(store_media(sink, "molecule", self._bytes, f".{self.extension}"))
        return value

    def __repr__(self) -> str:
        return f"<Molecule {self.extension} {len(self._bytes)} bytes>"
