"""The ``runyard`` command: ``demo``, ``ui``, ``server``, ``login``, ``sync``, ``gc``,
``wandb-shim`` and ``db upgrade``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """argparse's "show the default" formatter, except for unset (None), off (False) and
    empty defaults: the help text of such an option says in words what it defaults to
    (``tests/cli/test_main.py`` checks that every option has help and its default)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False or action.default == []:
            return action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose help shows defaults; subcommands' parsers are of the
    same class (argparse makes them with ``type(parent)``), so they do too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def _parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = _Parser(
        prog="runyard", description="Runyard experiment tracker"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo",
        help="log a small demo project into the embedded store and say how to view it",
        description="Log a small demo project into the embedded store (RUNYARD_DIR) and "
        "say how to open it in the web app.",
    )
    demo.add_argument("--project", default="demo", help="project to log the runs into")
    demo.add_argument("--runs", type=int, default=4, help="how many runs to log")
    demo.add_argument("--steps", type=int, default=200, help="steps logged per run")

    ui = commands.add_parser(
        "ui",
        help="serve the web app on the embedded store",
        description="Serve the web app on this machine's store (RUNYARD_STORE, else the "
        "embedded store in RUNYARD_DIR); it says which store it serves and which offline "
        "runs are waiting to be synced into it.",
    )
    ui.add_argument("--host", default="127.0.0.1", help="address to listen on")
    ui.add_argument("--port", type=int, default=8765, help="port to listen on; 0 picks a free one")
    ui.add_argument("--no-browser", action="store_true", help="do not open a browser")
    _add_allowed_host(ui)

    server = commands.add_parser("server", help="serve the API and web app on any store")
    server.add_argument("--host", default="127.0.0.1", help="address to listen on")
    server.add_argument("--port", type=int, default=8765, help="port to listen on")
    server.add_argument(
        "--store",
        help="tracking store URI: postgresql://…, sqlite:///… "
        "(default: RUNYARD_STORE, else the embedded store in RUNYARD_DIR)",
    )
    server.add_argument(
        "--blobs",
        help="blob store URI: s3://bucket/prefix, file:///… "
        "(default: RUNYARD_BLOBS, else RUNYARD_DIR/blobs)",
    )
    server.add_argument(
        "--s3-endpoint-url",
        help="S3-compatible endpoint for s3:// blobs, e.g. MinIO "
        "(default: RUNYARD_S3_ENDPOINT_URL or AWS_ENDPOINT_URL_S3, else AWS)",
    )
    server.add_argument(
        "--no-presign",
        action="store_true",
        help="send files through the server instead of presigned bucket URLs "
        "(when clients cannot reach the S3 endpoint)",
    )
    server.add_argument(
        "--no-auth",
        action="store_true",
        help="serve without accounts: anyone who reaches the port may read and write",
    )
    server.add_argument(
        "--secure-cookies",
        action="store_true",
        help="mark the login cookie Secure (behind a TLS-terminating proxy)",
    )
    _add_allowed_host(server)

    login = commands.add_parser("login", help="save a server URL and API key for this user")
    login.add_argument(
        "key",
        nargs="?",
        help="the API key; '-' reads it from stdin (default: asked for at the terminal)",
    )
    login.add_argument(
        "--host", help="server URL (default: RUNYARD_BASE_URL, else the last one logged in to)"
    )
    login.add_argument("--relogin", action="store_true", help="replace a saved key")
    login.add_argument("--no-verify", action="store_true", help="save without asking the server")

    sync = commands.add_parser(
        "sync",
        help="upload offline runs and leftover journals",
        description="Upload offline runs (RUNYARD_DIR/offline) and journals runs left "
        "behind into a store.",
    )
    sync.add_argument(
        "paths",
        nargs="*",
        help="journal files or directories (default: every offline run and leftover journal)",
    )
    sync.add_argument(
        "--store",
        help="target store URI (default: the server logged in to, else the embedded store)",
    )
    sync.add_argument(
        "--include-synced", action="store_true", help="also check journals synced before"
    )
    sync.add_argument(
        "--clean", action="store_true", help="delete offline journals once they are stored"
    )
    sync.add_argument(
        "--entity", help="store the runs in this entity (default: the one they were logged to)"
    )
    sync.add_argument(
        "--project", help="store the runs in this project (default: the one they were logged to)"
    )

    from runyard.cli.admin import add_parser as add_admin_parser

    add_admin_parser(commands)

    gc = commands.add_parser(
        "gc",
        help="reclaim blob space no artifact version or run needs (dry run by default)",
        description="Find artifact files no version names, stale upload parts and (with "
        "--runs) files of deleted runs; delete them with --delete. Blobs written or "
        "announced within the grace period are kept (uploads in flight).",
    )
    gc.add_argument(
        "--store", help="SQL store URI (default: RUNYARD_STORE, else the embedded store)"
    )
    gc.add_argument(
        "--blobs", help="blob store URI (default: RUNYARD_BLOBS, else the embedded one)"
    )
    gc.add_argument(
        "--grace-hours", type=float, default=24.0, help="keep blobs newer than this many hours"
    )
    gc.add_argument("--delete", action="store_true", help="delete (default: only report)")
    gc.add_argument("--runs", action="store_true", help="also files of runs that no longer exist")
    gc.add_argument("--verbose", action="store_true", help="list every blob found")

    from runyard.cli.export import add_parser as add_export_parser

    add_export_parser(commands)

    from runyard.cli.imports import add_parser as add_import_parser

    add_import_parser(commands)

    from runyard.cli.wandb_shim import add_parser as add_wandb_shim_parser

    add_wandb_shim_parser(commands)

    db = commands.add_parser("db", help="manage the SQL store's schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    upgrade = db_commands.add_parser("upgrade", help="migrate the store to this version's schema")
    upgrade.add_argument(
        "--store", help="store URI (default: RUNYARD_STORE, else the embedded store)"
    )
    return parser


def _add_allowed_host(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this host name (a reverse proxy's public name; "
        "repeatable; '*' for any; env RUNYARD_ALLOWED_HOSTS). Loopback names, IP addresses "
        "and the --host name are always served (default: only those)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from runyard.cli.demo import run_demo

        return run_demo(args.project, args.runs, args.steps)
    if args.command == "ui":
        from runyard.cli.ui import serve

        return serve(
            args.host,
            args.port,
            open_browser=not args.no_browser,
            allowed_hosts=args.allowed_host,
        )
    if args.command == "server":
        from runyard.cli.ui import serve

        return serve(
            args.host,
            args.port,
            args.store,
            args.blobs,
            recover=False,
            team=True,
            s3_endpoint_url=args.s3_endpoint_url,
            presign=not args.no_presign,
            auth=not args.no_auth,
            secure_cookies=args.secure_cookies,
            allowed_hosts=args.allowed_host,
        )
    if args.command == "login":
        from runyard.cli.login import login

        return login(args.key, args.host, relogin=args.relogin, verify=not args.no_verify)
    if args.command == "sync":
        from runyard.cli.sync import sync

        return sync(
            args.paths,
            args.store,
            args.include_synced,
            args.clean,
            entity=args.entity,
            project=args.project,
        )
    if args.command == "admin":
        from runyard.cli.admin import run as run_admin

        return run_admin(args)
    if args.command == "gc":
        from runyard.cli.gc import gc

        return gc(
            args.store,
            args.blobs,
            grace_hours=args.grace_hours,
            delete=args.delete,
            runs=args.runs,
            verbose=args.verbose,
        )
    if args.command == "wandb-shim":
        from runyard.cli.wandb_shim import run as run_wandb_shim

        return run_wandb_shim(args)
    if args.command == "import":
        from runyard.cli.imports import run as run_import

        return run_import(args)
    if args.command == "export":
        from runyard.cli.export import run as run_export

        return run_export(args)
    if args.command == "db":
        from runyard.cli.db import upgrade

        return upgrade(args.store)
    return 2  # argparse rejects unknown commands before this


if __name__ == "__main__":
    sys.exit(main())
