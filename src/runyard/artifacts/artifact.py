"""`Artifact`: a versioned set of files (a dataset, a model), as wandb 0.31's.

Build one, add files, log it with ``run.log_artifact``; read a stored version with
``run.use_artifact`` or ``Api().artifact`` and ``download`` it.

Nothing an ``add_*`` call does waits on the network or hashes a large file: files
are staged (see :mod:`runyard.journal.staging`) and hashed by the writer thread
after ``log_artifact`` returned. (``add_reference`` is the exception, as in wandb:
it reads the referenced objects' checksums when called.) Properties of the stored
version (``version``, ``id``, ``digest`` as stored…) need :meth:`Artifact.wait`
after logging, as in wandb.

Example:
    >>> import runyard
    >>> artifact = runyard.Artifact("mnist", type="dataset")
    >>> with artifact.new_file("labels.txt") as f:
    ...     _ = f.write("0 1 2 3 4 5 6 7 8 9")
    >>> [entry.path for entry in artifact.manifest]
    ['labels.txt']
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from runyard.artifacts.manifest import Manifest, ManifestEntry, check_entry_path
from runyard.entities import RunRef
from runyard.errors import UsageError
from runyard.printer import termwarn

if TYPE_CHECKING:
    from runyard.blobs.base import BlobStore
    from runyard.store.base import TrackingStore

__all__ = [
    "Artifact",
    "ArtifactFinalizedError",
    "ArtifactNotLoggedError",
    "validate_aliases",
    "validate_artifact_name",
    "validate_tags",
]

_NAME = re.compile(r"^[a-zA-Z0-9_\-.]+$")
_TAG = re.compile(r"^[-\w]+( +[-\w]+)*$")
_RESERVED_TYPES = ("wandb-", "runyard-")
_POLICIES = ("mutable", "immutable")


class ArtifactNotLoggedError(AttributeError):
    """A property of the stored version was read before the artifact was logged and
    stored (wandb's error; call ``wait()`` after ``log_artifact``)."""

    def __init__(self, artifact: Artifact, attr: str) -> None:
        super().__init__(
            f"'Artifact.{attr}' used prior to logging artifact or while in offline mode. "
            f"Call wait() before accessing logged artifact properties (artifact "
            f"{artifact._name!r})."
        )


class ArtifactFinalizedError(AttributeError):
    """The artifact was logged: its files can no longer change (wandb's error)."""

    def __init__(self, artifact: Artifact, attr: str) -> None:
        super().__init__(
            f"'Artifact.{attr}' used on logged artifact {artifact._name!r}. Can't modify "
            "finalized artifact."
        )


def validate_artifact_name(name: Any) -> str:
    """wandb's rule: letters, digits, ``-``, ``_`` and ``.``; at most 128 characters."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"Artifact name must be a non-empty string, got {name!r}")
    if len(name) > 128:
        raise ValueError(f"Artifact name is longer than 128 characters: {name!r}")
    if not _NAME.match(name):
        raise ValueError(
            "Artifact name may only contain alphanumeric characters, dashes, underscores, "
            f"and dots. Invalid name: {name!r}"
        )
    return name


def _validate_type(kind: Any) -> str:
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"Artifact type must be a non-empty string, got {kind!r}")
    if kind.startswith(_RESERVED_TYPES):
        raise ValueError(
            f"Artifact type {kind!r} is reserved for internal use. Please use a different type."
        )
    if len(kind) > 128 or "/" in kind or ":" in kind:
        raise ValueError(f"invalid artifact type {kind!r}: no '/' or ':', at most 128 characters")
    return kind


def validate_aliases(aliases: Any) -> list[str]:
    """Aliases as a list of strings without ``/`` or ``:`` (wandb's rule)."""
    if aliases is None:
        return []
    if isinstance(aliases, str):
        aliases = [aliases]
    out = []
    for alias in aliases:
        if not isinstance(alias, str) or not alias:
            raise ValueError(f"an artifact alias must be a non-empty string, got {alias!r}")
        if "/" in alias or ":" in alias:
            raise ValueError(
                "Aliases must not contain any of the following characters: '/', ':' "
                f"(got {alias!r})"
            )
        if alias not in out:
            out.append(alias)
    return out


def validate_tags(tags: Any) -> list[str]:
    """Tags of letters, digits, ``-`` and ``_`` separated by spaces (wandb's rule)."""
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = [tags]
    out = []
    for tag in tags:
        if not isinstance(tag, str) or not _TAG.match(tag):
            raise ValueError(
                "Invalid tag(s). Tags must only contain alphanumeric characters separated by "
                f"hyphens, underscores, and/or spaces. Invalid tag: {tag!r}"
            )
        if tag not in out:
            out.append(tag)
    return out


def _check_metadata(metadata: Any) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise TypeError(f"metadata must be dict, not {type(metadata)}")
    try:
        json.dumps(metadata, allow_nan=True)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"artifact metadata must be JSON serializable: {exc}") from exc
    return dict(metadata)


def staging_root() -> Path:
    """``<runyard dir>/artifacts/staging``: where added files wait to be logged."""
    from runyard.settings import Settings

    return Settings.from_env().root_dir / "artifacts" / "staging"


def artifact_dir() -> str:
    """Where downloads go by default: ``$RUNYARD_ARTIFACT_DIR``, ``$WANDB_ARTIFACT_DIR``
    or ``./artifacts`` (wandb's)."""
    return (
        os.environ.get("RUNYARD_ARTIFACT_DIR")
        or os.environ.get("WANDB_ARTIFACT_DIR")
        or os.path.join(".", "artifacts")
    )


class _Sink:
    """A :class:`~runyard.data_types.sink.MediaSink` writing a data type's files
    (table data, images) into the artifact, as entries."""

    def __init__(self, artifact: Artifact, ref: RunRef) -> None:
        self._artifact = artifact
        self._ref = ref

    @property
    def ref(self) -> RunRef:
        return self._ref

    def put(self, name: str, data: bytes) -> None:
        self._artifact._add_bytes(name, data, overwrite=True)


class Artifact:
    """A versioned set of files; wandb 0.31's ``wandb.Artifact``.

    Args:
        name: letters, digits, ``-``, ``_`` and ``.`` (at most 128 characters).
        type: such as ``"dataset"`` or ``"model"`` (``wandb-*`` types are reserved).
        description: free text shown with the artifact.
        metadata: a JSON-serialisable dict.
        incremental: accepted for wandb compatibility (a new version is always
            built from the files added to this object).
        use_as: accepted for wandb compatibility.

    Raises:
        ValueError: an invalid name or type (the message names it).
        TypeError: ``metadata`` is not a dict.
    """

    def __init__(
        self,
        name: str,
        type: str,
        description: str | None = None,
        metadata: dict[str, Any] | None = None,
        incremental: bool = False,
        use_as: str | None = None,
    ) -> None:
        self._name = validate_artifact_name(name)
        self._type = _validate_type(type)
        self._description = description
        self._metadata = _check_metadata(metadata)
        self._incremental = bool(incremental)
        self._use_as = use_as
        self._client_id = os.urandom(16).hex()
        self._manifest = Manifest()
        self._staging: Path | None = None
        self._cleanup: Any = None
        self._staged_count = itertools.count(1)
        self._staging_prefix = ""
        #: Where the writer thread moves the staging folder once logged (see _local_file).
        self._spooled: str | None = None
        self._final = False
        self._state = "PENDING"
        self._aliases: list[str] = []
        self._tags: list[str] = []
        #: Set by the stored version (log_artifact + wait, use_artifact, Api).
        self._id: str | None = None
        self._version: str | None = None
        self._entity: str | None = None
        self._project: str | None = None
        self._source: tuple[str, str, str, str] | None = None
        self._digest: str | None = None
        self._size: int | None = None
        self._file_count: int | None = None
        self._created_at: Any = None
        self._logged_by: RunRef | None = None
        self._store: TrackingStore | None = None
        #: The stored version (an ``ArtifactRecord``) the store calls take.
        self._record_obj: Any = None
        self._blobs: BlobStore | None = None
        self._files_loaded = True
        #: log_artifact: set once the writer stored the commit (or gave up on it).
        self._committed: threading.Event | None = None
        self._commit_error: str | None = None
        self._offline = False
        #: The run that logged it (this session): wait() checks it is still writing.
        self._logging_run: Any = None
        self._saved: dict[str, Any] = {}
        #: Local files that are this artifact's own staged copies (not the user's).
        self._staged: set[str] = set()

    # -- construction from the store --------------------------------------------
    @classmethod
    def _from_record(
        cls,
        record: Any,
        files: Sequence[Any] | None,
        store: TrackingStore | None,
        blobs: BlobStore | None = None,
    ) -> Artifact:
        """The stored version ``record`` (an ``ArtifactRecord``); ``files`` its
        ``ArtifactFile``s, or None to read them from ``store`` when needed."""
        artifact = cls.__new__(cls)
        Artifact.__init__(artifact, "placeholder", "placeholder")
        artifact._store = store
        artifact._blobs = blobs
        artifact._load_record(record)
        if files is not None:
            artifact._load_files(files)
        else:
            artifact._files_loaded = False
        return artifact

    def _load_record(self, record: Any) -> None:
        self._record_obj = record
        self._name = record.name
        self._type = record.type
        self._description = record.description
        self._metadata = dict(record.metadata or {})
        self._id = str(record.id)
        self._version = record.version
        self._entity = record.entity
        self._project = record.project
        self._aliases = list(record.aliases or [])
        self._tags = list(getattr(record, "tags", None) or [])
        self._digest = record.digest
        self._size = record.size
        self._file_count = record.file_count
        self._created_at = record.created_at
        self._logged_by = record.logged_by
        source = getattr(record, "source", None)
        self._source = tuple(source) if source else None
        self._final = True
        self._state = "COMMITTED"
        self._saved = {
            "description": self._description,
            "metadata": json.dumps(self._metadata, sort_keys=True, default=str),
            "aliases": list(self._aliases),
        }

    def _load_files(self, files: Sequence[Any]) -> None:
        manifest = Manifest()
        for file in files:
            manifest.entries[file.path] = ManifestEntry(
                path=file.path,
                digest=file.checksum if file.ref else file.digest,
                size=file.size,
                ref=file.ref,
                extra=dict(file.extra or {}),
                _artifact=self,
            )
        self._manifest = manifest
        self._files_loaded = True

    def _ensure_files(self) -> None:
        if not self._files_loaded and self._store is not None and self._record_obj is not None:
            self._load_files(self._store.artifact_files(self._record_obj))

    # -- identity ---------------------------------------------------------------
    def _require_logged(self, attr: str) -> None:
        if self._version is None:
            raise ArtifactNotLoggedError(self, attr)

    @property
    def id(self) -> str | None:
        """The stored version's id (None until stored, as wandb)."""
        return self._id

    @property
    def name(self) -> str:
        """``name:vN`` once stored, else the name given (wandb)."""
        return f"{self._name}:{self._version}" if self._version else self._name

    @property
    def collection_name(self) -> str:
        return self._name

    @property
    def entity(self) -> str:
        self._require_logged("entity")
        assert self._entity is not None
        return self._entity

    @property
    def project(self) -> str:
        self._require_logged("project")
        assert self._project is not None
        return self._project

    @property
    def qualified_name(self) -> str:
        """``entity/project/name:vN``."""
        return f"{self.entity}/{self.project}/{self.name}"

    @property
    def version(self) -> str:
        """``vN``: the version's number in its collection."""
        self._require_logged("version")
        assert self._version is not None
        return self._version

    @property
    def source_name(self) -> str:
        """``name:vN`` of the version this one links to (itself unless a registry link)."""
        if self._source:
            return f"{self._source[2]}:{self._source[3]}"
        return self.name

    @property
    def source_qualified_name(self) -> str:
        if self._source:
            return "/".join(self._source[:2]) + "/" + self.source_name
        return self.qualified_name

    @property
    def source_entity(self) -> str:
        return self._source[0] if self._source else self.entity

    @property
    def source_project(self) -> str:
        return self._source[1] if self._source else self.project

    @property
    def source_version(self) -> str:
        return self._source[3] if self._source else self.version

    @property
    def is_link(self) -> bool:
        return self._source is not None

    @property
    def type(self) -> str:
        return self._type

    @property
    def state(self) -> str:
        """``PENDING`` until stored, then ``COMMITTED`` (``DELETED`` after delete)."""
        return self._state

    @property
    def description(self) -> str | None:
        return self._description

    @description.setter
    def description(self, value: str | None) -> None:
        self._description = value

    @property
    def metadata(self) -> dict[str, Any]:
        return self._metadata

    @metadata.setter
    def metadata(self, value: dict[str, Any]) -> None:
        self._metadata = _check_metadata(value)

    @property
    def aliases(self) -> list[str]:
        """The version's aliases; edit and :meth:`save` (``latest`` moves by itself)."""
        return self._aliases

    @aliases.setter
    def aliases(self, value: list[str]) -> None:
        self._aliases = validate_aliases(value)

    @property
    def tags(self) -> list[str]:
        return self._tags

    @tags.setter
    def tags(self, value: list[str]) -> None:
        self._tags = validate_tags(value)

    @property
    def incremental(self) -> bool:
        return self._incremental

    @property
    def use_as(self) -> str | None:
        return self._use_as

    @property
    def ttl(self) -> None:
        """Artifacts do not expire here (wandb's TTL is not kept)."""
        return None

    @property
    def created_at(self) -> Any:
        self._require_logged("created_at")
        return self._created_at

    @property
    def manifest(self) -> Manifest:
        self._ensure_files()
        return self._manifest

    @property
    def digest(self) -> str:
        """wandb's version digest: equal digests, equal contents (this hashes files
        not hashed yet when the artifact is not logged)."""
        if self._digest is not None:
            return self._digest
        return self._manifest.digest()

    @property
    def size(self) -> int:
        """Bytes of every file (references included when their size is known)."""
        if self._size is not None:
            return self._size
        for entry in self._manifest:
            local = self._local_file(entry)
            if entry.size is None and local is not None:
                entry.size = os.path.getsize(local)
        return self._manifest.size

    @property
    def file_count(self) -> int:
        return self._file_count if self._file_count is not None else len(self.manifest)

    def __repr__(self) -> str:
        return f"<Artifact {self.name} type={self._type} state={self._state}>"

    # -- adding files -----------------------------------------------------------
    def _ensure_can_add(self, attr: str) -> None:
        if self._final:
            raise ArtifactFinalizedError(self, attr)

    def _stage_path(self) -> Path:
        """A new file in this artifact's staging directory."""
        return Path(self._stage_name())

    def _stage_name(self) -> str:
        """:meth:`_stage_path` as a string (add_dir: no Path per file)."""
        if self._staging is None:
            import shutil
            import weakref

            self._staging = staging_root() / self._client_id
            self._staging.mkdir(parents=True, exist_ok=True)
            self._staging_prefix = str(self._staging) + os.sep
            # A draft dropped without being logged leaves no staged files behind.
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._staging, True)
            # Files added are logged next: import what log_artifact needs now, so its
            # first call does not pay for it on the training thread.
            import runyard.artifacts.session  # noqa: F401
        return f"{self._staging_prefix}{next(self._staged_count):06d}"

    def _add_local(
        self, name: str, local_path: str, policy: str, overwrite: bool, skip_cache: bool
    ) -> ManifestEntry:
        if policy == "mutable":
            from runyard.journal.staging import stage_file

            staged = self._stage_name()
            size, mtime_ns, linked = stage_file(local_path, staged, make_parent=False)
            entry = ManifestEntry(
                path=name,
                size=size,
                local_path=staged,
                skip_cache=skip_cache,
                # A copy of its own (stage_file): nothing to watch, unless linked.
                stat=(size, mtime_ns) if linked else None,
                _artifact=self,
            )
            self._staged.add(staged)
        else:
            info = os.stat(local_path)
            entry = ManifestEntry(
                path=name,
                size=info.st_size,
                local_path=os.path.abspath(local_path),
                skip_cache=skip_cache,
                stat=(info.st_size, info.st_mtime_ns),
                _artifact=self,
            )
        self._manifest.add_entry(entry, overwrite=overwrite)
        return entry

    def add_file(
        self,
        local_path: str | os.PathLike[str],
        name: str | None = None,
        is_tmp: bool | None = False,
        skip_cache: bool | None = False,
        policy: Literal["mutable", "immutable"] | None = "mutable",
        overwrite: bool = False,
    ) -> ManifestEntry:
        """Add a local file.

        Args:
            local_path: the file.
            name: its path in the artifact (default: the file's name).
            is_tmp: name it by its content (``<hash prefix>.<ext>``), as wandb.
            skip_cache: accepted for wandb compatibility.
            policy: ``"mutable"`` (default): the content as it is now is kept (a
                clone or copy, as wandb), even if the file is deleted, replaced or
                rewritten in place afterwards (see :mod:`runyard.journal.staging`);
                ``"immutable"``: the file is read where it is when the run stores the
                artifact — do not change it before (a change is reported).
            overwrite: replace an entry of that name holding other content.

        Raises:
            ValueError: not a file, a bad policy, or the name taken by other content.
        """
        self._ensure_can_add("add_file")
        path = os.fspath(local_path)
        if not os.path.isfile(path):
            raise ValueError(f"Path is not a file: {path!r}")
        policy = policy or "mutable"
        if policy not in _POLICIES:
            raise ValueError(
                f"Invalid policy {policy!r}. Policy may only be `mutable` or `immutable`."
            )
        entry_name = check_entry_path(name if name is not None else os.path.basename(path))
        if is_tmp:
            from runyard.artifacts.digests import sha256_file

            head, tail = posixpath_split(entry_name)
            parts = tail.split(".")
            parts[0] = sha256_file(path)[0][:20]
            entry_name = check_entry_path(f"{head}/{'.'.join(parts)}" if head else ".".join(parts))
        return self._add_local(entry_name, path, policy, overwrite, bool(skip_cache))

    def add_dir(
        self,
        local_path: str | os.PathLike[str],
        name: str | None = None,
        skip_cache: bool | None = False,
        policy: Literal["mutable", "immutable"] | None = "mutable",
        merge: bool = False,
    ) -> None:
        """Add every file under a directory, named ``<name>/<path relative to it>``.

        Raises:
            ValueError: not a directory, a bad policy, or (without ``merge``) a file
                already added with other content.
        """
        self._ensure_can_add("add_dir")
        root = os.fspath(local_path)
        if not os.path.isdir(root):
            raise ValueError(f"Path is not a directory: {root!r}")
        policy = policy or "mutable"
        if policy not in _POLICIES:
            raise ValueError(
                f"Invalid policy {policy!r}. Policy may only be `mutable` or `immutable`."
            )
        prefix = check_entry_path(name) + "/" if name else ""
        # On the training thread: one scandir per folder (file types without a stat),
        # then stat + link per file (see runyard.journal.staging.stage_file).
        for full, rel in _walk_files(root, ""):
            self._add_local(check_entry_path(prefix + rel), full, policy, merge, bool(skip_cache))

    @contextlib.contextmanager
    def new_file(
        self, name: str, mode: str = "x", encoding: str | None = None
    ) -> Iterator[IO[Any]]:
        """Open a new file in the artifact (a context manager); it is added when closed.

        Example:
            >>> artifact = Artifact("notes", type="dataset")
            >>> with artifact.new_file("a.txt") as f:
            ...     _ = f.write("hello")

        Raises:
            ValueError: ``mode`` has ``x`` (the default) and the name is taken.
        """
        self._ensure_can_add("new_file")
        entry_name = check_entry_path(name)
        overwrite = "x" not in mode
        if not overwrite and entry_name in self._manifest.entries:
            raise ValueError(f"File with name {name!r} already exists at {entry_name!r}")
        staged = self._stage_path()
        open_mode = mode.replace("x", "w") if "x" in mode else mode
        if "w" not in open_mode and "a" not in open_mode:
            open_mode = "w" + open_mode
        with open(staged, open_mode, encoding=encoding) as file:
            yield file
        entry = ManifestEntry(
            path=entry_name, size=os.path.getsize(staged), local_path=str(staged), _artifact=self
        )
        self._staged.add(str(staged))
        self._manifest.add_entry(entry, overwrite=True)

    def _add_bytes(self, name: str, data: bytes, overwrite: bool = False) -> ManifestEntry:
        staged = self._stage_path()
        staged.write_bytes(data)
        self._staged.add(str(staged))
        entry = ManifestEntry(
            path=check_entry_path(name), size=len(data), local_path=str(staged), _artifact=self
        )
        self._manifest.add_entry(entry, overwrite=overwrite)
        return entry

    def add_reference(
        self,
        uri: str | ManifestEntry,
        name: str | None = None,
        checksum: bool = True,
        max_objects: int | None = None,
    ) -> Sequence[ManifestEntry]:
        """Add a reference to files kept elsewhere (``s3://``, ``file://``,
        ``http(s)://``): not copied, checksummed (see :mod:`runyard.artifacts.references`).

        Raises:
            ValueError: nothing at ``uri``, or more objects than ``max_objects``.
        """
        self._ensure_can_add("add_reference")
        from runyard.artifacts.references import resolve_reference

        if isinstance(uri, ManifestEntry):
            if uri.ref is None:
                raise ValueError(f"entry {uri.path!r} is not a reference")
            uri = uri.ref
        uri = os.fspath(uri)
        if "://" not in uri:
            raise ValueError(f"invalid reference {uri!r}: expected a URI such as s3://bucket/key")
        entries = resolve_reference(uri, name, checksum, max_objects)
        for entry in entries:
            entry._artifact = self
            self._manifest.add_entry(entry)
        return entries

    def add(self, obj: Any, name: str, overwrite: bool = False) -> ManifestEntry:
        """Add a data type (``Table``, ``Image``, ``Html`` …) as ``<name>.<type>.json``,
        with its files; read it back with :meth:`get`.

        Raises:
            ValueError: ``obj`` is not a data type, or the name is taken.
        """
        self._ensure_can_add("add")
        kind = getattr(type(obj), "_log_type", None)
        if not isinstance(kind, str) or not callable(getattr(obj, "to_json", None)):
            raise ValueError(
                f"cannot add {type(obj).__name__} to an artifact: expected a data type "
                "such as runyard.Table or runyard.Image"
            )
        entry_name = check_entry_path(name)
        suffix = f".{kind}.json"
        if not entry_name.endswith(suffix):
            entry_name += suffix
        if not overwrite and entry_name in self._manifest.entries:
            raise ValueError(f"Cannot add the same path twice: {entry_name!r}")
        value = obj.to_json(_Sink(self, RunRef("artifact", "artifact", self._client_id)))
        data = json.dumps(value, separators=(",", ":"), allow_nan=True).encode()
        return self._add_bytes(entry_name, data, overwrite=True)

    def get(self, name: str) -> Any:
        """The data type added under ``name`` (a ``Table``, an ``Image`` …), or None.

        Tables come back as :class:`runyard.Table`, images as :class:`runyard.Image`;
        other types as their stored JSON value.
        """
        self._ensure_files()
        entry = self._manifest.entries.get(name)
        if entry is None or not name.endswith(".json"):
            matches = [
                e
                for path, e in self._manifest.entries.items()
                if path.startswith(name + ".") and path.endswith(".json")
            ]
            entry = matches[0] if matches else None
        if entry is None:
            return None
        value = json.loads(self._read_entry(entry))
        kind = value.get("_type") if isinstance(value, dict) else None
        if kind in ("table-file", "table"):
            from runyard.data_types.table import Table

            if kind == "table":
                return Table(columns=value["columns"], data=value["data"])
            from runyard.data_types.table_file import read_table_page

            data_entry = self.get_entry(value["path"])
            columns, rows = read_table_page(self._read_entry(data_entry), value["path"])
            return Table(columns=columns, data=rows, allow_mixed_types=True)
        if kind == "image-file":
            from runyard.data_types.image import Image

            path = self._local_copy(self.get_entry(value["path"]))
            return Image(path, caption=value.get("caption"))
        return value

    def get_entry(self, name: str) -> ManifestEntry:
        """The entry at ``name``.

        Raises:
            KeyError: no such entry.
        """
        self._ensure_files()
        entry = self._manifest.entries.get(check_entry_path(name))
        if entry is None:
            raise KeyError(f"Path not contained in artifact: {name}")
        return entry

    def get_path(self, name: str) -> ManifestEntry:
        """Deprecated wandb name of :meth:`get_entry`."""
        return self.get_entry(name)

    def remove(self, item: str | os.PathLike[str] | ManifestEntry) -> None:
        """Remove an entry, or every entry under a directory path.

        Raises:
            FileNotFoundError: nothing at that path.
        """
        self._ensure_can_add("remove")
        if isinstance(item, ManifestEntry):
            self._manifest.remove_entry(item)
            return
        path = check_entry_path(item)
        entry = self._manifest.entries.get(path)
        if entry is not None:
            self._manifest.remove_entry(entry)
            return
        under = [e for p, e in self._manifest.entries.items() if p.startswith(path + "/")]
        if not under:
            raise FileNotFoundError(f"Cannot remove missing entry {os.fspath(item)!r}")
        for entry in under:
            self._manifest.remove_entry(entry)

    def files(self, names: list[str] | None = None, per_page: int = 50) -> list[ManifestEntry]:
        """The version's files (entries with ``name``, ``size``, ``digest``,
        ``download()``), optionally only ``names``."""
        self._ensure_files()
        entries = list(self._manifest)
        if names is not None:
            wanted = set(names)
            entries = [e for e in entries if e.path in wanted]
        return entries

    # -- reading files ------------------------------------------------------------
    def _default_root(self) -> str:
        name = self.name if self._version else self._name
        if os.name == "nt":
            name = name.replace(":", "-")
        return os.path.join(artifact_dir(), name)

    def _local_file(self, entry: ManifestEntry) -> str | None:
        """The local file holding a (not reference) entry's bytes: where it was staged,
        or — once the writer thread moved a logged artifact's staging folder into the
        run's spool (see :meth:`RunArtifacts.log <runyard.artifacts.session.RunArtifacts.log>`)
        — its place there."""
        local = entry.local_path
        if local is None or entry.ref is not None:
            return None
        spooled = self._spooled
        if spooled is not None and local.startswith(self._staging_prefix):
            moved = os.path.join(spooled, local[len(self._staging_prefix) :])
            if not os.path.exists(local) and os.path.exists(moved):
                return moved
        return local

    def _cache(self) -> Any:
        from runyard.artifacts.cache import ArtifactCache
        from runyard.settings import Settings

        return ArtifactCache(Settings.from_env().root_dir / "artifacts" / "cache")

    def _local_copy(self, entry: ManifestEntry) -> Path:
        """A local file holding ``entry``'s bytes (staged, in the blob store, or cached
        after one fetch); never edited by the caller."""
        local = self._local_file(entry)
        if local is not None:
            return Path(local)
        if entry.ref is not None:
            import tempfile

            from runyard.artifacts.references import download_reference

            target = Path(tempfile.mkdtemp(prefix="runyard-ref-")) / "file"
            download_reference(entry, target)
            return target
        digest = entry.digest
        if digest is None:
            raise ValueError(f"artifact entry {entry.path!r} has no content")
        blobs = self._blob_store()
        from runyard.artifacts.digests import blob_key

        local = getattr(blobs, "path", None)
        if callable(local):  # an embedded blob directory: read in place
            path = Path(local(blob_key(digest)))
            if not path.is_file():
                raise FileNotFoundError(
                    f"the file {entry.path!r} of artifact {self.name} ({digest}) is missing "
                    f"from the blob store {blobs.uri}"
                )
            return path
        cached: Path = self._cache().fetch(digest, lambda out: self._fetch(entry, digest, out))
        return cached

    def _fetch(self, entry: ManifestEntry, digest: str, out: IO[bytes]) -> None:
        blobs = self._blob_store()
        store = self._store
        if store is not None and store.uri.startswith(("http://", "https://")):
            # A server: the version's file route (large files redirect to the bucket).
            import tempfile

            from runyard.blobs.artifacts import open_artifact_blobs
            from runyard.store.base import ArtifactFile

            with tempfile.TemporaryDirectory(prefix="runyard-fetch-") as folder:
                part = Path(folder) / "file"
                open_artifact_blobs(blobs, store).download(
                    self._record_obj, ArtifactFile(entry.path, digest, entry.size), part
                )
                with open(part, "rb") as src:
                    import shutil

                    shutil.copyfileobj(src, out)
            return
        from runyard.artifacts.digests import blob_key

        out.write(blobs.get(blob_key(digest)))

    def _read_entry(self, entry: ManifestEntry) -> bytes:
        return self._local_copy(entry).read_bytes()

    def _blob_store(self) -> BlobStore:
        if self._blobs is None:
            store = self._store
            if store is None:
                raise ArtifactNotLoggedError(self, "download")
            from runyard.journal.spool import blobs_for_store

            self._blobs = blobs_for_store(store.uri)
        return self._blobs

    def _download_entry(self, entry: ManifestEntry, root: str | None) -> str:
        target = Path(root if root is not None else self._default_root()) / entry.path
        if entry.ref is not None:
            from runyard.artifacts.references import download_reference

            download_reference(entry, target)
            return str(target)
        if target.is_file() and entry.digest is not None and _matches(target, entry):
            return str(target)
        from runyard.artifacts.cache import copy_out

        copy_out(self._local_copy(entry), target)
        return str(target)

    def download(
        self,
        root: str | os.PathLike[str] | None = None,
        allow_missing_references: bool = False,
        skip_cache: bool | None = None,
        path_prefix: str | None = None,
        multipart: bool | None = None,
    ) -> str:
        """Fetch every file into ``root`` (default ``./artifacts/<name>:<version>``);
        returns the directory. Files already there with the right content are kept;
        each content is fetched once per machine (a local cache by SHA-256).

        Raises:
            ArtifactNotLoggedError: the artifact was never logged.
        """
        if self._version is None and self._committed is not None:
            self.wait()
        if self._version is None:
            raise ArtifactNotLoggedError(self, "download")
        target = os.fspath(root) if root is not None else self._default_root()
        self._ensure_files()
        for entry in self._manifest:
            if path_prefix is not None and not entry.path.startswith(path_prefix):
                continue
            try:
                self._download_entry(entry, target)
            except (OSError, ValueError) as exc:
                if entry.ref is not None and allow_missing_references:
                    termwarn(f"could not download the reference {entry.ref!r}: {exc}")
                    continue
                raise
        return os.path.abspath(target)

    def checkout(self, root: str | None = None) -> str:
        """Make ``root`` hold exactly this version's files (others are removed)."""
        target = root if root is not None else self._default_root()
        self._ensure_files()
        for dirpath, _dirs, files in os.walk(target):
            for file in files:
                rel = os.path.relpath(os.path.join(dirpath, file), target).replace(os.sep, "/")
                if rel not in self._manifest.entries:
                    os.remove(os.path.join(dirpath, file))
        return self.download(root=target)

    def verify(self, root: str | None = None) -> None:
        """Check that ``root`` holds exactly this version's files, byte for byte
        (references are skipped, with a warning).

        Raises:
            ValueError: a file is missing, differs, or is not part of the artifact.
        """
        target = root if root is not None else self._default_root()
        self._ensure_files()
        for dirpath, _dirs, files in os.walk(target):
            for file in files:
                full = os.path.join(dirpath, file)
                rel = os.path.relpath(full, target).replace(os.sep, "/")
                if rel not in self._manifest.entries:
                    raise ValueError(
                        f"Found file {full} which is not a member of artifact {self.name}"
                    )
        refs = 0
        for entry in self._manifest:
            if entry.ref is not None:
                refs += 1
                continue
            path = Path(target) / entry.path
            if not path.is_file():
                raise ValueError(f"Missing file {entry.path!r} of artifact {self.name} in {target}")
            if not _matches(path, entry):
                raise ValueError(f"Digest mismatch for file: {entry.path}")
        if refs:
            termwarn(f"skipped verification of {refs} refs")

    # -- the stored version ----------------------------------------------------------
    def is_draft(self) -> bool:
        """Not logged yet (its files may still change)."""
        return not self._final

    def wait(self, timeout: int | float | None = None) -> Artifact:
        """Wait until the logged artifact is stored; returns it with its version.

        Raises:
            ArtifactNotLoggedError: it was never logged.
            UsageError: it was logged offline (``runyard sync`` stores it).
            TimeoutError: not stored within ``timeout`` seconds.
        """
        if self._version is not None:
            return self
        if self._committed is None:
            raise ArtifactNotLoggedError(self, "wait")
        if self._offline:
            raise UsageError(
                f"artifact {self._name!r} was logged offline: `runyard sync` stores it, so "
                "there is no version to wait for in this process"
            )
        if not self._committed.wait(timeout):
            raise TimeoutError(
                f"artifact {self._name!r} was not stored within {timeout} s; it is kept in "
                "the run's journal and stored when the store is reachable"
            )
        if not self._is_stored():  # (set by the writer thread meanwhile)
            raise UsageError(
                f"artifact {self._name!r} could not be stored: {self._commit_error or 'unknown'}"
            )
        return self

    def _is_stored(self) -> bool:
        return self._version is not None

    def _stored(self, record: Any) -> None:
        """The writer thread: the store holds the commit (``record`` its version)."""
        if record is not None:
            self._load_record(record)
            for entry in self._manifest:
                entry.local_path = None  # staged files go once stored
            # The stored manifest has the digests (hashed by the writer): read it when
            # first needed (download, verify, files of the logged artifact).
            self._files_loaded = False
        else:
            self._commit_error = "the store has no version for it"
        if self._committed is not None:
            self._committed.set()

    def save(self, project: str | None = None, settings: Any = None) -> None:
        """Store edits of ``description``, ``metadata``, ``aliases`` and ``tags`` of a
        logged version; an artifact never logged is logged by the current run (or by
        a run of job type ``auto`` made for it, as wandb)."""
        if self._version is None and self._committed is None:
            from runyard.sdk.init import current_run

            run = current_run()
            if run is not None:
                run.log_artifact(self)
                return
            import runyard

            with runyard.init(project=project, job_type="auto") as auto:
                auto.log_artifact(self)
            return
        self.wait()
        changes: dict[str, Any] = {}
        if self._description != self._saved.get("description"):
            changes["description"] = self._description
        metadata = json.dumps(self._metadata, sort_keys=True, default=str)
        if metadata != self._saved.get("metadata"):
            changes["metadata"] = self._metadata
        if self._aliases != self._saved.get("aliases"):
            changes["aliases"] = list(self._aliases)
        if not changes:
            return
        store = self._require_store("save")
        files = self._manifest if self._files_loaded else None
        self._load_record(store.update_artifact(self._record_obj, **changes))
        if files is not None:
            self._manifest = files

    def delete(self, delete_aliases: bool = False) -> None:
        """Delete the stored version (with ``delete_aliases``, even if it has aliases)."""
        store = self._require_store("delete")
        store.delete_artifact(self._record_obj, delete_aliases=delete_aliases)
        self._state = "DELETED"

    def _require_store(self, attr: str) -> TrackingStore:
        if self._version is None or self._store is None or self._record_obj is None:
            raise ArtifactNotLoggedError(self, attr)
        return self._store

    def _api(self) -> Any:
        from runyard.public_api.api import Api

        return Api(store=self._require_store("logged_by"), blobs=self._blobs)

    def logged_by(self) -> Any:
        """The run that logged this version (a public-API run), or None."""
        store = self._require_store("logged_by")
        if self._logged_by is None:
            return None
        record = store.get_run(self._logged_by)
        if record is None:
            return None
        from runyard.public_api.run import Run

        return Run(self._api(), record)

    def used_by(self) -> list[Any]:
        """The runs that used this version (public-API runs)."""
        store = self._require_store("used_by")
        from runyard.public_api.run import Run

        api = self._api()
        out = []
        for ref in store.runs_using(self._record_obj):
            record = store.get_run(ref)
            if record is not None:
                out.append(Run(api, record))
        return out

    # -- the record log_artifact journals ------------------------------------------
    def _record(self, aliases: list[str], tags: list[str]) -> dict[str, Any]:
        """The ``Rec.ARTIFACT`` payload (see the issue-14 contract)."""
        # Keys without a value are left out (read back with .get): a thousand entries
        # are one journal frame written on the training thread, so keep it small.
        entries = []
        staged = self._staged
        for entry in self._manifest:
            item: dict[str, Any] = {"path": entry.path, "size": entry.size}
            if entry.digest is not None:
                item["digest"] = entry.digest
            if entry.extra:
                item["extra"] = entry.extra
            if entry.ref is not None:
                item["ref"] = entry.ref
            else:
                item["local"] = entry.local_path
                if entry.local_path in staged:
                    item["staged"] = True
                if entry.stat is not None:
                    item["stat"] = entry.stat
            entries.append(item)
        return {
            "client_id": self._client_id,
            "name": self._name,
            "type": self._type,
            "description": self._description,
            "metadata": self._metadata,
            "aliases": aliases,
            "tags": tags,
            "entries": entries,
        }


def _walk_files(folder: str, rel: str) -> Iterator[tuple[str, str]]:
    """``(path, path relative to the root with /)`` of every file under ``folder``,
    sorted; a symbolic link to a file counts, one to a folder is not followed (as
    ``os.walk`` + ``isfile``)."""
    with os.scandir(folder) as it:
        items = sorted(it, key=lambda e: e.name)
    for item in items:
        name = f"{rel}{item.name}"
        try:
            if item.is_file():
                yield item.path, name
            elif item.is_dir(follow_symlinks=False):
                yield from _walk_files(item.path, name + "/")
        except OSError:
            continue  # vanished meanwhile, or unreadable: as os.walk skips it


def posixpath_split(path: str) -> tuple[str, str]:
    head, _, tail = path.rpartition("/")
    return head, tail


def _matches(path: Path, entry: ManifestEntry) -> bool:
    from runyard.artifacts.digests import sha256_file

    if entry.size is not None and path.stat().st_size != entry.size:
        return False
    return sha256_file(path)[0] == entry.digest
