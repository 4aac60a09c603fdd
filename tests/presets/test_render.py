"""Every built-in preset compiled and rendered headless by the web app's own Vega-Lite.

The specs are filled and fed as the web app does (``web/src/lib/vegaSpec.ts``): the
chart's columns replace ``${field:…}``, its strings ``${string:…}``, the rows of each
run become the ``wandb`` dataset tagged with ``name``, ``run`` and ``color``, and
colour channels on ``name`` get the runs' colours. ``render_specs.mjs`` then runs
vega-lite's compiler and a vega View in Node and returns the SVG, which is checked
for what the chart must show. Warnings count as failures.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from runyard.presets import builtin_spec, fill
from tests.presets.charts import sample_charts

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
SCRIPT = Path(__file__).with_name("render_specs.mjs")
SVG = "{http://www.w3.org/2000/svg}"
RUNS = [("a1", "run one", "#ff0000"), ("b2", "run two", "#00aa00")]


def _require_node() -> str:
    node = shutil.which("node")
    if node and (WEB / "node_modules" / "vega-lite").is_dir():
        return node
    message = "node and web/node_modules (npm --prefix web ci) are needed to render presets"
    if os.environ.get("CI") or os.environ.get("RUNYARD_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def run_colored(spec: Any, runs: list[tuple[str, str, str]]) -> Any:
    """What ``applyRunColors`` does: colour channels on ``name`` get the runs' colours."""
    spec = copy.deepcopy(spec)
    colored = False

    def visit(node: Any) -> None:
        nonlocal colored
        if isinstance(node, list):
            for item in node:
                visit(item)
        elif isinstance(node, dict):
            for value in node.values():
                visit(value)
            encoding = node.get("encoding")
            if isinstance(encoding, dict):
                for channel in ("color", "stroke", "fill"):
                    definition = encoding.get(channel)
                    if isinstance(definition, dict) and definition.get("field") == "name":
                        scale = definition.setdefault("scale", {})
                        scale["domain"] = [name for _, name, _ in runs]
                        scale["range"] = [color for _, _, color in runs]
                        colored = True

    visit(spec)
    if not colored and len(runs) == 1:
        spec.setdefault("config", {}).setdefault("mark", {})["color"] = runs[0][2]
    return spec


def dataset(columns: list[Any], rows: list[list[Any]], runs: list[tuple[str, str, str]]) -> Any:
    return [
        {**{str(c): v for c, v in zip(columns, row, strict=True)}, "name": n, "run": r, "color": c}
        for r, n, c in runs
        for row in rows
    ]


CASES = [(label, n) for label in sample_charts() for n in (1, 2)]


