"""A run whose journal cannot grow (a full disk; issue 12, point 6).

The child process may not write files past 5 MiB (RLIMIT_FSIZE), so the journal's
window reaching past it cannot be reserved: a real ``EFBIG`` from ``posix_fallocate``,
the same path as ``ENOSPC``. Logging must go on (what no longer fits is dropped,
said once), without a system call per ``log()`` once the journal failed (counted by
wrapping ``os.posix_fallocate``/``os.pwrite``, which still do the real calls);
``finish()`` must not raise, and the store must hold the run as finished, with every
step the journal took.
"""

from __future__ import annotations

from pathlib import Path

import runyard
from tests.helpers import run_script

FULL_DISK_RUN = """
import os, resource
resource.setrlimit(resource.RLIMIT_FSIZE, (5 << 20, 5 << 20))
calls = {"n": 0}
real_fallocate, real_pwrite = os.posix_fallocate, os.pwrite
def fallocate(*args):
    calls["n"] += 1
    return real_fallocate(*args)
def pwrite(*args):
    calls["n"] += 1
    return real_pwrite(*args)
os.posix_fallocate, os.pwrite = fallocate, pwrite
import runyard
run = runyard.init(project="p", id="full", config={"lr": 0.1})
step = 0
while run._journal.failed is None:
    run.log({"loss": float(step)})
    step += 1
    assert step < 1_000_000, "the journal never filled up"
journalled = step - 1  # the step whose record did not fit
before = calls["n"]
for _ in range(20_000):
    run.log({"loss": -1.0})
print("syscalls_after_failure", calls["n"] - before)
print("journalled", journalled)
run.finish()
print("finished")
"""


def test_a_full_disk_drops_new_data_and_finishes_the_run(ry_dir: Path) -> None:
    result = run_script(FULL_DISK_RUN, ry_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    out = dict(line.split(maxsplit=1) for line in result.stdout.splitlines() if " " in line)
    assert "finished" in result.stdout.splitlines()  # finish() did not raise
    assert out["syscalls_after_failure"] == "0"
    journalled = int(out["journalled"])
    assert journalled > 10_000
    assert result.stderr.count("could not write to the run journal") == 1
    assert "20,001 records were not journalled" in result.stderr

    run = runyard.Api().run("tester/p/full")
    assert run.state == "finished"
    assert run.config == {"lr": 0.1}
    losses = [row["loss"] for row in run.scan_history()]
    assert losses == [float(i) for i in range(journalled)]
    assert not list((ry_dir / "journals").glob("*.journal"))  # stored, so removed


FULL_SIDE_JOURNAL_RUN = """
import os, resource, sys, threading, time
resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
import runyard
from runyard.journal.records import Rec
run = runyard.init(project="p", id="side", settings={"console": "redirect"})
print("before")
side = run._context.side

def sampler():  # as the system-metrics thread appends: not through the console
    while side.append((Rec.CONSOLE, "stdout", time.time(), "x" * 50_000 + "\\n")):
        pass

thread = threading.Thread(target=sampler)
thread.start()
thread.join()  # (it hung on its own warning before: the script's timeout fails it)
print("after")
run.log({"loss": 1.0})
run.finish()
print("finished", file=sys.__stderr__)
"""


def test_a_full_side_journal_warns_once_without_hanging_the_console(ry_dir: Path) -> None:
    """The warning of a side journal that cannot grow is printed, and a print is
    journalled in that same journal: said under its lock, it waited for that lock
    forever (the thread, and with it every later print of the script)."""
    result = run_script(FULL_SIDE_JOURNAL_RUN, ry_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "finished" in result.stderr
    assert result.stderr.count("could not write to the run journal") == 1
    assert result.stdout.splitlines()[0] == "before" and "after" in result.stdout
    run = runyard.Api().run("tester/p/side")
    assert run.state == "finished" and run.summary["loss"] == 1.0
