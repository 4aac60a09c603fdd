"""Blob keys: one injective, file-system- and S3-safe spelling of every run's files."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runyard.blobs.keys import (
    MAX_PART,
    check_file_name,
    escape_name,
    file_key,
    legacy_run_prefix,
    run_prefix,
    split_run_key,
    tensor_name,
    unescape_name,
)
from runyard.entities import RunRef

names = st.text(min_size=1, max_size=140)


@given(names)
def test_every_name_is_spelled_safely_and_decodes_back(name: str) -> None:
    spelled = escape_name(name)
    assert spelled.isascii() and spelled.isprintable()
    assert "/" not in spelled and "\\" not in spelled
    assert not spelled.startswith(".") and not spelled.endswith(".")
    assert spelled not in (".", "..") and len(spelled) <= MAX_PART
    assert spelled.split(".")[0] not in ("con", "nul", "aux", "prn", "com1", "lpt1")
    if "~" not in spelled:
        assert unescape_name(spelled) == name


@given(names, names)
def test_different_names_differ_even_ignoring_case(a: str, b: str) -> None:
    if a != b:
        assert escape_name(a).casefold() != escape_name(b).casefold()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("alice", "alice."),
        ("a b", "a_b"),
        ("эксперимент", "тест"),
        ("MNIST", "mnist"),
        ("A", "%41"),
        ("..", "%2E%2E"),
        (".x", "x"),
        ("\u00e9", "e\u0301"),  # composed and decomposed: one on a normalising file system
        ("x" * 300, "x" * 301),
        ("y" * 150 + "a" * 100, "y" * 150 + "b" * 100),
    ],
)
def test_names_the_old_prefix_or_a_file_system_merged_stay_apart(a: str, b: str) -> None:
    assert escape_name(a).casefold() != escape_name(b).casefold()
    refs = RunRef(a, a, a), RunRef(b, b, b)
    assert run_prefix(refs[0]).casefold() != run_prefix(refs[1]).casefold()


def test_the_old_prefix_was_not_injective() -> None:
    """What the migration has to deal with (see test_legacy.py)."""
    assert legacy_run_prefix(RunRef("alice.", "p", "r")) == legacy_run_prefix(
        RunRef("alice", "p", "r")
    )
    assert legacy_run_prefix(RunRef("e", "тест", "r")) == legacy_run_prefix(
        RunRef("e", "эксперимент", "r")
    )


def test_common_names_keep_their_old_spelling() -> None:
    """Most stores need no migration: lower-case ids, projects and user names."""
    ref = RunRef("alice", "my-project_2.0", "a1b2c3d4")
    assert run_prefix(ref) == legacy_run_prefix(ref) == "alice/my-project_2.0/a1b2c3d4"


@given(names, names, names, st.text(alphabet="abc/._-%", min_size=1, max_size=20))
def test_keys_split_back_into_the_run_and_the_file(e: str, p: str, r: str, name: str) -> None:
    ref = RunRef(e, p, r)
    try:
        key = file_key(ref, name)
    except ValueError:
        return  # a refused file name
    assert key.startswith(run_prefix(ref) + "/") and run_prefix(ref).count("/") == 2
    if "~" not in run_prefix(ref):
        assert split_run_key(key) == (ref, name)


@pytest.mark.parametrize("part", ["%61lice", "%2e", "a%2", "Alice", "a~b", "", "a/b", ".x"])
def test_spellings_escape_name_never_writes_are_not_decoded(part: str) -> None:
    with pytest.raises(ValueError, match="blob key part"):
        unescape_name(part)


@pytest.mark.parametrize(
    "name",
    ["", "/etc/passwd", "..", "a/../b", "a/./b", "a//b", "a\\b", "a\0b", "x" * 256, "a/" * 600],
)
def test_file_names_that_could_leave_the_run_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="invalid file name"):
        file_key(RunRef("e", "p", "r"), name)


@pytest.mark.parametrize("name", ["model.txt", "%2e%2e", "...", "a b/ü.bin", ".hidden", "x" * 255])
def test_other_file_names_stay_literal(name: str) -> None:
    assert check_file_name(name) == name
    assert file_key(RunRef("e", "p", "r"), name) == f"e/p/r/{name}"


def test_tensor_names_of_different_summary_paths_differ() -> None:
    paths = [("a", "b"), ("a.b",), ("a b",), ("a_b",), ("A",), ("a",), ("x" * 300,), ("x" * 301,)]
    spelled = [tensor_name(p) for p in paths]
    assert len({s.casefold() for s in spelled}) == len(paths)
    assert all(check_file_name(s) == s and s.startswith("summary/") for s in spelled)
