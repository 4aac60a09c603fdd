"""TensorBoard import bench (issue 19): ``runyard import tensorboard`` of 1,000,000 scalar
points, against the time TensorBoard's own event reader alone takes to read them.

Usage::

    python3 bench/tensorboard_import.py [--points 1000000] [--tags 10] [--repeat 3]
        [--output bench/.work/tensorboard_import.md]

One log directory is written once with TensorBoard's ``EventFileWriter``: ``--tags``
scalar tags, one event per step holding a value of every tag (``points / tags`` steps,
legacy ``simple_value`` summaries as torch's ``add_scalar`` writes them). Then, each a
fresh process, timed from start to exit, medians of ``--repeat``, round-robin:

Every case reads with TensorBoard's pure-Python record reader (its ``notf`` switch, as
``runyard import`` sets it): with TensorFlow installed TensorBoard would import it first.

- ``reader``: ``EventFileLoader(path).Load()`` over every event (the read-time
  ``data_compat`` conversion of every legacy scalar to a tensor included), touching
  each value;
- ``raw``: ``LegacyEventFileLoader`` (the records as written, no conversion), touching
  each ``simple_value``: what ``runyard import`` reads with, the least any importer
  built on TensorBoard's reader pays;
- ``accumulator``: TensorBoard's ``EventAccumulator`` with no sampling (``scalars: 0``),
  ``Reload()`` then ``Scalars(tag)`` for every tag: what TensorBoard itself does;
- ``runyard import``: ``runyard import tensorboard DIR`` into a fresh embedded store
  (reading, converting and writing the history), then the same command again (an
  unchanged directory: left alone).

The markdown section is printed and written to ``--output``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python")

WRITE = """
import sys
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter
logdir, points, tags = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
w = EventFileWriter(logdir, max_queue_size=10000)
names = [f"metric_{i}" for i in range(tags)]
for step in range(points // tags):
    values = [summary_pb2.Summary.Value(tag=n, simple_value=step * 0.001 + i) for i, n in enumerate(names)]
    w.add_event(event_pb2.Event(wall_time=1.7e9 + step, step=step, summary=summary_pb2.Summary(value=values)))
w.close()
"""

# As `runyard import` does: TensorBoard's pure-Python reader, not TensorFlow's (whose
# import alone takes longer than reading most log directories).
NO_TF = "import sys, types; sys.modules['tensorboard.compat.notf'] = types.ModuleType('notf')\n"

READER = (
    NO_TF
    + """
import sys, glob
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
total = 0
for path in sorted(glob.glob(sys.argv[1] + "/*tfevents*")):
    for event in EventFileLoader(path).Load():
        for value in event.summary.value:
            total += 1 if value.tensor.float_val[0] == value.tensor.float_val[0] else 0
print(total)
"""
)

RAW = (
    NO_TF
    + """
import sys, glob
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
total = 0
for path in sorted(glob.glob(sys.argv[1] + "/*tfevents*")):
    for event in LegacyEventFileLoader(path).Load():
        for value in event.summary.value:
            total += 1 if value.simple_value == value.simple_value else 0
print(total)
"""
)

ACCUMULATOR = (
    NO_TF
    + """
import sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
acc.Reload()
print(sum(len(acc.Scalars(t)) for t in acc.Tags()["scalars"]))
"""
)


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed:\n{result.stderr[-3000:]}")
    return elapsed, result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--tags", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", default=str(ROOT / "bench" / ".work" / "tensorboard_import.md"))
    args = parser.parse_args()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    base["RUNYARD_SILENT"] = "true"
    with tempfile.TemporaryDirectory() as tmp:
        logdir = Path(tmp) / "logs" / "train"
        write_s, _ = timed(
            [PYTHON, "-c", WRITE, str(logdir), str(args.points), str(args.tags)], base
        )
        size = sum(f.stat().st_size for f in logdir.iterdir())
        times: dict[str, list[float]] = {
            "reader": [],
            "raw": [],
            "accumulator": [],
            "import": [],
            "again": [],
        }
        for n in range(args.repeat):
            elapsed, out = timed([PYTHON, "-c", READER, str(logdir)], base)
            assert int(out) == args.points, out
            times["reader"].append(elapsed)
            elapsed, out = timed([PYTHON, "-c", RAW, str(logdir)], base)
            assert int(out) == args.points, out
            times["raw"].append(elapsed)
            elapsed, out = timed([PYTHON, "-c", ACCUMULATOR, str(logdir)], base)
            assert int(out) == args.points, out
            times["accumulator"].append(elapsed)
            env = {**base, "RUNYARD_DIR": str(Path(tmp) / f"ry{n}")}
            cli = [PYTHON, "-m", "runyard", "import", "tensorboard", str(logdir), "--quiet"]
            elapsed, out = timed(cli, env)
            assert f"({args.points} points)" in out, out
            times["import"].append(elapsed)
            elapsed, out = timed(cli, env)
            assert "1 already imported and unchanged" in out, out
            times["again"].append(elapsed)
    med = {k: statistics.median(v) for k, v in times.items()}
    lines = [
        "## TensorBoard import (issue 19)",
        "",
        f"{args.points:,} scalar points ({args.tags} tags × {args.points // args.tags:,} steps, "
        f"one event per step, {size / 1e6:.1f} MB of event files, written in {write_s:.1f} s). "
        f"Each a fresh process, wall time from start to exit, median of {args.repeat}; "
        f"{os.cpu_count()} cores shared with other work.",
        "",
        "| what | seconds | points/s | vs reader |",
        "|---|---:|---:|---:|",
    ]
    rows = [
        ("TensorBoard `EventFileLoader` alone (read every value)", "reader"),
        ("TensorBoard `LegacyEventFileLoader` alone (raw events, no data_compat)", "raw"),
        ("TensorBoard `EventAccumulator` (no sampling, every tag)", "accumulator"),
        ("`runyard import tensorboard` (read, convert, write the run)", "import"),
        ("`runyard import tensorboard` again (unchanged: left alone)", "again"),
    ]
    for label, key in rows:
        rate = f"{args.points / med[key]:,.0f}" if key != "again" else "–"
        lines.append(f"| {label} | {med[key]:.1f} | {rate} | {med[key] / med['reader']:.2f}× |")
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
