"""Runyard's threads leave SIGINT and SIGTERM to the script's main thread."""

from __future__ import annotations

import signal
import threading

import runyard
from runyard.sdk.signals import start_leaving_signals


def _blocked() -> set[int]:
    return set(signal.pthread_sigmask(signal.SIG_BLOCK, []))


def test_a_thread_started_so_blocks_the_signals_from_its_start_and_its_starter_does_not() -> None:
    seen: list[set[int]] = []
    children: list[set[int]] = []

    def child() -> None:
        children.append(_blocked())

    def body() -> None:
        seen.append(_blocked())
        grandchild = threading.Thread(target=child)  # inherits the mask
        grandchild.start()
        grandchild.join()

    before = _blocked()
    thread = threading.Thread(target=body)
    start_leaving_signals(thread)
    thread.join(30)
    assert {signal.SIGINT, signal.SIGTERM} <= seen[0]
    assert {signal.SIGINT, signal.SIGTERM} <= children[0]
    assert _blocked() == before  # the caller's mask is given back


def test_a_runs_threads_block_the_signals(ry_dir: object) -> None:
    """The writers, the launcher and the threads it starts (sampler, metadata): a
    signal sent to the process can only land on the script's own threads."""
    masks: dict[str, set[int]] = {}
    before = set(threading.enumerate())  # (other tests' threads are not the run's)
    run = runyard.init(project="p")
    run.log({"a": 1})
    run._context.ready()  # type: ignore[union-attr]  (sampler and collector started)
    for thread in set(threading.enumerate()) - before:
        if thread.ident is None:
            continue
        status = f"/proc/self/task/{thread.native_id}/status"
        try:
            with open(status) as f:
                line = next(x for x in f if x.startswith("SigBlk:"))
        except (OSError, StopIteration):
            continue  # ended meanwhile
        bits = int(line.split()[1], 16)
        masks[thread.name] = {s for s in (signal.SIGINT, signal.SIGTERM) if bits >> (s - 1) & 1}
    run.finish()
    assert masks, "no thread of the run was found"
    assert {name for name, blocked in masks.items() if len(blocked) < 2} == set()
    # Its two writers (named for their journals) and the system sampler at least.
    assert len(masks) >= 3 and "runyard-system" in masks
