"""Frameworks bench (issue 15): a tiny Transformers ``Trainer`` run and a tiny Lightning
``fit``, timed with Runyard through the ``wandb`` shim, with the real wandb offline, and
with no tracker.

Usage::

    python3 bench/frameworks.py [--repeat 3] [--output bench/.work/frameworks.md]

The training scripts are the same in the three cases (fixed seeds, CPU, one torch thread,
a tiny model built from a config, random data): Transformers with ``report_to="wandb"``
and Lightning with a ``WandbLogger``, or ``report_to="none"`` / ``logger=False`` without
a tracker. Which ``wandb`` they import is the only difference:

- ``runyard``: a throwaway venv (``python -m venv --without-pip``) whose ``.pth`` puts
  Runyard's sources and the project venv's site-packages behind its own site-packages,
  where ``runyard wandb-shim install`` puts the shim (as ``tests/compat/venv.py``);
  runs are stored in a fresh ``RUNYARD_DIR`` (embedded SQLite);
- ``wandb``: a throwaway venv whose ``.pth`` puts a directory holding only the real wandb
  0.31.0 of ``bench/.venv-peers`` (symlinked) first, the project venv's site-packages
  (torch, Transformers, Lightning) next, and the peers' site-packages last (wandb's own
  dependencies the project does not have); ``WANDB_MODE=offline`` in a fresh ``WANDB_DIR``;
- ``none``: the project venv's interpreter, no tracker.

Each measurement is a fresh process; the table shows medians of ``--repeat`` runs of
the process's wall time (start to exit: imports, tracker start, training, finish) and of
the training itself (building the Trainer / Lightning ``Trainer`` to the end of
``train()`` / ``fit()`` and the tracker's finish). Cases run round-robin so load from
elsewhere on the machine spreads over all of them. The markdown section is printed and
written to ``--output``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
PROJECT_PYTHON = REPO_DIR / ".venv" / "bin" / "python"
PEERS_PYTHON = BENCH_DIR / ".venv-peers" / "bin" / "python"
WORK_DIR = BENCH_DIR / ".work" / "frameworks"

FRAMEWORKS = ("transformers", "lightning")
TRACKERS = ("runyard", "wandb", "none")
TRANSFORMERS_STEPS = 200
LIGHTNING_STEPS = 300

# --------------------------------------------------------------------------------------
# The training scripts (run as ``frameworks.py --child <framework> <tracked>``)
# --------------------------------------------------------------------------------------


def train_transformers(tracked: bool) -> float:
    import torch
    from transformers import BertConfig, BertForSequenceClassification, Trainer, TrainingArguments

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=128,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=32,
        num_labels=2,
    )
    model = BertForSequenceClassification(config)
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, 128, (1600, 16), generator=generator)
    labels = (ids[:, 0] % 2).tolist()
    data = [
        {"input_ids": row, "attention_mask": torch.ones(16, dtype=torch.long), "labels": label}
        for row, label in zip(ids, labels, strict=True)
    ]
    start = time.perf_counter()
    args = TrainingArguments(
        output_dir="out",
        max_steps=TRANSFORMERS_STEPS,
        per_device_train_batch_size=8,
        learning_rate=1e-3,
        logging_steps=10,
        save_strategy="no",
        report_to="wandb" if tracked else "none",
        run_name="bench-transformers",
        use_cpu=True,
        seed=0,
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    Trainer(model=model, args=args, train_dataset=data).train()
    if tracked:
        import wandb

        wandb.finish()
    return time.perf_counter() - start


def train_lightning(tracked: bool) -> float:
    import lightning as L
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    class Regressor(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1)
            )

        def training_step(self, batch: Any, batch_idx: int) -> Any:
            x, y = batch
            loss = torch.nn.functional.mse_loss(self.net(x), y)
            self.log("train_loss", loss)
            return loss

        def configure_optimizers(self) -> Any:
            return torch.optim.SGD(self.parameters(), lr=0.01)

    L.seed_everything(0, verbose=False)
    x = torch.randn(2400, 16)
    y = x.sum(dim=1, keepdim=True)
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True)
    start = time.perf_counter()
    logger: Any = False
    if tracked:
        from lightning.pytorch.loggers import WandbLogger

        logger = WandbLogger(project="bench-lightning")
    trainer = L.Trainer(
        max_steps=LIGHTNING_STEPS,
        accelerator="cpu",
        devices=1,
        logger=logger,
        log_every_n_steps=10,
        enable_progress_bar=False,
        enable_checkpointing=False,
        enable_model_summary=False,
    )
    trainer.fit(Regressor(), loader)
    if tracked:
        import wandb

        wandb.finish()
    return time.perf_counter() - start


def child(framework: str, tracked: bool) -> None:
    launched = float(os.environ["BENCH_LAUNCHED"])  # the driver's time.time() at launch
    started = time.time() - launched
    train = train_transformers if framework == "transformers" else train_lightning
    seconds = train(tracked)
    done = time.time() - launched
    print("BENCH " + json.dumps({"start_s": started, "train_s": seconds, "done_s": done}))


# --------------------------------------------------------------------------------------
# The environments
# --------------------------------------------------------------------------------------


def _purelib(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


def _make_venv(root: Path, paths: list[Path]) -> Path:
    """A venv without pip whose ``.pth`` adds ``paths`` behind its own site-packages."""
    venv.EnvBuilder(with_pip=False, symlinks=True, clear=True).create(root)
    python = root / "bin" / "python"
    (_purelib(python) / "bench-paths.pth").write_text("".join(f"{p}\n" for p in paths))
    return python


def project_site() -> Path:
    return _purelib(PROJECT_PYTHON)


def runyard_venv(root: Path) -> Path:
    python = _make_venv(root, [REPO_DIR / "src", project_site()])
    subprocess.run([str(python), "-m", "runyard", "wandb-shim", "install"], check=True)
    return python


def wandb_venv(root: Path) -> Path:
    peers = _purelib(PEERS_PYTHON)
    only_wandb = root.parent / "real-wandb"
    shutil.rmtree(only_wandb, ignore_errors=True)
    only_wandb.mkdir(parents=True)
    for entry in peers.iterdir():
        if entry.name == "wandb" or entry.name.startswith("wandb-"):
            (only_wandb / entry.name).symlink_to(entry)
    return _make_venv(root, [only_wandb, project_site(), peers])


def version_of(python: Path, distribution: str) -> str:
    out = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({distribution!r}))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip() or "not installed"


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------


def measure(python: Path, framework: str, tracker: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(dir=WORK_DIR) as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "RUNYARD_"))}
        env.pop("PYTHONPATH", None)
        env.update(
            OMP_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
            TOKENIZERS_PARALLELISM="false",
            RUNYARD_DIR=str(Path(tmp) / "runyard"),
            WANDB_DIR=tmp,
            WANDB_MODE="offline",
            WANDB_PROJECT="bench-transformers",
        )
        command = [str(python), str(Path(__file__).resolve()), "--child", framework]
        command.append("tracked" if tracker != "none" else "none")
        env["BENCH_LAUNCHED"] = repr(time.time())
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, cwd=tmp, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode != 0:
        raise RuntimeError(
            f"{framework}/{tracker} failed ({done.returncode}):\n{done.stderr[-4000:]}"
        )
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("BENCH "))
    return {"wall_s": wall, "cpu_s": cpu, **json.loads(line[len("BENCH ") :])}


def machine() -> str:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return (
        f"{cpu}, {os.cpu_count()} cores (shared with other jobs), "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def report(results: dict[tuple[str, str], list[dict[str, float]]], versions: str) -> str:
    lines = [
        f"## Frameworks: tiny Transformers and Lightning trainings ({dt.date.today()})",
        "",
        f"Machine: {machine()}. {versions}.",
        f"Transformers: `Trainer`, a 2-layer BERT (hidden 32) from a config, "
        f"{TRANSFORMERS_STEPS} steps of batch 8, logging every 10 steps. "
        f"Lightning: `fit` of a 2-layer MLP, {LIGHTNING_STEPS} steps of batch 8, "
        "`self.log` every step, logged every 10. CPU, one torch thread, fixed seeds.",
        "Wall = the whole fresh process; CPU = its user + system time (with its waited-for "
        "children); setup = imports (torch, the framework, wandb through it), model and data; "
        "train = Trainer built → training done and the tracker finished; exit = interpreter "
        "shutdown (atexit hooks, threads). Medians of "
        f"{len(next(iter(results.values())))} fresh processes per cell "
        "(`python3 bench/frameworks.py`).",
        "",
        "| framework | tracker | wall (s) | CPU (s) | setup (s) | train (s) | train − no tracker "
        "| exit (s) | runs: wall (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    names = {
        "runyard": "Runyard (wandb shim)",
        "wandb": "wandb 0.31.0 offline",
        "none": "no tracker",
    }

    def median(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    for framework in FRAMEWORKS:
        base = median(results[(framework, "none")], "train_s")
        for tracker in TRACKERS:
            runs = [
                {
                    **r,
                    "setup_s": r["done_s"] - r["start_s"] - r["train_s"],
                    "exit_s": r["wall_s"] - r["done_s"],
                }
                for r in results[(framework, tracker)]
            ]
            train = median(runs, "train_s")
            extra = "—" if tracker == "none" else f"{train - base:+.2f}"
            cells = [median(runs, k) for k in ("wall_s", "cpu_s", "setup_s", "train_s")]
            each = ", ".join(f"{r['wall_s']:.1f}" for r in runs)
            lines.append(
                f"| {framework} | {names[tracker]} | "
                + " | ".join(f"{c:.2f}" for c in cells)
                + f" | {extra} | {median(runs, 'exit_s'):.2f} | {each} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, default=WORK_DIR.parent / "frameworks.md")
    parser.add_argument(
        "--child", nargs=2, metavar=("FRAMEWORK", "TRACKED"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1] == "tracked")
        return
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    pythons = {
        "runyard": runyard_venv(WORK_DIR / "venv-runyard"),
        "wandb": wandb_venv(WORK_DIR / "venv-wandb"),
        "none": PROJECT_PYTHON,
    }
    versions = (
        f"torch {version_of(PROJECT_PYTHON, 'torch')}, "
        f"transformers {version_of(PROJECT_PYTHON, 'transformers')}, "
        f"lightning {version_of(PROJECT_PYTHON, 'lightning')}, "
        f"wandb {version_of(pythons['wandb'], 'wandb')}, "
        f"shim {version_of(pythons['runyard'], 'wandb')}"
    )
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    for round_ in range(args.repeat):
        for framework in FRAMEWORKS:
            for tracker in TRACKERS:
                result = measure(pythons[tracker], framework, tracker)
                results.setdefault((framework, tracker), []).append(result)
                print(
                    f"[{round_ + 1}/{args.repeat}] {framework} {tracker}: {result}", file=sys.stderr
                )
    text = report(results, versions)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
