"""Browser tests: a real ``runyard ui`` over a seeded store, driven in Debian's Chromium.

The store is seeded once per session by running the seed documents' snippets (as
``tests/test_seeds.py`` does) and a small learning-rate sweep; ``runyard ui`` is
started on a free port as a subprocess and Chromium (``/usr/bin/chromium``, not a
Playwright download) opens it. Screenshots go to ``test-results/screenshots/``.
Plain Playwright fixtures (``browser``, ``page``) are defined here, so the suite needs
``playwright`` but not ``pytest-playwright``.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

from tests.helpers import run_script
from tests.test_seeds import as_runyard, snippets

ROOT = Path(__file__).resolve().parents[2]
STATIC_INDEX = ROOT / "src" / "runyard" / "ui" / "static" / "index.html"
SCREENSHOTS = ROOT / "test-results" / "screenshots"
CHROMIUM = os.environ.get("RUNYARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ENTITY = "tester"
PROJECT = "uncategorized"  # where the seeds' bare wandb.init() runs land
SWEEP_LRS = (0.1, 0.03, 0.01, 0.003)
LONG_STEPS = 5000  # the long run: enough points for the server to reduce its series

SWEEP = f"""
import math, random
import runyard as wandb

for n, lr in enumerate({SWEEP_LRS!r}):
    steps = {LONG_STEPS} if n == 0 else 300
    rng = random.Random(n)
    config = {{"learning_rate": lr, "batch_size": 32, "optimizer": "adam", "model": {{"depth": 4}}}}
    with wandb.init(config=config, name=f"sweep-lr-{{lr}}", tags=["sweep"], group="lr-sweep",
                    notes="learning-rate sweep", reinit="create_new") as run:
        run.define_metric("loss", summary="min")
        run.define_metric("acc", summary="max")
        run.define_metric("epoch")
        run.define_metric("val/*", step_metric="epoch")
        run.define_metric("debug/secret", hidden=True)
        for step in range(steps):
            progress = 1 - math.exp(-lr * 50 * (step + 1) / steps)
            row = {{
                "loss": (1 - progress) + rng.random() * 0.1 + (2.0 if step == steps // 3 else 0.0),
                "acc": progress * 0.9 + rng.random() * 0.05,
                "train/grad_norm": rng.lognormvariate(0, 0.3),
                "debug/secret": rng.random(),
            }}
            if step % 10 == 9:
                row.update({{"epoch": step // 10, "val/loss": 1 - progress + rng.random() * 0.05}})
            run.log(row)
"""

# Seed 002's example: runs logging `acc` with the seed's training loop, a learning-rate
# config, rows `(n + 1) * 7` seconds apart (so Relative Time (Wall) differs per run),
# and one run with neither `acc` nor `learning_rate`, coloured from code.
KEY_COLORS_PROJECT = "semantic-legend"
KEY_COLORS_LRS = (0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001)
KEY_COLORS_RUN_COLOR = "#aa3377"
KEY_COLORS = f"""
import random, time
import runyard as wandb

epochs = 10
t0 = time.time() - 3600
for n, lr in enumerate({KEY_COLORS_LRS!r}):
    rng = random.Random(100 + n)
    config = {{"learning_rate": lr, "batch_size": 32, "optimizer": "adam" if n % 2 else "sgd"}}
    with wandb.init(project={KEY_COLORS_PROJECT!r}, name=f"acc-lr-{{lr}}", config=config,
                    reinit="create_new") as run:
        offset = rng.random() / 5
        for epoch in range(2, epochs):
            acc = 1 - 2 ** -epoch - rng.random() / epoch - offset
            loss = 2 ** -epoch + rng.random() / epoch + offset
            run.log({{"acc": acc, "loss": loss, "_timestamp": t0 + (epoch - 2) * (n + 1) * 7.0}})
with wandb.init(project={KEY_COLORS_PROJECT!r}, name="no-acc", config={{"batch_size": 64}},
                settings={{"run_color": {KEY_COLORS_RUN_COLOR!r}}}, reinit="create_new") as run:
    run.log({{"loss": 0.5}})
"""

TENSOR = """
import numpy as np, runyard
api = runyard.Api()
run = next(r for r in api.runs("{path}") if r.name == "sweep-lr-0.1")
run.summary["tensor"] = np.random.random(1000)
run.summary.update()
"""

BEST_ACCURACY_PRELUDE = (
    "import argparse\n"
    "args = argparse.Namespace(epochs=5, lr=0.1)\n"
    "_accs = iter([0.5, 0.7, 0.6, 0.9, 0.8])\n"
    "def test():\n    return 0.1, next(_accs)\n"
)

REPORT = """
import json, runyard
api = runyard.Api()
out = []
for p in api.store.list_projects():
    for r in api.runs(f"{p[0]}/{p[1]}"):
        out.append({"id": r.id, "name": r.name, "project": r.project, "entity": r.entity,
                    "config": r.config, "summary": r.summary.as_dict()})
print(json.dumps(out))
"""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the web app in Chromium (Playwright)")
    if os.environ.get("RUNYARD_REQUIRE_BROWSER") == "1":
        try:
            import playwright  # noqa: F401
        except ImportError as exc:
            raise pytest.UsageError("RUNYARD_REQUIRE_BROWSER=1 but playwright is missing") from exc


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    """Skip on a machine without the browser stack; fail where it is required (CI)."""
    if os.environ.get("RUNYARD_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def _browser_stack() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright pytest-playwright)")
    if not Path(CHROMIUM).is_file():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    if not STATIC_INDEX.is_file():
        _unavailable(
            f"the web UI is not built ({STATIC_INDEX} missing): "
            "npm --prefix web ci && npm --prefix web run build"
        )


# -- the browser ------------------------------------------------------------------


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def browser(_browser_stack: None) -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@contextlib.contextmanager
def open_page(
    browser: Browser, url: str, request: pytest.FixtureRequest, timeout_ms: int
) -> Iterator[Page]:
    """A fresh browser context on ``url``; uncaught page errors fail the test, and a
    failing test leaves a screenshot in test-results/screenshots/."""
    context = browser.new_context(base_url=url, viewport={"width": 1440, "height": 900})
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    offline(page)  # seed 004's Panel page loads BokehJS from its CDN: the server has it
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
        if request.node.stash.get(_FAILED, False):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            page.screenshot(path=str(SCREENSHOTS / f"failed-{name}.png"))
    finally:
        close_context(context)
    assert not errors, f"uncaught errors in the page: {errors}"


def close_context(context: BrowserContext) -> None:
    """Close ``context`` once each of its pages has left for ``about:blank``: closing a
    context whose page was still loading (a test's last step navigated) hung
    Playwright's ``close`` once in CI for the whole test timeout
    (microsoft/playwright#18881)."""
    for page in context.pages:
        with contextlib.suppress(Exception):  # (a page that is gone or does not answer)
            page.goto("about:blank", timeout=5_000)
    context.close()


@pytest.fixture
def page(browser: Browser, server: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page on the shared server (see :func:`open_page`)."""
    with open_page(browser, server.url, request, 15_000) as fresh:
        yield fresh


# -- the store and the server -------------------------------------------------------


def run_code(code: str, root: Path, timeout: float = 180) -> str:
    result = run_script(code, root, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="session")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A RUNYARD_DIR with the seed snippets' runs and a learning-rate sweep."""
    root = tmp_path_factory.mktemp("browser") / "runyard"
    for seed in ("000", "001"):
        (code,) = [s for s in snippets(seed) if "define_metric" in s]
        run_code(as_runyard(code), root)
    (best,) = [s for s in snippets("000") if "best_accuracy" in s]
    run_code(BEST_ACCURACY_PRELUDE + as_runyard(best), root)
    for code in snippets("002"):
        run_code(as_runyard(code), root)
    run_code(SWEEP, root)
    run_code(KEY_COLORS, root)
    run_code(TENSOR.format(path=f"{ENTITY}/{PROJECT}"), root)
    return root


@pytest.fixture(scope="session")
def stored_runs(store_dir: Path) -> list[dict[str, Any]]:
    """Every run as the public API (runyard.Api) reads it."""
    return json.loads(run_code(REPORT, store_dir))


@dataclass
class Server:
    url: str
    root: Path
    process: subprocess.Popen[str]

    def get(self, path: str, **params: Any) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(f"{self.url}api/v1{path}{query}", timeout=30) as response:
            return json.loads(response.read())

    def project(self, project: str = PROJECT) -> str:
        return f"/projects/{ENTITY}/{project}"


def _runyard_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUNYARD_", "WANDB_"))}
    env.update(RUNYARD_DIR=str(root), RUNYARD_ENTITY=ENTITY)
    return env


@pytest.fixture(scope="session")
def server(store_dir: Path) -> Iterator[Server]:
    """``runyard ui --port <free> --no-browser`` on the seeded store."""
    with serve_ui(store_dir) as ready:
        yield ready


@contextmanager
def serve_ui(root: Path, *args: str) -> Iterator[Server]:
    """``runyard ui --port 0 --no-browser *args`` on the store at ``root``, until the block ends."""
    runyard = shutil.which("runyard", path=str(Path(sys.executable).parent)) or "runyard"
    process = subprocess.Popen(
        [runyard, "ui", "--port", "0", "--no-browser", *args],
        env=_runyard_env(root),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    output: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)

    pumping = threading.Thread(target=pump, daemon=True)
    pumping.start()
    url = None
    deadline = time.monotonic() + 30
    while url is None and time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        if line.startswith("Runyard UI: "):
            url = line.split("Runyard UI: ", 1)[1].strip()
    if url is None:
        process.kill()
        pytest.fail(f"runyard ui printed no URL:\n{''.join(output)}")
    ready = Server(url, root, process)
    while time.monotonic() < deadline:
        try:
            ready.get("/projects")
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield ready
    finally:
        _stop(process)
        pumping.join(timeout=5)
        if process.stdout:
            process.stdout.close()


@pytest.fixture
def logging_run(store_dir: Path) -> Iterator[subprocess.Popen[str]]:
    """A run logging `loss` every 0.2 s into project "live" until stopped (at most 2 min)."""
    code = (
        "import math, time\n"
        "import runyard as wandb\n"
        "with wandb.init(project='live', name='slow-logger', config={'lr': 0.01}) as run:\n"
        "    print(run.id, flush=True)\n"
        "    for step in range(600):\n"
        "        run.log({'loss': math.exp(-step / 50), 'train/acc': 1 - math.exp(-step / 50)})\n"
        "        time.sleep(0.2)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        env=_runyard_env(store_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        _stop(process)
        for pipe in (process.stdout, process.stderr):
            if pipe:
                pipe.close()


def _stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """test-results/screenshots/, emptied of an earlier session's pictures."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots(request: pytest.FixtureRequest) -> None:
    if any(Path(item.path).parent == Path(__file__).parent for item in request.session.items):
        for old in SCREENSHOTS.glob("*.png"):
            old.unlink()


# -- media and custom charts (issue 6) --------------------------------------------------

MEDIA_ENTITY = "me"
MEDIA_PROJECT = "media-panels"
MEDIA_RUNS = ("media-0", "media-1")
MEDIA_STEPS = 3  # images, galleries and histograms are logged at this many steps
TABLE_ROWS = 30
EVOLVING_STEPS = 2  # "evolving" (a table) and "progress" (a chart) are logged this often

# Every code block of seed 004 (wandb.plot.*, plot_table, Image single and list, Html,
# Plotly, Table with Image/Html cells, Histogram over steps), for two runs of one project.
MEDIA_SEED = f"""
import numpy as np
import plotly.graph_objects as go
import runyard as wandb

for n, name in enumerate({MEDIA_RUNS!r}):
    rng = np.random.default_rng(n)
    with wandb.init(entity={MEDIA_ENTITY!r}, project={MEDIA_PROJECT!r}, name=name,
                    reinit="create_new") as run:
        x_values = list(range(10))
        y_values = [x * x + n for x in x_values]
        table = wandb.Table(data=[[x, y] for x, y in zip(x_values, y_values)], columns=["x", "y"])
        run.log({{"my_custom_plot_id": wandb.plot.line(table, "x", "y", title="Custom Y vs X Line Plot")}})
        table = wandb.Table(data=[[float(a), float(b)] for a, b in rng.random((12, 2))],
                            columns=["class_x", "class_y"])
        run.log({{"my_custom_id": wandb.plot.scatter(table, "class_x", "class_y")}})
        table = wandb.Table(data=[[l, v] for l, v in zip(["a", "b", "c"], [3 + n, 5, 2])],
                            columns=["label", "value"])
        run.log({{"my_bar_chart_id": wandb.plot.bar(table, "label", "value", title="Custom Bar Chart")}})
        table = wandb.Table(data=[[float(s)] for s in rng.random(50)], columns=["scores"])
        run.log({{"my_histogram": wandb.plot.histogram(table, "scores", title="Histogram")}})
        run.log({{"my_line_series": wandb.plot.line_series(
            xs=[0, 1, 2, 3, 4], ys=[[10, 20, 30, 40, 50], [0.5, 11, 72, 3, 41]],
            keys=["metric Y", "metric Z"], title="Two Random Metrics", xname="x units")}})
        ground_truth = [0, 1, 1, 0]
        predictions = [0.1, 0.4, 0.35, 0.8]
        run.log({{"pr": wandb.plot.pr_curve(ground_truth, predictions)}})
        run.log({{"roc": wandb.plot.roc_curve(ground_truth, predictions)}})
        run.log({{"conf_mat": wandb.plot.confusion_matrix(
            y_true=[0, 1, 2, 1, 0], preds=[0, 2, 2, 1, 1], class_names=["cat", "dog", "bird"])}})
        table = wandb.Table(data=[[s, 1.5 * s + n] for s in range(8)], columns=["step", "height"])
        run.log({{"my_custom_chart": wandb.plot_table(
            vega_spec_name="wandb/line/v0", data_table=table, fields={{"x": "step", "y": "height"}},
            string_fields={{"title": "Height"}})}})
        for step in range({MEDIA_STEPS}):
            run.log({{
                "samples": wandb.Image((rng.random((16, 16, 3)) * 255).astype(np.uint8),
                                       caption=f"{{name}} step {{step}}"),
                "gallery": [wandb.Image((rng.random((8, 8)) * 255).astype(np.uint8),
                                        caption=f"g{{i}} step {{step}}") for i in range(3)],
                "weights": wandb.Histogram(rng.normal(step, 1, 500), num_bins=20 + step),
                "loss": 1 / (step + 1),
            }})
        run.log({{"page": wandb.Html(f"<h1 id='hello'>Hello from {{name}}</h1>")}})
        fig = go.Figure(data=[go.Scatter(x=[0, 1, 2], y=[1, 3, 2]), go.Bar(x=[0, 1, 2], y=[2, 1, 3])])
        run.log({{"figure": wandb.Plotly(fig)}})
        rows = [[i, f"item-{{i:02d}}", float(i * 7 % 11),
                 wandb.Image((rng.random((8, 8)) * 255).astype(np.uint8)),
                 wandb.Html(f"<p id='cell'>cell {{i}}</p>", inject=False)]
                for i in range({TABLE_ROWS})]
        run.log({{"predictions": wandb.Table(columns=["id", "label", "score", "image", "html"], data=rows)}})
        run.log({{"figures": wandb.Table(columns=["name", "figure"],
                                        data=[["a", wandb.Plotly(fig)], ["b", wandb.Plotly(fig)]])}})
        # a table and a chart logged at {EVOLVING_STEPS} steps, growing by two rows a step
        for step in range({EVOLVING_STEPS}):
            rows = [[e, e / 10 + n] for e in range(3 + 2 * step)]
            points = wandb.Table(columns=["x", "y"], data=[[i, i + step] for i in range(4 + 2 * step)])
            run.log({{"evolving": wandb.Table(columns=["epoch", "acc"], data=rows),
                      "progress": wandb.plot.line(points, "x", "y", title="Progress")}})
"""


@pytest.fixture(scope="session")
def media_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of its own (the chart editor test saves presets and logs more runs into
    it): project me/media-panels with every kind of media and chart of seed 004, and,
    once it exists, the seed's own snippets (``tests/seed004.py``)."""
    root = tmp_path_factory.mktemp("media") / "runyard"
    run_code(MEDIA_SEED, root)
    try:
        from tests.seed004 import log_seed_004
    except ImportError:
        pass
    else:
        log_seed_004(root)
    return root


@pytest.fixture(scope="session")
def media_server(media_store_dir: Path, _browser_stack: None) -> Iterator[Server]:
    """``runyard ui`` on the media store."""
    with serve_ui(media_store_dir) as ready:
        yield ready


def offline(page: Page) -> None:
    """Requests to anywhere but the server fail, as on a machine without internet:
    pages that load chart libraries from CDNs must get them from the server
    (:mod:`runyard.server.vendor`)."""
    page.route(_EXTERNAL, lambda route: route.abort("internetdisconnected"))


_EXTERNAL = re.compile(r"^https?://(?!(127\.0\.0\.1|localhost|\[::1\])[:/])")


@pytest.fixture
def media_page(
    browser: Browser, media_server: Server, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh page on the media server (see :func:`open_page`)."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)  # media and lazy chart libraries on a busy machine
    try:
        with open_page(browser, media_server.url, request, 20_000) as fresh:
            yield fresh
    finally:
        expect.set_options(timeout=5_000)  # Playwright's default, for the other tests


# -- the run page's tabs: console, system metrics, metadata, files (issue 13) ------------


@pytest.fixture(scope="session")
def context_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A store of its own with project ``run-context`` (tests/browser/run_context.py):
    its root and the run ids by role (main, other, unnamed0, unnamed1)."""
    from tests.browser.run_context import seed

    base = tmp_path_factory.mktemp("context")
    root = base / "runyard"
    return root, seed(root, base / "files")


@pytest.fixture(scope="session")
def context_server(
    context_store: tuple[Path, dict[str, str]], _browser_stack: None
) -> Iterator[Server]:
    """``runyard ui`` on the run-context store."""
    with serve_ui(context_store[0]) as ready:
        yield ready


@pytest.fixture
def context_page(
    browser: Browser, context_server: Server, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh page on the run-context server (see :func:`open_page`)."""
    with open_page(browser, context_server.url, request, 15_000) as fresh:
        yield fresh
