"""The ``runyard`` command's parser (issue 13, "Names and messages"): every option of
every command has help text, and its help shows its default."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from runyard.cli.main import _parser


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser of the command tree, with the words that reach it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _commands(child, (*path, name))


COMMANDS = dict(_commands(_parser()))


def _options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [
        a
        for a in parser._actions
        if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))
    ]


def _in_required_group(parser: argparse.ArgumentParser, action: argparse.Action) -> bool:
    return any(g.required and action in g._group_actions for g in parser._mutually_exclusive_groups)


def test_the_walk_sees_every_command() -> None:
    assert {("demo",), ("ui",), ("server",), ("sync",), ("login",), ("db", "upgrade")} <= set(
        COMMANDS
    )
    assert ("admin", "create-key") in COMMANDS


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_every_option_has_help_and_shows_its_default(path: tuple[str, ...]) -> None:
    parser = COMMANDS[path]
    shown = " ".join(parser.format_help().split())  # one line: wrapping splits words
    for action in _options(parser):
        name = "/".join(action.option_strings) or action.dest
        assert action.help and action.help.strip(), f"runyard {' '.join(path)} {name}: no help"
        if action.required or _in_required_group(parser, action):
            continue
        default = action.default
        if default is None or default == []:
            # Unset: the help says in words what happens without it.
            assert "default" in action.help, f"runyard {' '.join(path)} {name}: no default"
        elif default is not False:  # flags are off unless given
            assert f"(default: {default})" in shown, f"runyard {' '.join(path)} {name}"


def test_a_default_is_shown_as_the_user_reads_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["demo", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--runs RUNS how many runs to log (default: 4)" in out
    assert "--project PROJECT project to log the runs into (default: demo)" in out
