"""``runyard import tensorboard|mlflow|wandb|export …``: runs logged by other tools (or
exported by ``runyard export``) into a store."""

from __future__ import annotations

import argparse
import sys
import types
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    command = commands.add_parser(
        "import",
        help="import runs logged by TensorBoard (or MLflow) into a store",
        description="Import runs logged by other tools. Importing twice adds nothing; "
        "what could not be imported is reported with the reason.",
    )
    sources = command.add_subparsers(dest="source", required=True)
    tb = sources.add_parser(
        "tensorboard",
        help="TensorBoard event files: one run per log directory",
        description="Import TensorBoard event files (scalars, histograms, images, text, "
        "hparams) written by torch.utils.tensorboard, tensorboardX or TensorFlow: one run "
        "per directory holding event files, found recursively under each DIR.",
    )
    tb.add_argument("dirs", nargs="+", metavar="DIR", help="log directories to search")
    tb.add_argument("--project", default="tensorboard", help="project to import the runs into")
    _target_options(tb)

    ml = sources.add_parser(
        "mlflow",
        help="MLflow runs, through MLflow's client",
        description="Import MLflow runs (params, metrics with steps and timestamps, tags, "
        "status, times, artifacts) from any tracking URI MLflow reads: a file store, a "
        "database or a tracking server. Needs mlflow (or mlflow-skinny).",
    )
    ml.add_argument("--tracking-uri", required=True, help="MLflow tracking URI")
    ml.add_argument(
        "--experiment",
        action="append",
        default=[],
        metavar="NAME_OR_ID",
        help="import this experiment (repeatable; default: every active experiment)",
    )
    ml.add_argument("--project", help="project to import into (default: the experiment's name)")
    _target_options(ml)

    wb = sources.add_parser(
        "wandb",
        help="W&B runs, through wandb's public API",
        description="Import the runs of a W&B project (config, summary, full history, "
        "files) through wandb.Api, from W&B's cloud or any server wandb talks to. Run ids "
        "are kept; a second import adds only what is new. Needs wandb (pip install wandb).",
    )
    wb.add_argument("path", metavar="ENTITY/PROJECT", help="the W&B project to import")
    wb.add_argument("--base-url", help="W&B server (default: WANDB_BASE_URL, else the cloud)")
    wb.add_argument("--api-key", help="W&B API key (default: WANDB_API_KEY or ~/.netrc)")
    wb.add_argument("--to-project", help="project to import into (default: the W&B one)")
    wb.add_argument("--runs", help="only these W&B run ids, comma-separated (default: every run)")
    _target_options(wb)

    ex = sources.add_parser(
        "export",
        help="runs exported by `runyard export` (Parquet or CSV)",
        description="Rebuild the runs of a `runyard export` directory (its export.json, runs "
        "and history tables) under their ids: fields, config, summary and every history "
        "point. An export carries no files: media values keep their references only.",
    )
    ex.add_argument("dir", metavar="DIR", help="the directory `runyard export -o` wrote")
    ex.add_argument("--to-project", help="project to import into (default: the exported one)")
    _target_options(ex)


def _target_options(parser: argparse.ArgumentParser) -> None:
    """The options every source shares: where the runs go, and how much is said."""
    parser.add_argument("--entity", help="entity to import into (default: your default entity)")
    parser.add_argument(
        "--store", help="store URI (default: RUNYARD_STORE, else the embedded store)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def _tensorboard_without_tensorflow() -> None:
    """TensorBoard's event reader imports TensorFlow when it is installed, only for its
    C++ record reader: that import alone takes seconds (tens of seconds on a loaded
    machine), more than reading most log directories. TensorBoard's own pure-Python
    reader (what it uses without TensorFlow) reads the same files, so a process that
    has not imported TensorFlow uses that one (TensorBoard's ``notf`` switch)."""
    if "tensorflow" not in sys.modules:
        sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("notf"))


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from runyard.public_api.api import Api

    api = Api(store=args.store)
    entity = args.entity or api.settings.entity
    progress = None if args.quiet else _say
    if args.source == "tensorboard":
        from runyard.importers.tensorboard import import_tensorboard

        _tensorboard_without_tensorflow()
        try:
            report = import_tensorboard(
                api.store, api.blobs, [Path(d) for d in args.dirs], entity, args.project, progress
            )
        except (FileNotFoundError, ImportError) as exc:
            print(f"runyard import: {exc}", file=sys.stderr)
            return 2
    elif args.source == "export":
        from runyard.importers.export import import_export, source_project

        folder = Path(args.dir)
        try:
            project = args.to_project or source_project(folder)
            report = import_export(folder, api.store, entity, project, progress)
        except (ValueError, OSError, ImportError) as exc:
            print(f"runyard import: {exc}", file=sys.stderr)
            return 2
    elif args.source == "wandb":
        from runyard.importers.wandb import import_wandb

        try:
            report = import_wandb(
                api.store,
                api.blobs,
                args.path,
                entity,
                args.to_project,
                [r for r in (args.runs or "").split(",") if r],
                args.base_url,
                args.api_key,
                progress,
            )
        except (ValueError, ImportError) as exc:
            print(f"runyard import: {exc}", file=sys.stderr)
            return 2
    else:
        from runyard.importers.mlflow import import_mlflow

        try:
            report = import_mlflow(
                api.store,
                api.blobs,
                args.tracking_uri,
                entity,
                args.experiment,
                args.project,
                progress,
            )
        except (ValueError, ImportError) as exc:
            print(f"runyard import: {exc}", file=sys.stderr)
            return 2
    for line in report.lines():
        print(line)
    return 0
