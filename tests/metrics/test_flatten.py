from __future__ import annotations

from collections import OrderedDict

import pytest

from runyard.metrics.flatten import (
    delete_path,
    flatten,
    get_path,
    key_of,
    nest,
    parse_name,
    set_path,
)


def test_flatten_flat_dict_gives_one_component_paths() -> None:
    assert flatten({"a": 1, "b": "x", "c": None}) == {("a",): 1, ("b",): "x", ("c",): None}


def test_flatten_returns_a_new_dict() -> None:
    d = {"a": 1}
    out = flatten(d)
    out[("b",)] = 2
    assert d == {"a": 1}


def test_flatten_nested_dicts_become_leaf_paths() -> None:
    d = {"train": {"loss": 0.5, "acc": {"top1": 0.9}}, "step": 3}
    assert flatten(d) == {
        ("train", "loss"): 0.5,
        ("train", "acc", "top1"): 0.9,
        ("step",): 3,
    }


def test_flatten_typed_and_empty_dicts_are_leaves() -> None:
    hist = {"_type": "histogram", "values": [1, 2], "bins": [0, 1, 2]}
    d = {"h": hist, "e": {}, "n": {"inner": {}, "img": {"_type": "image-file"}}}
    out = flatten(d)
    assert out == {
        ("h",): hist,
        ("e",): {},
        ("n", "inner"): {},
        ("n", "img"): {"_type": "image-file"},
    }
    assert out[("h",)] is hist


def test_flatten_treats_dict_subclasses_as_branches() -> None:
    assert flatten({"a": OrderedDict(b=1)}) == {("a", "b"): 1}


def test_flatten_keeps_dots_and_slashes_in_keys() -> None:
    assert flatten({"a.b": 1, "c/d": {"e.f": 2}}) == {("a.b",): 1, ("c/d", "e.f"): 2}


def test_key_of_joins_with_dots_so_dotted_components_share_a_key() -> None:
    assert key_of(("train", "loss")) == "train.loss"
    assert key_of(("a.b",)) == key_of(("a", "b")) == "a.b"


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("loss", ("loss",)),
        ("flat.key", ("flat", "key")),
        ("dotted\\.name", ("dotted.name",)),
        ("a\\.b.c", ("a.b", "c")),
        ("a.b\\.c\\.d", ("a", "b.c.d")),
        ("back\\slash", ("back\\slash",)),
        ("trailing\\", ("trailing\\",)),
        ("train/*", ("train/*",)),
    ],
)
def test_parse_name_splits_on_unescaped_dots(name: str, path: tuple[str, ...]) -> None:
    assert parse_name(name) == path


def test_nest_is_the_inverse_of_flatten() -> None:
    d = {"a": {"b": 1, "c": {"d": [1, 2]}}, "e": {}, "h": {"_type": "histogram"}}
    assert nest(flatten(d)) == d


def test_nest_later_item_wins_on_prefix_conflicts() -> None:
    assert nest({("a",): 1, ("a", "b"): 2}) == {"a": {"b": 2}}
    assert nest({("a", "b"): 2, ("a",): 1}) == {"a": 1}


def test_nest_never_writes_into_leaf_dict_values() -> None:
    leaf: dict[str, int] = {}
    assert nest({("a",): leaf, ("a", "b"): 2}) == {"a": {"b": 2}}
    assert leaf == {}


def test_nest_rejects_empty_paths() -> None:
    with pytest.raises(ValueError, match="empty path"):
        nest({(): 1})


def test_get_path() -> None:
    d = {"a": {"b": 1}, "c": 2}
    assert get_path(d, ("a", "b")) == 1
    assert get_path(d, ("a",)) == {"b": 1}
    assert get_path(d, ("a", "x")) is None
    assert get_path(d, ("c", "x"), default="missing") == "missing"


def test_set_path_creates_and_replaces_intermediates() -> None:
    d: dict[str, object] = {"a": 1}
    set_path(d, ("x", "y", "z"), 3)
    set_path(d, ("a", "b"), 2)
    assert d == {"a": {"b": 2}, "x": {"y": {"z": 3}}}
    with pytest.raises(ValueError, match="empty path"):
        set_path(d, (), 1)


def test_delete_path_removes_empty_parents_only() -> None:
    d = {"a": {"b": {"c": 1}, "keep": 2}, "z": 0}
    assert delete_path(d, ("a", "b", "c")) is True
    assert d == {"a": {"keep": 2}, "z": 0}
    assert delete_path(d, ("a", "keep")) is True
    assert d == {"z": 0}


def test_delete_path_reports_missing_paths() -> None:
    d = {"a": {"b": 1}, "c": 2}
    assert delete_path(d, ("a", "x")) is False
    assert delete_path(d, ("c", "x")) is False
    assert delete_path(d, ("nope",)) is False
    assert delete_path(d, ()) is False
    assert d == {"a": {"b": 1}, "c": 2}
