"""Placeholder names of a spec, filling them as the web app does, and what a spec needs."""

from __future__ import annotations

from typing import Any

import pytest

from runyard.presets import Placeholders, check_spec, fill, placeholders

SPEC: dict[str, Any] = {
    "title": "${string:title} of ${field:y}",
    "data": {"name": "wandb"},
    "transform": [{"calculate": "datum['${field:y}'] * 2", "as": "${field:twice}"}],
    "encoding": {"x": {"field": "${field:x}", "title": "${string:x-axis-title}"}},
    "${field:keyed}": [1, None, 2.5, True],
}


def test_names_in_order_of_first_appearance_keys_included() -> None:
    assert placeholders(SPEC) == Placeholders(
        fields=["y", "twice", "x", "keyed"], strings=["title", "x-axis-title"]
    )
    assert placeholders({"a": "${nope:x} ${field:}"}) == Placeholders(fields=[""], strings=[])
    assert placeholders([]) == Placeholders()


def test_fill_replaces_every_placeholder_unset_ones_with_nothing() -> None:
    filled = fill(SPEC, {"x": "step", "y": "loss", "twice": None}, {"title": "Loss"})
    assert filled["title"] == "Loss of loss"
    assert filled["transform"] == [{"calculate": "datum['loss'] * 2", "as": ""}]
    assert filled["encoding"]["x"] == {"field": "step", "title": ""}
    assert filled[""] == [1, None, 2.5, True]
    assert SPEC["title"] == "${string:title} of ${field:y}"  # the input is not changed


def test_a_spec_draws_the_wandb_dataset() -> None:
    assert check_spec(SPEC) is SPEC
    vega = {"data": [{"name": "other"}, {"name": "wandb", "values": []}]}
    assert check_spec(vega) is vega


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ([], "spec must be a JSON object, got list"),
        ({"mark": "bar"}, 'spec must have a data entry named "wandb"'),
        ({"data": {"name": "table"}}, "got data={'name': 'table'}"),
        ({"data": [{"values": [1]}]}, "got data=[{'values': [1]}]"),
        ({"data": "wandb"}, "got data='wandb'"),
    ],
)
def test_specs_without_the_dataset_are_refused_naming_why(spec: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("{", r"\{")):
        check_spec(spec)
