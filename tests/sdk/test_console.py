"""Console capture: wrap in-process, redirect in real processes killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

import runyard
from runyard.journal.frames import JournalReader
from runyard.journal.records import Rec
from runyard.journal.terminal import TerminalLines
from runyard.sdk.console import ConsoleCapture, resolve_mode


def test_wrap_records_each_write_before_it_returns_and_restores(
    capsys: pytest.CaptureFixture[str],
) -> None:
    records: list[tuple[Any, ...]] = []
    seen_by_stream: list[str] = []

    def append(rec: tuple[Any, ...]) -> None:
        # the chunk is journalled before the stream has it
        seen_by_stream.append(capsys.readouterr().out)
        records.append(rec)

    before = sys.stdout.write
    capture = ConsoleCapture(append, mode="wrap", clock=lambda: 42.0)
    assert capture.start() == "wrap"
    print("hello")
    sys.stderr.write("oops\n")
    capture.stop()
    print("after")
    assert records == [
        (Rec.CONSOLE, "stdout", 42.0, "hello"),
        (Rec.CONSOLE, "stdout", 42.0, "\n"),
        (Rec.CONSOLE, "stderr", 42.0, "oops\n"),
    ]
    assert seen_by_stream[0] == ""  # "hello" was recorded before it was written
    assert "write" not in vars(sys.stdout) and sys.stdout.write == before
    out = capsys.readouterr()
    assert out.err == "oops\n" and out.out.endswith("after\n")


def test_auto_wraps_when_the_streams_are_not_the_process_descriptors() -> None:
    # under pytest's capture sys.stdout is not fd 1: wrap
    assert resolve_mode("auto") == "wrap"
    assert resolve_mode("wrap_emu") == "wrap" and resolve_mode("off") == "off"
    with pytest.raises(ValueError, match="'loud'"):
        resolve_mode("loud")


def test_output_beyond_the_cap_is_one_marker(capsys: pytest.CaptureFixture[str]) -> None:
    records: list[tuple[Any, ...]] = []
    capture = ConsoleCapture(records.append, mode="wrap", max_bytes=11)
    capture.start()
    print("12345")
    print("67890")
    print("more")
    capture.stop()
    texts = [r[3] for r in records]
    assert texts[:3] == ["12345", "\n", "67890"]
    assert len(texts) == 4 and "beyond 11 characters" in texts[3]
    assert capsys.readouterr().out == "12345\n67890\nmore\n"  # the terminal has all


def test_a_write_from_inside_the_journal_is_not_recorded_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    records: list[tuple[Any, ...]] = []

    def noisy_append(rec: tuple[Any, ...]) -> None:
        records.append(rec)
        print("warning from the journal", file=sys.stderr)

    capture = ConsoleCapture(noisy_append, mode="wrap")
    capture.start()
    print("x")
    capture.stop()
    assert [r[3] for r in records] == ["x", "\n"]
    assert capsys.readouterr().err.count("warning from the journal") == 2


def test_a_recording_failure_never_breaks_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    def broken(rec: tuple[Any, ...]) -> None:
        raise OSError("disk full")

    capture = ConsoleCapture(broken, mode="wrap")
    capture.start()
    print("still shown")
    capture.stop()
    assert capsys.readouterr().out == "still shown\n"


def test_stop_leaves_a_write_someone_wrapped_again_passing_through(
    capsys: pytest.CaptureFixture[str],
) -> None:
    records: list[tuple[Any, ...]] = []
    capture = ConsoleCapture(records.append, mode="wrap")
    capture.start()
    ours = sys.stdout.write
    sys.stdout.write = lambda text: ours(text.upper())  # type: ignore[method-assign]
    try:
        capture.stop()
        print("later")
    finally:
        del sys.stdout.write
    assert records == []  # stopped: passes through without recording
    assert capsys.readouterr().out == "LATER\n"


# -- redirect, in real processes ----------------------------------------------------
_SCRIPT = textwrap.dedent(
    """
    import os, subprocess, sys, time
    import runyard
    from tqdm import tqdm

    run = runyard.init(project="p", id="console", mode=sys.argv[1],
                       settings={"console": sys.argv[2]})
    print("printed line")  # no flush: Python keeps it in its buffer (stdout is a pipe)
    print("\\x1b[31mred line\\x1b[0m")
    print("to stderr", file=sys.stderr)
    os.write(1, b"os.write line\\n")
    subprocess.run(["echo", "subprocess line"], check=True)
    for _ in tqdm(range(3000), desc="bar", mininterval=0, miniters=1):
        pass
    half = tqdm(range(100), desc="half", mininterval=0, miniters=1)
    for i in half:
        if i == 50:
            break
    sys.stderr.flush()
    os.write(1, b"READY\\n")
    time.sleep(600)
    """
)


def _run_until_ready(tmp_path: Path, mode: str, console: str) -> None:
    script = tmp_path / "script.py"
    script.write_text(_SCRIPT)
    with subprocess.Popen(
        [sys.executable, str(script), mode, console],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        errors: list[bytes] = []
        # stderr is read too, else the bar fills its pipe and the script waits forever
        reader = threading.Thread(target=lambda: errors.append(proc.stderr.read()))  # type: ignore[union-attr]
        reader.start()
        shown = b""
        while b"READY\n" not in shown:
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                reader.join()
                pytest.fail(f"the script ended early: {b''.join(errors).decode()}")
            shown += chunk
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        reader.join()
    stderr = b"".join(errors)
    # the terminal showed what the script wrote (the kill lost Python's own buffer)
    assert b"os.write line\n" in shown and b"subprocess line\n" in shown
    assert b"to stderr" in stderr and b"bar: 100%" in stderr


def _journal_lines(folder: Path) -> list[tuple[int, str, float, str]]:
    (side,) = folder.glob("*.side.journal")
    terminal = TerminalLines()
    with open(side, "rb") as file:
        for _offset, rec in JournalReader(file.fileno()).records():
            if rec[0] == Rec.CONSOLE:
                terminal.feed(rec[1], rec[2], rec[3])
    return terminal.take_changes()


_EXPECTED = [
    ("stdout", "printed line"),
    ("stdout", "\x1b[31mred line\x1b[0m"),
    ("stderr", "to stderr"),
    ("stdout", "os.write line"),
    ("stdout", "subprocess line"),
]


@pytest.mark.parametrize("console", ["auto", "redirect", "wrap"])
def test_sigkill_loses_nothing_printed(ry_dir: Path, tmp_path: Path, console: str) -> None:
    _run_until_ready(tmp_path, "offline", console)
    lines = _journal_lines(ry_dir / "offline")
    got = [(stream, text) for _n, stream, _ts, text in lines]
    if console == "wrap":
        # Python-level writes only: os.write and the subprocess bypass sys.stdout
        expected = [e for e in _EXPECTED if e[1] not in ("os.write line", "subprocess line")]
    else:
        expected = _EXPECTED
    for item in expected:
        assert item in got, (item, got)
    bars = [text for stream, text in got if stream == "stderr" and text.startswith("bar:")]
    assert len(bars) == 1 and "3000/3000" in bars[0]  # one line, its last state
    halves = [text for stream, text in got if text.startswith("half:")]
    assert len(halves) == 1 and "50/100" in halves[0]
    assert [n for n, *_ in lines] == list(range(len(lines)))


def test_sigkill_then_output_log_through_the_store(ry_dir: Path, tmp_path: Path) -> None:
    _run_until_ready(tmp_path, "online", "auto")
    run = runyard.Api().run("tester/p/console")  # opening the store replays the journals
    assert run.state == "crashed"
    with run.file("output.log").download(root=str(tmp_path / "dl")) as file:
        text = file.read()
    for _stream, line in _EXPECTED:
        assert line + "\n" in text
    assert text.count("bar: 100%") == 1 and "3000/3000" in text
    found = list(run.logs(search="subprocess"))
    assert [line.text for line in found] == ["subprocess line"]


_ORDER_SCRIPT = textwrap.dedent(
    """
    import os, subprocess, sys
    import runyard

    run = runyard.init(project="p", id="order", settings={"console": "redirect"})
    for i in range(20):
        os.write(1, f"raw {i}\\n".encode())  # through the pipe, read by another thread
        print(f"print {i}")  # recorded as it is written
    subprocess.run(["echo", "from a subprocess"], check=True)
    print("after the subprocess")
    run.finish()
    """
)


def test_what_reached_the_pipes_is_recorded_before_a_later_print(
    ry_dir: Path, tmp_path: Path
) -> None:
    script = tmp_path / "order.py"
    script.write_text(_ORDER_SCRIPT)
    shown = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    expected = [line for i in range(20) for line in (f"raw {i}", f"print {i}")]
    expected += ["from a subprocess", "after the subprocess"]
    stored = runyard.Api().run("p/order").file("output.log").read().decode()
    assert stored.splitlines() == expected
    # the terminal (here a pipe) shows the raw lines in the same order among themselves
    assert [line for line in shown.splitlines() if line.startswith("raw")] == expected[0:40:2]


def test_a_child_knows_when_its_output_is_a_capture_pipe(tmp_path: Path) -> None:
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    pipes = {
        name: [os.fstat(fd).st_dev, os.fstat(fd).st_ino]
        for name, fd in (("stdout", out_write), ("stderr", err_write))
    }
    code = (
        "import json, sys\n"
        "from runyard.sdk.console import on_captured_pipes\n"
        "print(on_captured_pipes(json.loads(sys.argv[1])), file=open(sys.argv[2], 'w'))\n"
    )
    answers = []
    for given in (pipes, {**pipes, "stderr": pipes["stdout"]}, {}):
        answer = tmp_path / "answer"
        subprocess.run(
            [sys.executable, "-c", code, json.dumps(given), str(answer)],
            stdout=out_write,
            stderr=err_write,
            check=True,
            timeout=60,
        )
        answers.append(answer.read_text().strip())
    for fd in (out_read, out_write, err_read, err_write):
        os.close(fd)
    assert answers == ["True", "False", "False"]


_MANY_SCRIPT = textwrap.dedent(
    """
    import gc, os, sys, threading
    import runyard

    def open_pipes():
        gc.collect()  # (a replacement stream a script kept closes its copy when collected)
        pipes = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                pipes += os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:")
            except OSError:  # (the listing's own descriptor, closed since)
                pass
        return pipes

    for i in range(12):
        run = runyard.init(project="p", id=f"many{i}", settings={"console": "redirect"})
        print(f"run {i}")
        run.finish()
        if i == 1:
            before = open_pipes()
    for thread in threading.enumerate():  # each reader ends on its own (else a hang)
        if thread.name == "runyard-console":
            thread.join()
    print("PIPES", before, open_pipes(), file=sys.stderr)
    """
)


def test_runs_one_after_another_leave_no_reader_or_descriptor(ry_dir: Path, tmp_path: Path) -> None:
    script = tmp_path / "many.py"
    script.write_text(_MANY_SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=True
    )
    before, after = map(int, done.stderr.split("PIPES ")[-1].split())
    assert after <= before  # each run's pipes are closed
    for i in range(12):
        logged = runyard.Api().run(f"p/many{i}").file("output.log").read().decode()
        assert logged == f"run {i}\n"


_UNBUFFERED_SCRIPT = textwrap.dedent(
    """
    import os, time
    import runyard

    run = runyard.init(project="p", id="unbuffered", settings={"console": "redirect"})
    print("a print")
    os.write(1, b"READY\\n")
    time.sleep(600)
    """
)


@pytest.mark.parametrize("unbuffered", [True, False])
def test_a_print_reaches_the_terminal_as_python_would_have_written_it(
    ry_dir: Path, tmp_path: Path, unbuffered: bool
) -> None:
    """Under PYTHONUNBUFFERED (batch jobs set it to see their logs live) a print shows at
    once; otherwise a pipe's output waits in Python's buffer, as without Runyard."""
    script = tmp_path / "unbuffered.py"
    script.write_text(_UNBUFFERED_SCRIPT)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    with subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    ) as proc:
        assert proc.stdout is not None
        shown = b""
        while b"READY\n" not in shown:
            chunk = os.read(proc.stdout.fileno(), 65536)
            assert chunk, "the script ended early"
            shown += chunk
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert shown.startswith(b"a print\n") == unbuffered, shown
