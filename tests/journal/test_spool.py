"""The spool: files written beside a journal, journalled as ``Rec.FILE`` records and
uploaded before the batch that refers to them — by a replay here, into a real SQLite
store and a real local blob store."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgpack
import pytest

from runyard.blobs.keys import run_prefix
from runyard.blobs.local import LocalBlobStore
from runyard.entities import RunRef
from runyard.journal.frames import JournalWriter
from runyard.journal.records import Rec
from runyard.journal.replay import replay
from runyard.journal.spool import SpooledFile, SpoolWriter, spool_dir, upload
from runyard.store.sql.store import SqlStore

REF = RunRef("ent", "proj", "spooly")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    s = SqlStore(f"sqlite:///{tmp_path}/runyard.db")
    yield s
    s.close()


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def start_record() -> tuple[Any, ...]:
    return (
        Rec.START,
        {
            "ref": [REF.entity, REF.project, REF.run_id],
            "create": {},
            "meta": {"sessions": 1},
            "config": {},
        },
    )


class Journal:
    """A journal written the way a run writes one: records through a SpoolWriter too."""

    def __init__(self, path: Path) -> None:
        self.writer = JournalWriter(path)
        self.path = path
        self.append(start_record())
        self.spool = SpoolWriter(path, REF, self.append)

    def append(self, rec: tuple[Any, ...]) -> None:
        self.writer.append(msgpack.packb(rec))

    def log(self, step: int, data: dict[str, Any]) -> None:
        self.append((Rec.LOG, step, True, 1_700_000_000.0 + step, float(step), data))

    def close(self) -> None:
        self.writer.close()


def test_put_spools_the_bytes_and_journals_them_once_per_content(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "r.journal")
    records: list[tuple[Any, ...]] = []
    spool = SpoolWriter(journal.path, REF, records.append)
    spool.put("media/a.png", b"one")
    spool.put("media/a.png", b"one")  # the same content again: nothing new
    spool.put("notes.txt", b"v1")
    spool.put("notes.txt", b"v2")
    spool.put("notes.txt", b"v1")  # changed back: a new record, its own spool file
    journal.close()
    files = [SpooledFile.from_record(rec) for rec in records]
    assert [rec[0] for rec in records] == [Rec.FILE] * 4
    assert [(f.name, f.size) for f in files] == [
        ("media/a.png", 3),
        ("notes.txt", 2),
        ("notes.txt", 2),
        ("notes.txt", 2),
    ]
    assert files[0].sha256 == hashlib.sha256(b"one").hexdigest()
    assert len({f.spool for f in files}) == 4  # never shared between records
    folder = spool_dir(journal.path)
    assert folder == tmp_path / "r.journal.spool"
    assert [(folder / f.spool).read_bytes() for f in files] == [b"one", b"v1", b"v2", b"v1"]


def test_put_file_copies_the_file_so_later_changes_do_not_leak_in(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "r.journal")
    records: list[tuple[Any, ...]] = []
    spool = SpoolWriter(journal.path, REF, records.append)
    source = tmp_path / "model.bin"
    source.write_bytes(b"weights-1")
    spool.put_file("model.bin", source)
    source.write_bytes(b"weights-2, longer")
    journal.close()
    (file,) = [SpooledFile.from_record(rec) for rec in records]
    assert (spool_dir(journal.path) / file.spool).read_bytes() == b"weights-1"
    assert (file.size, file.sha256) == (9, hashlib.sha256(b"weights-1").hexdigest())


def test_upload_skips_damaged_and_missing_spool_files_with_a_warning(
    tmp_path: Path, blobs: LocalBlobStore, capfd: pytest.CaptureFixture[str]
) -> None:
    journal = Journal(tmp_path / "r.journal")
    records: list[tuple[Any, ...]] = []
    spool = SpoolWriter(journal.path, REF, records.append)
    spool.put("good.txt", b"good")
    spool.put("damaged.txt", b"original")
    spool.put("missing.txt", b"gone")
    journal.close()
    files = [SpooledFile.from_record(rec) for rec in records]
    folder = spool_dir(journal.path)
    (folder / files[1].spool).write_bytes(b"flipped!")
    (folder / files[2].spool).unlink()
    pending = list(files)
    assert upload(pending, folder, blobs, REF) == 1
    assert pending == []
    prefix = run_prefix(REF)
    assert blobs.get(f"{prefix}/good.txt") == b"good"
    assert not blobs.exists(f"{prefix}/damaged.txt")
    err = capfd.readouterr().err
    assert "'damaged.txt' of run ent/proj/spooly) does not match its journal record" in err
    assert "the spooled file 'missing.txt' of run ent/proj/spooly is missing" in err


def test_replay_uploads_the_files_of_a_killed_run_once_and_removes_its_spool(
    tmp_path: Path, store: SqlStore, blobs: LocalBlobStore
) -> None:
    """A run killed after logging an image and saving a file: its journal and spool are
    all there is. Replaying stores the rows and the files; replaying again (the store
    recorded the journal's offset) sends nothing again; a journal the SDK kept for the
    store is deleted with its spool, one the user keeps (runyard sync) keeps its spool."""
    journal = Journal(tmp_path / "journals" / "r.journal")
    journal.spool.put("media/images/ab/abc.png", b"\x89PNG-bytes")
    journal.log(0, {"img": {"_type": "image-file", "path": "media/images/ab/abc.png"}})
    journal.spool.put("notes.txt", b"saved by run.save")
    journal.log(1, {"loss": 0.5})
    journal.close()

    first = replay(journal.path, store, keep=True, blobs=blobs)
    assert (first.status, first.rows, first.files, first.state) == ("stored", 2, 2, "crashed")
    prefix = run_prefix(REF)
    assert blobs.get(f"{prefix}/media/images/ab/abc.png") == b"\x89PNG-bytes"
    assert blobs.get(f"{prefix}/notes.txt") == b"saved by run.save"
    assert any(spool_dir(journal.path).iterdir())  # kept journals keep their spool

    blobs.delete(f"{prefix}/notes.txt")  # would come back if it were sent again
    again = replay(journal.path, store, keep=True, blobs=blobs)
    assert (again.status, again.files) == ("up-to-date", 0)
    assert not blobs.exists(f"{prefix}/notes.txt")

    last = replay(journal.path, store, blobs=blobs)  # the SDK's own journal: done with it
    assert (last.status, last.files) == ("up-to-date", 0)
    assert not journal.path.exists() and not spool_dir(journal.path).exists()


def test_a_replay_removes_the_spool_files_of_what_it_stored(
    tmp_path: Path, store: SqlStore, blobs: LocalBlobStore
) -> None:
    journal = Journal(tmp_path / "r.journal")
    journal.spool.put("a.txt", b"a")
    journal.log(0, {"x": 1})
    journal.close()
    assert replay(journal.path, store, blobs=blobs).files == 1
    assert blobs.get(f"{run_prefix(REF)}/a.txt") == b"a"
    assert not journal.path.exists() and not spool_dir(journal.path).exists()


def test_replay_sends_the_files_before_the_batch_that_refers_to_them(
    tmp_path: Path, store: SqlStore
) -> None:
    """A blob store that refuses: the batch is not written either, so no stored row
    ever refers to a file that is not stored; the journal and its spool stay."""

    class Down(LocalBlobStore):
        def put(self, key: str, data: bytes) -> None:
            raise ConnectionRefusedError("the blob store is down")

    journal = Journal(tmp_path / "r.journal")
    journal.spool.put("media/x.bin", b"x")
    journal.log(0, {"x": {"_type": "file", "path": "media/x.bin"}})
    journal.close()
    with pytest.raises(Exception, match="could not upload the files of run ent/proj/spooly"):
        replay(journal.path, store, blobs=Down(tmp_path / "down"))
    assert store.get_run(REF) is None
    assert journal.path.exists() and any(spool_dir(journal.path).iterdir())
    good = LocalBlobStore(tmp_path / "blobs")
    assert replay(journal.path, store, blobs=good).files == 1
    assert good.get(f"{run_prefix(REF)}/media/x.bin") == b"x"
    assert store.get_run(REF) is not None


def test_upload_sends_the_last_content_of_a_name_and_many_files_at_once(
    tmp_path: Path, blobs: LocalBlobStore
) -> None:
    journal = Journal(tmp_path / "r.journal")
    records: list[tuple[Any, ...]] = []
    spool = SpoolWriter(journal.path, REF, records.append)
    spool.put("notes.txt", b"first")
    for i in range(20):
        spool.put(f"media/{i}.bin", bytes([i]))
    spool.put("notes.txt", b"second")  # run.save of a changed file, same batch
    journal.close()
    pending = [SpooledFile.from_record(rec) for rec in records]
    assert upload(pending, spool_dir(journal.path), blobs, REF, workers=8) == 21
    assert pending == []
    prefix = run_prefix(REF)
    assert blobs.get(f"{prefix}/notes.txt") == b"second"
    assert [blobs.get(f"{prefix}/media/{i}.bin") for i in range(20)] == [
        bytes([i]) for i in range(20)
    ]


@pytest.mark.parametrize("concurrent", [False, True])
def test_files_go_to_a_local_directory_one_after_another_and_to_a_server_in_parallel(
    tmp_path: Path, concurrent: bool
) -> None:
    """A pool's start costs more than a local directory's writes (a run's finish puts
    its requirements and diff there): a local store is written from the caller's
    thread; a store whose puts wait on the network (``concurrent_puts``) from a pool."""
    import threading

    threads: list[str] = []

    class Recording(LocalBlobStore):
        concurrent_puts = concurrent

        def put(self, key: str, data: bytes) -> None:
            threads.append(threading.current_thread().name)
            super().put(key, data)

    journal = Journal(tmp_path / "r.journal")
    records: list[tuple[Any, ...]] = []
    spool = SpoolWriter(journal.path, REF, records.append)
    for name in ("requirements.txt", "diff.patch", "media/a.bin"):
        spool.put(name, name.encode())
    journal.close()
    pending = [SpooledFile.from_record(rec) for rec in records]
    store = Recording(tmp_path / "blobs")
    assert upload(pending, spool_dir(journal.path), store, REF) == 3
    assert store.get(f"{run_prefix(REF)}/diff.patch") == b"diff.patch"
    if concurrent:
        assert all(name.startswith("runyard-upload") for name in threads)
    else:
        assert threads == [threading.current_thread().name] * 3


def test_a_failed_upload_leaves_only_the_files_still_to_send(tmp_path: Path) -> None:
    class HalfDown(LocalBlobStore):
        def put(self, key: str, data: bytes) -> None:
            if key.endswith("odd"):
                raise ConnectionResetError("the blob store went away")
            super().put(key, data)

    journal = Journal(tmp_path / "r.journal")
    records: list[tuple[Any, ...]] = []
    spool = SpoolWriter(journal.path, REF, records.append)
    for name in ("a-even", "b-odd", "c-even", "d-odd"):
        spool.put(name, name.encode())
    journal.close()
    pending = [SpooledFile.from_record(rec) for rec in records]
    store = HalfDown(tmp_path / "blobs")
    with pytest.raises(ConnectionResetError):
        upload(pending, spool_dir(journal.path), store, REF)
    assert [f.name for f in pending] == ["b-odd", "d-odd"]
    assert store.exists(f"{run_prefix(REF)}/c-even")
