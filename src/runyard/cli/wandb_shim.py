"""``runyard wandb-shim install | uninstall | status``: the ``wandb`` compatibility
distribution in the current environment (see :mod:`runyard.compat.shim`)."""

from __future__ import annotations

import argparse
import sys

from runyard.compat.shim import (
    ShimError,
    find_installed,
    install,
    site_dir,
    uninstall,
    wandb_version,
)

__all__ = ["add_parser", "run"]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    shim = commands.add_parser(
        "wandb-shim",
        help="install a 'wandb' package that logs to Runyard (for Lightning, Transformers …)",
        description="Manage the 'wandb' compatibility distribution in this interpreter's "
        "site-packages (a venv's when run from one): frameworks that import wandb or check "
        "its package metadata then log to Runyard unchanged.",
    )
    actions = shim.add_subparsers(dest="shim_command", required=True)
    add = actions.add_parser("install", help="install (or update) the shim")
    add.add_argument(
        "--force",
        action="store_true",
        help="replace a real wandb installed here (default: refuse and say so)",
    )
    remove = actions.add_parser("uninstall", help="remove exactly the files the shim installed")
    remove.add_argument(
        "--force",
        action="store_true",
        help="also remove a real wandb found here (default: leave it and say so)",
    )
    actions.add_parser(
        "status", help="say which wandb is installed here; exit 0 only when the shim is current"
    )


def run(args: argparse.Namespace) -> int:
    site = site_dir()
    try:
        if args.shim_command == "install":
            installed = install(site, force=args.force)
            print(f"installed wandb {installed.version} (Runyard's shim) in {site}")
            return 0
        if args.shim_command == "uninstall":
            removed = uninstall(site, force=args.force)
            if removed is None:
                print(f"no wandb installed in {site}; nothing to remove")
            else:
                print(f"removed wandb {removed.version} from {site}")
            return 0
    except ShimError as exc:
        print(f"runyard: error: {exc}", file=sys.stderr)
        return 1
    found = find_installed(site)
    if not found:
        print(f"no wandb installed in {site}")
        return 1
    current = wandb_version()
    for dist in found:
        if not dist.is_shim:
            print(f"a real wandb {dist.version} is installed in {site}")
        elif dist.version != current:
            print(
                f"Runyard's shim wandb {dist.version} is installed in {site}, made by another "
                f"Runyard version (this one makes {current}): run 'runyard wandb-shim install'"
            )
        else:
            print(f"Runyard's shim wandb {dist.version} is installed in {site}")
    return 0 if any(d.is_shim and d.version == current for d in found) else 1
