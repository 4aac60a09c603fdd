"""The built-in presets: one JSON spec per id, each drawing the ``wandb`` dataset with
exactly the placeholders the ``runyard.plot`` helpers fill."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from runyard.presets import BUILTIN_IDS, builtin_spec, check_spec, placeholders
from tests.presets.charts import sample_charts

VEGA_LITE = "https://vega.github.io/schema/vega-lite/v6.json"


def test_every_spec_file_is_a_builtin_and_every_builtin_has_a_file() -> None:
    root = resources.files("runyard.presets").joinpath("specs")
    found = set()
    for entity in root.iterdir():
        for chart in entity.iterdir():
            for version in chart.iterdir():
                assert version.name.endswith(".json"), version.name
                found.add(f"{entity.name}/{chart.name}/{version.name.removesuffix('.json')}")
    assert found == set(BUILTIN_IDS)


@pytest.mark.parametrize("preset_id", BUILTIN_IDS)
def test_each_spec_is_vega_lite_v6_drawing_the_wandb_dataset(preset_id: str) -> None:
    spec = builtin_spec(preset_id)
    assert spec is not None and check_spec(spec) is spec
    assert spec["$schema"] == VEGA_LITE and spec["data"] == {"name": "wandb"}
    assert spec["title"] == "${string:title}"
    assert spec["description"].startswith(f"{preset_id}: ")
    json.dumps(spec, allow_nan=False)  # plain JSON: the web app parses it as such


def test_the_helpers_fill_exactly_the_placeholders_of_their_preset() -> None:
    for chart in sample_charts().values():
        found = placeholders(builtin_spec(chart.spec.spec_name))
        assert set(found.fields) == set(chart.spec.fields), chart.spec.spec_name
        assert set(found.strings) == set(chart.spec.string_fields), chart.spec.spec_name


def test_the_fields_of_every_chart_are_columns_of_its_table() -> None:
    for chart in sample_charts().values():
        columns = set(chart.table.columns)
        assert {v for v in chart.spec.fields.values() if v is not None} <= columns


def test_builtin_spec_is_a_copy_and_unknown_ids_are_none() -> None:
    spec = builtin_spec("wandb/bar/v0")
    assert spec is not None
    spec["mark"] = "changed"
    assert builtin_spec("wandb/bar/v0") != spec
    assert builtin_spec("wandb/bar/v1") is None and builtin_spec("me/bar/v0") is None