@pytest.fixture(scope="module")
def rendered() -> dict[tuple[str, int], ET.Element]:
    node = _require_node()
    charts = sample_charts()
    jobs = []
    for label, n in CASES:
        chart = charts[label]
        runs = RUNS[:n]
        spec = fill(builtin_spec(chart.spec.spec_name), chart.spec.fields, chart.spec.string_fields)
        rows = dataset(chart.table.columns, chart.table.data, runs)
        jobs.append({"id": f"{label}|{n}", "spec": run_colored(spec, runs), "rows": rows})
    done = subprocess.run(
        [node, str(SCRIPT), str(WEB)],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    out = {}
    for result in json.loads(done.stdout):
        assert result["error"] is None, f"{result['id']}: {result['error']}"
        assert result["warnings"] == [], f"{result['id']}: {result['warnings']}"
        label, n = result["id"].rsplit("|", 1)
        out[(label, int(n))] = ET.fromstring(result["svg"])
    return out


def marks(svg: ET.Element, kind: str) -> list[ET.Element]:
    out: list[ET.Element] = []
    for group in svg.iter(f"{SVG}g"):
        classes = group.get("class", "").split()
        if f"mark-{kind}" in classes and "role-mark" in classes:
            out.extend(group)
    return out


def texts(svg: ET.Element, role: str) -> list[str]:
    return [
        t.text or ""
        for g in svg.iter(f"{SVG}g")
        if f"role-{role}" in g.get("class", "").split()
        for t in g.iter(f"{SVG}text")
    ]


def colors(elements: list[ET.Element], attribute: str) -> list[str | None]:
    return [e.get(attribute) for e in elements]


@pytest.mark.parametrize("n", [1, 2])
def test_line_one_line_per_run_in_its_colour(rendered: Any, n: int) -> None:
    svg = rendered[("wandb/line/v0", n)]
    lines = marks(svg, "line")
    assert colors(lines, "stroke") == [c for _, _, c in RUNS[:n]]
    assert texts(svg, "legend-label") == [name for _, name, _ in RUNS[:n]]
    assert "Line" in texts(svg, "title-text") and "x" in texts(svg, "axis-title")
    assert [e.text or "" for e in marks(svg, "text")] == [""] * n  # no stroke labels


@pytest.mark.parametrize("n", [1, 2])
def test_line_with_stroke_one_dashed_line_per_value(rendered: Any, n: int) -> None:
    svg = rendered[("wandb/line/v0 stroke", n)]
    lines = marks(svg, "line")
    assert len(lines) == 3 * n
    assert sorted(set(colors(lines, "stroke"))) == sorted(c for _, _, c in RUNS[:n])
    assert len({e.get("stroke-dasharray") for e in lines}) == 3
    assert sorted(e.text or "" for e in marks(svg, "text")) == sorted(["k0", "k1", "k2"] * n)


@pytest.mark.parametrize(
    ("label", "kind", "per_run"),
    [
        ("wandb/scatter/v0", "symbol", 8),
        ("wandb/scatter/v0 dotted", "symbol", 8),
        ("wandb/bar/v0", "rect", 4),
    ],
)
@pytest.mark.parametrize("n", [1, 2])
def test_marks_per_row_in_the_run_colour(
    rendered: Any, label: str, kind: str, per_run: int, n: int
) -> None:
    drawn = marks(rendered[(label, n)], kind)
    assert len(drawn) == per_run * n
    assert sorted(set(colors(drawn, "fill"))) == sorted(c for _, _, c in RUNS[:n])


def test_column_names_with_dots_and_brackets_are_read_whole(rendered: Any) -> None:
    """Vega-Lite reads ``a.b`` in a field as a nested path: the specs read columns with
    ``datum['…']`` instead, so such names draw like any other."""
    svg = rendered[("wandb/scatter/v0 dotted", 1)]
    assert texts(svg, "axis-title") == ["train.loss", "val[acc]"]
    ys = {e.get("transform") for e in marks(svg, "symbol")}
    assert len(ys) == 8  # every point placed, none at an undefined position


@pytest.mark.parametrize("n", [1, 2])
def test_histogram_bins_in_the_spec(rendered: Any, n: int) -> None:
    svg = rendered[("wandb/histogram/v0", n)]
    bars = marks(svg, "rect")
    assert len(bars) >= 8 * n and len(bars) % n == 0
    assert sorted(set(colors(bars, "fill"))) == sorted(c for _, _, c in RUNS[:n])
    assert texts(svg, "axis-title") == ["s", "Count"]


@pytest.mark.parametrize("n", [1, 2])
def test_lineseries_one_line_per_key(rendered: Any, n: int) -> None:
    svg = rendered[("wandb/lineseries/v0", n)]
    assert len(marks(svg, "line")) == 2 * n
    assert {"metric Y", "metric Z"} <= set(texts(svg, "legend-label"))
    assert "x units" in texts(svg, "axis-title")


@pytest.mark.parametrize("label", ["wandb/area-under-curve/v0", "wandb/area-under-curve/v0 roc"])
@pytest.mark.parametrize("n", [1, 2])
def test_curves_one_line_per_class(rendered: Any, label: str, n: int) -> None:
    svg = rendered[(label, n)]
    assert len(marks(svg, "line")) == 3 * n
    assert {"cat", "dog", "bird"} <= set(texts(svg, "legend-label"))
    titles = set(texts(svg, "axis-title"))
    assert titles in ({"Recall", "Precision"}, {"False positive rate", "True positive rate"})


@pytest.mark.parametrize("n", [1, 2])
def test_confusion_matrix_cells_show_their_counts(rendered: Any, n: int) -> None:
    chart = sample_charts()["wandb/confusion_matrix/v1"]
    svg = rendered[("wandb/confusion_matrix/v1", n)]
    assert len(marks(svg, "rect")) == 9 * n
    counts = sorted(int(row[2]) for row in chart.table.data)
    shown = sorted(int(t.text or "0") for t in marks(svg, "text"))
    assert shown == sorted(counts * n)
    assert sum(counts) == 60
