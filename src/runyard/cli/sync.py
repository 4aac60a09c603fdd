"""``runyard sync``: upload offline runs and leftover journals to a store.

What is synced (without paths): every journal under ``RUNYARD_DIR/offline``
(``mode="offline"`` runs) and the journals online runs left for the target store
(a run killed, or a server that was down until the run ended). Paths may name
journal files or directories (searched recursively for ``*.journal``).

A run session writes two journals: ``<stem>.journal`` (its rows, config, summary,
state) and ``<stem>.side.journal`` (console lines, system metrics, metadata, from
background threads; see :mod:`runyard.journal.frames`). Naming the main journal
syncs both, main first: the side journal only attaches to the run its main journal
creates (one whose run is not in the store yet is left for a later sync, not marked
synced). Counts and the summary are per run session: a side journal is not counted
on its own.

Idempotent by construction, not by bookkeeping on this side: the store records,
per journal, the offset up to which it holds the journal's records
(:func:`runyard.journal.replay.replay`), and every batch moves that offset in the
same transaction as the rows. Syncing a journal again sends only what lies past
it (nothing), a sync interrupted midway continues from its last batch, and two
syncs never create a run or a row twice. A ``<journal>.synced`` marker beside
an offline journal lists the stores it went to, so a later ``runyard sync``
skips it without asking the store (``--include-synced`` asks again: cheap, and
it re-sends everything to a store that lost it).

``--entity``/``--project`` store the runs there instead of where they were logged
(an offline run logged as the cluster's OS user goes to the team's entity). They
apply to what a store has not taken yet: a journal it holds already stays where it
went.

Files (media, tables, summary tensors, ``run.save``) travel in the journal's spool
(``<journal>.spool/``, see :mod:`runyard.journal.spool`): each journalled file past
the store's offset is uploaded to the target's blob store before the batch that
refers to it, so they are sent exactly when their rows are — once. (Offline runs
written before the spool existed kept their files in the local blob store; those
are still sent from there, skipping what the server has.)

Offline journals are kept after a sync, with their spool (they are the only copy
a user may want to send to a second server) unless ``--clean`` is given; the SDK's
own leftover journals are deleted once stored, as opening the store would do.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from runyard.entities import RunRef
from runyard.settings import Settings, api_key_for, display_uri

__all__ = ["find_journals", "sync", "waiting_offline"]


def find_journals(paths: Iterable[Path], recursive: bool = True) -> list[Path]:
    """Journal files named by ``paths`` (files, or directories searched, recursively
    unless ``recursive`` is False: the SDK's own directories hold other stores' journal
    directories inside them)."""
    from runyard.journal.frames import main_journal_path, side_journal_path
    from runyard.journal.replay import journal_order

    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            matches = path.rglob("*.journal") if recursive else path.glob("*.journal")
            for item in sorted(matches, key=journal_order):
                found[item] = None
        elif path.is_file():
            found[path] = None
            side = side_journal_path(path)
            if main_journal_path(path) is None and side.is_file():
                found[side] = None  # the session's console, system metrics, metadata
    return sorted(found, key=journal_order)


def waiting_offline(settings: Settings, store_uri: str) -> list[Path]:
    """Offline runs' journals (``settings.offline_dir``) not synced to ``store_uri`` yet,
    by their ``.synced`` markers: what ``runyard ui`` points out."""
    from runyard.journal.frames import main_journal_path

    journals = find_journals([settings.offline_dir], recursive=False)
    return [
        path
        for path in journals
        if main_journal_path(path) is None and store_uri not in _synced_to(path)
    ]


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".synced")


def _synced_to(path: Path) -> set[str]:
    try:
        lines = _marker(path).read_text().splitlines()
    except OSError:
        return set()
    stores = set()
    for line in lines:
        try:
            stores.add(str(json.loads(line)["store"]))
        except (ValueError, KeyError, TypeError):
            continue
    return stores


def _mark_synced(path: Path, store_uri: str, end: int) -> None:
    with _marker(path).open("a") as out:
        out.write(json.dumps({"store": store_uri, "offset": end, "time": time.time()}) + "\n")


def sync(
    paths: Sequence[str] = (),
    store: str | None = None,
    include_synced: bool = False,
    clean: bool = False,
    settings: Settings | None = None,
    entity: str | None = None,
    project: str | None = None,
) -> int:
    """The command; returns the exit status (0 when every journal is in the store)."""
    settings = settings if settings is not None else Settings.from_env()
    target = store or settings.store_uri
    own = settings.journal_dir_for(target)
    if paths:
        chosen = [Path(p).expanduser() for p in paths]
        missing = [p for p in chosen if not p.exists()]
        if missing:
            print(f"runyard: no such file or directory: {missing[0]}", file=sys.stderr)
            return 2
    else:
        chosen = [settings.offline_dir, own]
    journals = find_journals(chosen, recursive=bool(paths))
    shown = display_uri(target)
    if not paths:
        _point_out_other_servers(settings, own)
    if not journals:
        print(f"runyard: nothing to sync (looked in {', '.join(str(p) for p in chosen)})")
        return 0

    from runyard.journal.replay import (
        FileTarget,
        corrupt_sqlite_file,
        corrupt_store_advice,
        replay,
    )
    from runyard.store.registry import open_store

    try:
        tracking = open_store(target)
    except Exception as exc:
        print(f"runyard: could not open the store {shown}: {exc}", file=sys.stderr)
        db = corrupt_sqlite_file(target, exc)
        if db is not None:
            print(f"runyard: {corrupt_store_advice(db, ' '.join(paths))}", file=sys.stderr)
        return 1
    from runyard.journal.frames import main_journal_path

    failed = skipped = done = 0
    listed = set(journals)
    files_target = FileTarget(None, target)  # opened when a journal holds files
    try:
        for path in journals:
            managed = own in path.parents
            # A side journal counts with its main one (one run session), unless alone.
            main_of = main_journal_path(path)
            counted = main_of is None or main_of not in listed
            if not managed and not include_synced and target in _synced_to(path):
                skipped += counted
                if clean:
                    _remove(path)
                continue
            print(f"runyard: syncing {path} to {shown} ...", end=" ", flush=True)
            try:
                result = replay(path, tracking, not managed, entity, project, files_target)
            except KeyboardInterrupt:
                print("interrupted", flush=True)
                print(
                    "runyard: what was sent is kept by the store; run the same command again "
                    "to send the rest",
                    file=sys.stderr,
                )
                return 130
            except Exception as exc:
                failed += 1
                print(f"failed: {exc}", flush=True)
                db = corrupt_sqlite_file(target, exc)
                if db is not None:  # every other journal would fail the same way
                    print(f"runyard: {corrupt_store_advice(db, ' '.join(paths))}", file=sys.stderr)
                    break
                continue
            if result.status == "in-use":
                print("skipped: its run is still running")
                continue
            if result.status == "not-a-journal":
                failed += 1
                print("skipped: not a Runyard journal")
                continue
            if result.status == "damaged":
                failed += 1
                print("failed: damaged, no run could be identified in it (nothing stored)")
                continue
            if result.status == "foreign":
                failed += 1
                print("refused: the store holds this journal for another run")
                continue
            if result.status == "no-run":
                failed += 1
                first = f"`runyard sync {main_of}`" if main_of else "its main journal"
                run = result.run.path if result.run else "?"
                print(f"skipped: its run {run} is not in the store yet; {first} first")
                continue
            done += counted
            run = result.run.path if result.run else "(no run)"
            if main_of is not None:
                what = "console, system metrics and metadata"
                print(
                    f"done: {what} of {run}"
                    if result.status == "stored"
                    else f"already there: {what} of {run}"
                )
            elif result.status == "stored":
                state = f", {result.state}" if result.state else ""
                print(f"done: {run}, {result.rows:,} rows{state}")
            else:
                print(f"already there: {run}")
            files = result.files
            if not managed and main_of is None and result.run is not None and result.source:
                try:
                    files += _send_files(settings, target, result.source, result.run)
                except Exception as exc:
                    failed += 1
                    print(f"runyard: could not send the files of {result.run.path}: {exc}")
                    continue  # not marked synced: the next sync sends them again
            if files and result.run is not None:
                print(f"runyard: sent {files} file(s) of {result.run.path}")
            if not managed:
                if clean:
                    _remove(path)
                elif target not in _synced_to(path):
                    _mark_synced(path, target, result.end)
    finally:
        files_target.close()
        tracking.close()
    summary = f"runyard: {done} journal(s) synced to {shown}"
    if skipped:
        summary += f", {skipped} skipped as already synced (--include-synced to check them)"
    if failed:
        summary += f", {failed} failed"
    print(summary)
    return 1 if failed else 0


def _send_files(settings: Settings, target: str, source: RunRef, run: RunRef) -> int:
    """Offline runs written before the spool kept their files (media, tensors,
    ``run.save``) in the local blob store; a server gets them with the run. Files the
    server has are not sent again (same key, same content: media are
    content-addressed). Other store URIs have no blob store of their own here: files
    stay where they are."""
    if not target.startswith(("http://", "https://")):
        return 0
    from runyard.blobs.keys import legacy_run_prefix, run_prefix
    from runyard.blobs.registry import open_blobs

    local = open_blobs(settings.blobs_uri)
    old = run_prefix(source)
    listed = local.list(old)
    if not listed:  # recorded before blob keys were injective (docs/schema.md)
        old = legacy_run_prefix(source)
        listed = local.list(old)
    if not listed:
        return 0
    from runyard.store.rest.blobs import HttpBlobStore

    remote = HttpBlobStore(target, api_key_for(target), runs=[run])
    try:
        sent = 0
        new = run_prefix(run)
        for key, _size in listed:
            dest = new + key[len(old) :]
            if not remote.exists(dest):
                remote.put(dest, local.get(key))
                sent += 1
        return sent
    finally:
        remote.close()


def _point_out_other_servers(settings: Settings, own: Path) -> None:
    """Leftover journals of runs meant for another server are not sent to this store;
    say where they are (their directory is named after the server's host and port)."""
    from runyard.journal.frames import main_journal_path

    for folder in sorted((settings.root_dir / "journals").glob("*/")):
        if folder == own or not folder.is_dir():
            continue
        count = sum(1 for p in folder.glob("*.journal") if main_journal_path(p) is None)
        if count:
            print(
                f"runyard: {count} journal(s) of runs meant for another server are in {folder}; "
                f"send them with `runyard sync {folder} --store <that server's URL>`"
            )


def _remove(path: Path) -> None:
    from runyard.journal.spool import remove_spool

    path.unlink(missing_ok=True)
    _marker(path).unlink(missing_ok=True)
    remove_spool(path)
