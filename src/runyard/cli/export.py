"""``runyard export ENTITY/PROJECT``: a project's runs table and histories as files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    export = commands.add_parser(
        "export",
        help="write a project's runs table and histories to Parquet or CSV",
        description="Write runs.<format> (one row per run, config.* and summary.* "
        "columns) and history.<format> (long: run_id, step, key, value, value_json; or "
        "wide: a column per key) of the project's runs.",
    )
    export.add_argument("path", help="ENTITY/PROJECT (or PROJECT in the default entity)")
    export.add_argument(
        "--format", choices=("parquet", "csv"), default="parquet", help="file format"
    )
    export.add_argument(
        "--filters",
        help="a JSON object of MongoDB-style run filters, as Api().runs(filters=…) "
        "takes (default: every run)",
    )
    export.add_argument(
        "--history", choices=("long", "wide", "none"), default="long", help="history shape"
    )
    export.add_argument("-o", "--output", default=".", help="directory to write the files into")
    export.add_argument(
        "--store", help="store URI (default: RUNYARD_STORE, else the embedded store)"
    )


def run(args: argparse.Namespace) -> int:
    from runyard.export.project import export_project
    from runyard.public_api.api import Api

    filters = None
    if args.filters:
        try:
            filters = json.loads(args.filters)
        except json.JSONDecodeError as exc:
            print(
                f"runyard export: --filters is not JSON ({exc}): {args.filters!r}", file=sys.stderr
            )
            return 2
        if not isinstance(filters, dict):
            print(
                f"runyard export: --filters must be a JSON object, got {args.filters!r}",
                file=sys.stderr,
            )
            return 2
    api = Api(store=args.store)
    try:
        result = export_project(
            api,
            args.path,
            Path(args.output),
            args.format,
            filters,
            args.history,
            progress=lambda line: print(line, file=sys.stderr),
        )
    except ValueError as exc:
        print(f"runyard export: {exc}", file=sys.stderr)
        return 2
    names = ", ".join(str(p) for p in result.files)
    print(f"exported {result.runs} runs and {result.points} history points: {names}")
    return 0
