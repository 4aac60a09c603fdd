"""``runyard admin …``: accounts of a team server's store, from the command line.

``bootstrap`` makes the first site admin (with their entity and an API key) on a
store that has no users yet; the other commands manage users, teams, members and
keys. Keys are printed once, alone on stdout (``KEY=$(runyard admin create-key
…)``); every other message goes to stderr. Passwords are read from stdin
(``--password-stdin``), never from the command line, where ``ps`` would show them.

Example:
    $ echo "$PASSWORD" | runyard admin bootstrap --store postgresql://db/runyard \\
        --username root --password-stdin
    ry_3f2a9c1b0d4e_…
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runyard.server.auth.accounts import Accounts

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``admin`` subcommand and its commands."""
    admin = commands.add_parser("admin", help="manage team-server users, teams and API keys")
    actions = admin.add_subparsers(dest="admin_command", required=True)

    def action(name: str, help: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help)
        parser.add_argument("--store", help="store URI (default: RUNYARD_STORE or embedded)")
        return parser

    boot = action("bootstrap", "create the first admin user and print an API key for them")
    boot.add_argument("--username", required=True, help="the admin's user name")
    boot.add_argument("--password-stdin", action="store_true", help="read a password")

    user = action("create-user", "create a user (and their entity)")
    user.add_argument("--username", required=True, help="the new user's name")
    user.add_argument("--password-stdin", action="store_true", help="read a password")
    user.add_argument("--admin", action="store_true", help="make a site admin")

    password = action("set-password", "set a user's password (read from stdin)")
    password.add_argument("--username", required=True, help="whose password")

    team = action("create-team", "create a team entity")
    team.add_argument("--name", required=True, help="the team's name")
    team.add_argument("--owner", help="a user who becomes the team's admin (default: none)")

    member = action("add-member", "add a user to a team (or change their role)")
    member.add_argument("--team", required=True, help="the team's name")
    member.add_argument("--username", required=True, help="the user to add")
    member.add_argument(
        "--role", choices=("member", "admin"), default="member", help="their role in the team"
    )

    key = action("create-key", "create an API key for a user and print it")
    key.add_argument("--username", required=True, help="whose key")
    key.add_argument("--name", help="a label to recognise the key by (default: none)")

    revoke = action("revoke-key", "revoke an API key by id or prefix")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", type=int, help="the key's id, as create-key printed it")
    which.add_argument("--prefix", help="the 12 characters after 'ry_'")


def _password(args: argparse.Namespace, required: bool = False) -> str | None:
    if not (required or getattr(args, "password_stdin", False)):
        return None
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise SystemExit("runyard: no password on stdin")
    return line


def _say(message: str) -> None:
    print(f"runyard: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Run one ``runyard admin`` command; 1 with a message for a refused operation."""
    from runyard.server.auth.accounts import AccountError, Accounts
    from runyard.settings import Settings

    uri = args.store or Settings.from_env().local_store_uri
    try:
        accounts = Accounts.open(uri)
    except AccountError as exc:
        _say(str(exc))
        return 1
    try:
        return _run(args, accounts)
    except AccountError as exc:
        _say(str(exc))
        return 1
    finally:
        accounts.close()


def _run(args: argparse.Namespace, accounts: Accounts) -> int:
    from runyard.server.auth.accounts import AccountError

    command = args.admin_command
    if command == "bootstrap":
        if accounts.count_users():
            raise AccountError("the store has users already; use `runyard admin create-user`")
        accounts.create_user(args.username, _password(args), admin=True)
        _, key = accounts.create_key(args.username, "bootstrap")
        _say(f"created site admin {args.username!r}; their API key (shown once) follows")
        print(key)
    elif command == "create-user":
        accounts.create_user(args.username, _password(args), admin=args.admin)
        _say(f"created user {args.username!r}" + (" (site admin)" if args.admin else ""))
    elif command == "set-password":
        accounts.set_password(args.username, _password(args, required=True) or "")
        _say(f"set the password of {args.username!r}")
    elif command == "create-team":
        accounts.create_team(args.name, args.owner)
        _say(f"created team {args.name!r}")
    elif command == "add-member":
        accounts.add_member(args.team, args.username, args.role)
        _say(f"{args.username!r} is a {args.role} of {args.team!r}")
    elif command == "create-key":
        record, key = accounts.create_key(args.username, args.name)
        _say(f"API key {record.id} (ry_{record.prefix}_…) for {args.username!r}, shown once:")
        print(key)
    elif command == "revoke-key":
        done = (
            accounts.revoke_key(args.id)
            if args.id is not None
            else accounts.revoke_key_by_prefix(args.prefix)
        )
        if not done:
            raise AccountError(f"no API key {args.id if args.id is not None else args.prefix!r}")
        _say("revoked")
    return 0
