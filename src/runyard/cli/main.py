"""The ``runyard`` command: ``demo``, ``ui``, ``server``, ``login``, ``sync`` and ``db upgrade``."""

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

    ui = commands.add_parser("ui", help="serve the web app on the embedded store")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    ui.add_argument("--no-browser", action="store_true", help="do not open a browser")
    _add_allowed_host(ui)

    server = commands.add_parser("server", help="serve the API and web app on any store")
    server.add_argument("--host", default="127.0.0.1")
    server.add_argument("--port", type=int, default=8765)
    server.add_argument(
        "--store", help="tracking store URI (postgresql://…, sqlite:///…; env RUNYARD_STORE)"
    )
    server.add_argument("--blobs", help="blob store URI (s3://bucket/prefix, file:///…)")
    server.add_argument(
        "--s3-endpoint-url",
        help="S3-compatible endpoint for s3:// blobs (MinIO…; env RUNYARD_S3_ENDPOINT_URL)",
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
    login.add_argument("key", nargs="?", help="the API key ('-' reads it from stdin)")
    login.add_argument("--host", help="server URL (default: RUNYARD_BASE_URL or the last one)")
    login.add_argument("--relogin", action="store_true", help="replace a saved key")
    login.add_argument("--no-verify", action="store_true", help="save without asking the server")

    sync = commands.add_parser("sync", help="upload offline runs and leftover journals")
    sync.add_argument("paths", nargs="*", help="journal files or directories (default: all)")
    sync.add_argument("--store", help="target store URI (default: the server, else embedded)")
    sync.add_argument(
        "--include-synced", action="store_true", help="also check journals synced before"
    )
    sync.add_argument(
        "--clean", action="store_true", help="delete offline journals once they are stored"
    )
    sync.add_argument("--entity", help="store the runs in this entity instead")
    sync.add_argument("--project", help="store the runs in this project instead")

    from runyard.cli.admin import add_parser as add_admin_parser

    add_admin_parser(commands)

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
        "and the --host name are always served",
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
    if args.command == "db":
        from runyard.cli.db import upgrade

        return upgrade(args.store)
    return 2  # argparse rejects unknown commands before this


if __name__ == "__main__":
    sys.exit(main())
