"""Defects 1 and 11 of issue 18 read from what the browser drew, not from the app's
data: run colours in the chart canvas and the runs table's swatches (handed out in
sequence from the palette, in creation order), and the confusion matrix's axis labels
in the order of ``class_names`` (the Vega view's rendered scene)."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Page, expect

from runyard.metrics.colors import RUN_PALETTE
from tests.browser.charts import tid, wait_chart
from tests.browser.conftest import ENTITY, Server, run_code

pytestmark = pytest.mark.browser

TWO, TEN, CONFUSION = "colours-two", "colours-ten", "confusion-order"
CLASSES = ["zebra", "ant", "mole"]  # not alphabetical: the axes must keep this order
# Run i logs the constant loss i, so its line is a horizontal stroke of its own height.
PROJECTS = f"""
import runyard as wandb
for project, n in (({TWO!r}, 2), ({TEN!r}, 10)):
    for i in range(n):
        with wandb.init(project=project, name=f"run-{{i}}", reinit="create_new") as run:
            for step in range(10):
                run.log({{"loss": float(i)}})
with wandb.init(project={CONFUSION!r}, name="cm", reinit="create_new") as run:
    run.log({{"cm": wandb.plot.confusion_matrix(
        y_true=[0, 1, 2, 1, 0, 2, 2], preds=[0, 2, 2, 1, 1, 0, 2], class_names={CLASSES!r})}})
"""


@pytest.fixture(scope="module")
def projects(server: Server) -> None:
    run_code(PROJECTS, server.root)


def _rgb(hex_color: str) -> list[int]:
    return [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]


def _runs_by_creation(server: Server, project: str) -> list[str]:
    runs = server.get(f"/projects/{ENTITY}/{project}/runs", limit=100)["runs"]
    return [r["id"] for r in sorted(runs, key=lambda r: r["created_at"])]


def _swatch(page: Page, run: str) -> list[int]:
    """The runs table's colour swatch of ``run``, as the browser computed it."""
    value: str = page.locator(f"{tid(f'run-row-{run}')} .swatch-picker").evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    return [int(v) for v in value[value.index("(") + 1 : -1].split(",")[:3]]


def _canvas_strokes(page: Page, palette: list[list[int]]) -> list[dict[str, float]]:
    """For each palette colour: how many pixels of the loss chart's canvas have it
    (within a small tolerance) and their mean height (y grows downwards)."""
    found: list[dict[str, float]] = page.locator(f"{tid('panel-loss')} canvas").first.evaluate(
        """(c, palette) => {
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          const out = palette.map(() => ({n: 0, y: 0}));
          for (let i = 0; i < d.length; i += 4) {
            if (d[i + 3] < 250) continue;
            for (let k = 0; k < palette.length; k++) {
              const p = palette[k];
              if (Math.abs(d[i] - p[0]) + Math.abs(d[i + 1] - p[1]) + Math.abs(d[i + 2] - p[2]) <= 12) {
                out[k].n += 1; out[k].y += Math.floor(i / 4 / c.width); break;
              }
            }
          }
          return out.map(o => ({n: o.n, y: o.n ? o.y / o.n : -1}));
        }""",
        palette,
    )
    return found


@pytest.mark.parametrize(("project", "n"), [(TWO, 2), (TEN, 10)])
def test_runs_get_the_palette_in_sequence_in_the_drawn_chart_and_the_table(
    page: Page, server: Server, projects: None, project: str, n: int
) -> None:
    runs = _runs_by_creation(server, project)
    assert len(runs) == n
    palette = [_rgb(c) for c in RUN_PALETTE]
    page.goto(f"/{ENTITY}/{project}")
    wait_chart(page, "loss", f"c.series.length === {n}")
    page.wait_for_timeout(300)  # let uPlot finish its paint
    # the runs table: run i (in creation order) shows palette colour i
    for i, run in enumerate(runs):
        expect(page.locator(tid(f"run-row-{run}"))).to_be_visible()
        assert _swatch(page, run) == palette[i], f"run {i} ({run})"
    # the canvas: exactly the first n palette colours are drawn, one stroke each, and
    # the stroke of colour i is run i's line (loss i: higher runs draw higher up)
    strokes = _canvas_strokes(page, palette)
    drawn = [k for k, s in enumerate(strokes) if s["n"] >= 20]
    assert drawn == list(range(n)), strokes
    heights = [strokes[k]["y"] for k in range(n)]
    assert heights == sorted(heights, reverse=True), heights


def _axis_labels(page: Page, key: str) -> dict[str, list[str]]:
    """The confusion matrix's axis labels as its Vega view laid them out, per axis
    title, ordered left to right (x) or top to bottom (y)."""
    page.wait_for_function(
        "key => { const v = (window.__runyardVega || {})[key]; return !!v && v.marks > 0; }",
        arg=key,
        timeout=20_000,
    )
    found: dict[str, list[str]] = page.evaluate(
        """key => {
          const view = window.__runyardVega[key].view;
          const axes = [];
          // marks hold items; a group item's x/y offsets the marks inside it
          const walk = (mark, dx, dy, axis) => {
            for (const item of mark.items || []) {
              const x = dx + (item.x || 0), y = dy + (item.y || 0);
              if (mark.role === 'axis-label') axis.labels.push({t: String(item.text), x, y});
              if (mark.role === 'axis-title') axis.title = String(item.text);
              if (mark.marktype !== 'group') continue;
              let inner = axis;
              if (mark.role === 'axis') { inner = {title: null, labels: []}; axes.push(inner); }
              for (const child of item.items || []) walk(child, x, y, inner);
            }
          };
          walk(view.scenegraph().root, 0, 0, {title: null, labels: []});
          const byTitle = {};
          for (const a of axes) (byTitle[a.title] = byTitle[a.title] || []).push(a);
          const out = {};
          for (const [title, list] of Object.entries(byTitle)) {
            const labels = list.flatMap(a => a.labels);
            const horizontal = new Set(labels.map(l => Math.round(l.y))).size === 1;
            labels.sort((a, b) => horizontal ? a.x - b.x : a.y - b.y);
            out[title] = labels.map(l => l.t);
          }
          return out;
        }""",
        key,
    )
    return found


def test_a_confusion_matrix_keeps_the_class_names_order_on_its_axes(
    page: Page, projects: None
) -> None:
    page.goto(f"/{ENTITY}/{CONFUSION}")
    panel = page.locator(tid("panel-cm"))
    expect(panel).to_have_count(1)
    panel.scroll_into_view_if_needed()
    labels = _axis_labels(page, "cm")
    assert labels.get("Predicted") == CLASSES, labels
    assert labels.get("Actual") == CLASSES, labels
