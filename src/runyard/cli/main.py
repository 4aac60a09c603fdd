"""The ``runyard`` command: ``demo`` and ``db upgrade``.

``ui``, ``server`` and ``sync`` arrive with their issues.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="runyard", description="Runyard experiment tracker")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="log a small demo project and print where it is")
    demo.add_argument("--project", default="demo")
    demo.add_argument("--runs", type=int, default=4)
    demo.add_argument("--steps", type=int, default=200)

    db = commands.add_parser("db", help="manage the SQL store's schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="migrate the store to this version's schema")
    upgrade.add_argument("--store", help="store URI (default: the embedded store)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from runyard.cli.demo import run_demo

        return run_demo(args.project, args.runs, args.steps)
    if args.command == "db":
        from runyard.cli.db import upgrade

        return upgrade(args.store)
    return 2  # argparse rejects unknown commands before this


if __name__ == "__main__":
    sys.exit(main())
