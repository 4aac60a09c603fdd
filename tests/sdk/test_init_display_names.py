"""Generated run names at ``init`` (issue 13, "Names and messages"): a run without
``name=`` is ``<adjective>-<noun>-<N>``, N its number in the project, unique there;
``run.name`` and ``runyard.Api().run(p).name`` agree, on the embedded SQLite store,
PostgreSQL and through a real server."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

import runyard
from runyard.cli.sync import sync
from runyard.names import ADJECTIVES, NOUNS

GENERATED = re.compile(r"^([a-z]+)-([a-z]+)-(\d+)$")


def _parts(name: str | None) -> tuple[str, str, int]:
    match = GENERATED.match(name or "")
    assert match, name
    assert match[1] in ADJECTIVES and match[2] in NOUNS, name
    return match[1], match[2], int(match[3])


def test_runs_without_a_name_get_numbered_names(backend: str) -> None:
    names = []
    for _ in range(3):
        run = runyard.init(project="p")
        if backend == "sqlite":
            at_init = run.name  # the embedded store is counted at init: final at once
            _parts(at_init)
        run.log({"x": 1})
        run.finish()
        if backend == "sqlite":
            assert run.name == at_init
        names.append(run.name)
        stored = runyard.Api().run(run.path).name
        assert stored == run.name, backend
    assert [_parts(n)[2] for n in names] == [1, 2, 3]
    named = runyard.init(project="p", name="mine")
    named.finish()
    assert runyard.Api().run(named.path).name == "mine"
    # The runs list, as the web app's runs table and legends read it, shows them too.
    listed = {r.id: r.name for r in runyard.Api().runs("tester/p")}
    assert sorted(listed.values()) == sorted([*names, "mine"])


def test_a_rename_right_after_init_wins_over_the_stored_name(backend: str) -> None:
    run = runyard.init(project="p")
    run.name = "renamed"
    run.finish()
    assert run.name == "renamed"
    assert runyard.Api().run(run.path).name == "renamed"


def test_concurrent_runs_get_distinct_names(ry_dir: Path) -> None:
    """Two runs of one process count the same N at init; their names still differ."""
    first = runyard.init(project="p", reinit="create_new")
    second = runyard.init(project="p", reinit="create_new")
    first.finish()
    second.finish()
    stored = {r.name for r in runyard.Api().runs("tester/p")}
    assert len(stored) == 2
    assert {first.name, second.name} == stored


def test_a_seeded_random_module_does_not_repeat_names(ry_dir: Path) -> None:
    """Scripts seed `random` for reproducibility; names must not repeat across runs."""
    words = set()
    for _ in range(3):
        random.seed(0)
        run = runyard.init(project="p")
        run.finish()
        adjective, noun, _ = _parts(run.name)
        words.add((adjective, noun))
    assert len(words) > 1


def test_offline_runs_are_named_when_synced(ry_dir: Path) -> None:
    run = runyard.init(project="p", mode="offline")
    assert run.name is None  # as wandb offline: the store names it
    run.log({"x": 1})
    run.finish()
    assert sync() == 0
    _parts(runyard.Api().run(run.path).name)


def test_a_resumed_run_keeps_its_generated_name(ry_dir: Path) -> None:
    run = runyard.init(project="p", id="r1")
    run.finish()
    first = runyard.Api().run(run.path).name
    _parts(first)
    again = runyard.init(project="p", id="r1", resume="allow")
    assert again.name == first
    again.finish()
    assert runyard.Api().run(run.path).name == first


@pytest.mark.parametrize("setting", [{"run_name": "from-settings"}])
def test_wandb_run_name_setting_names_the_run(ry_dir: Path, setting: dict[str, str]) -> None:
    run = runyard.init(project="p", settings=setting)
    run.finish()
    assert runyard.Api().run(run.path).name == "from-settings"
