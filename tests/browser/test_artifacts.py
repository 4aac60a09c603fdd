"""The web app's artifact pages on artifacts made by the SDK (issue 14): the project's
Artifacts page (types, names, versions with aliases), a version's files with text,
image and table previews, the lineage graph (producing run → artifact → consuming run,
clickable), the run page's Artifacts tab and the entity's registry page.

The store is a store of its own: a script logs a dataset in two versions (text, CSV,
a PNG and a Table), a second run uses it and logs a model, which it links into the
registry; ``runyard ui`` serves that store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Browser, Page, expect

from tests.browser.charts import tid
from tests.browser.conftest import ENTITY, Server, open_page, run_code, serve_ui

PROJECT = "artifacts-ui"

SCRIPT = f"""
import json, struct, zlib
from pathlib import Path
import runyard

def png(path, w=6, h=4):
    raw = b"".join(b"\\x00" + bytes([255, 0, 0]) * w for _ in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    Path(path).write_bytes(b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

work = Path("work")
(work / "images").mkdir(parents=True, exist_ok=True)
png(work / "images" / "red.png")
(work / "train.csv").write_text("feature,label\\n0.5,cat\\n0.25,dog\\n")

ids = {{}}
with runyard.init(project={PROJECT!r}, name="maker", reinit="create_new") as run:
    ids["maker"] = run.id
    for n in range(2):
        data = runyard.Artifact("mnist-small", type="dataset", metadata={{"rows": 100 + n}})
        with data.new_file("README.txt", mode="w") as f:
            f.write(f"hello artifacts v{{n}}\\n")
        data.add_file(str(work / "train.csv"))
        data.add_dir(str(work / "images"), name="images")
        data.add(runyard.Table(columns=["id", "score"], data=[[1, 0.5], [2, 0.75]]), "preds")
        run.log_artifact(data, aliases=["best"] if n == 0 else None)

with runyard.init(project={PROJECT!r}, name="trainer", reinit="create_new") as run:
    ids["trainer"] = run.id
    run.use_artifact("mnist-small:v1")
    (work / "model.txt").write_text("weights\\n")
    run.link_model(str(work / "model.txt"), "digit-classifier", name="convnet", aliases=["production"])

print(json.dumps(ids))
"""


@pytest.fixture(scope="module")
def artifact_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("artifacts")
    root = base / "runyard"
    out = run_code(f"import os; os.chdir({str(base)!r})\n" + SCRIPT, root)
    return root, json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def artifact_server(
    artifact_store: tuple[Path, dict[str, str]], _browser_stack: None
) -> Iterator[Server]:
    with serve_ui(artifact_store[0]) as ready:
        yield ready


@pytest.fixture
def apage(
    browser: Browser, artifact_server: Server, request: pytest.FixtureRequest
) -> Iterator[Page]:
    with open_page(browser, artifact_server.url, request, 15_000) as fresh:
        yield fresh


def aliases(page: Page, row: str) -> list[str]:
    return page.locator(tid(row)).locator(tid("artifact-alias")).all_inner_texts()


def test_artifacts_page_lists_types_names_and_versions(
    apage: Page, artifact_store: tuple[Path, dict[str, str]]
) -> None:
    page = apage
    maker = artifact_store[1]["maker"]
    page.goto(f"/{ENTITY}/{PROJECT}")
    page.locator(tid("nav-artifacts")).first.click()
    expect(page).to_have_url(re.compile(f"/{ENTITY}/{PROJECT}/artifacts$"))
    expect(page.locator(tid("artifact-type-dataset"))).to_contain_text("mnist-small")
    expect(page.locator(tid("artifact-type-model"))).to_contain_text("convnet")

    page.locator(tid("artifact-collection-mnist-small")).click()
    expect(page).to_have_url(re.compile("/artifacts/dataset/mnist-small$"))
    expect(page.locator(tid("artifact-version-v1"))).to_be_visible()
    assert aliases(page, "artifact-version-v1") == ["latest"]
    assert aliases(page, "artifact-version-v0") == ["best"]
    # logged by the producing run, a link to its page
    row = page.locator(tid("artifact-version-v1"))
    expect(row.locator(tid(f"run-ref-{maker}"))).to_have_attribute(
        "href", f"/{ENTITY}/{PROJECT}/runs/{maker}/overview"
    )
    # README, CSV, PNG and the Table (its entry and the rows it points at)
    expect(row.locator("td").nth(3)).to_have_text("5")
    # exactly "v1": the row's run link is named by the run's random id, which may hold "v1"
    page.locator(tid("artifact-version-v1")).get_by_role("link", name="v1", exact=True).click()
    expect(page).to_have_url(re.compile("/artifacts/dataset/mnist-small/v1$"))
    expect(page.locator(tid("artifact-version-title"))).to_have_text("mnist-small:v1")
    expect(page.locator(tid("artifact-metadata-rows"))).to_contain_text("101")
    # the run that used it, and the one that logged it, link to their pages
    expect(page.locator(tid("artifact-used-by"))).to_be_visible()
    page.reload()  # the version's URL is shareable
    expect(page.locator(tid("artifact-version-title"))).to_have_text("mnist-small:v1")


def test_a_versions_files_preview_text_image_and_table(apage: Page, screenshots: Path) -> None:
    page = apage
    page.goto(f"/{ENTITY}/{PROJECT}/artifacts/dataset/mnist-small/v0/files")
    files = page.locator(tid("artifact-files"))
    expect(files.locator(tid("artifact-file-README.txt"))).to_be_visible()
    expect(files.locator(tid("artifact-file-train.csv"))).to_be_visible()

    # text: the version's own content (v0, not the latest)
    files.locator(tid("artifact-file-README.txt")).get_by_role("button").click()
    preview = page.locator(tid("artifact-preview"))
    expect(preview).to_have_attribute("data-kind", "text")
    expect(preview.locator(tid("artifact-preview-text"))).to_have_text("hello artifacts v0\n")
    href = files.locator(tid("artifact-file-README.txt")).locator(tid("artifact-download"))
    with page.expect_download() as download:
        href.click()
    assert Path(download.value.path()).read_text() == "hello artifacts v0\n"

    # CSV as a table
    files.locator(tid("artifact-file-train.csv")).get_by_role("button").click()
    table = preview.locator(tid("artifact-preview-table"))
    expect(table.locator("th")).to_have_text(["feature", "label"])
    expect(table.locator("tbody tr")).to_have_count(2)

    # the Table added to the artifact: its rows, from the entry it points at
    files.locator(tid("artifact-file-preds.table.json")).get_by_role("button").click()
    expect(preview.locator(tid("artifact-preview-table")).locator("th")).to_have_text(
        ["id", "score"]
    )

    # an image in a folder, drawn at its size
    files.locator(tid("artifact-dir-images")).click()
    files.locator(tid("artifact-file-images/red.png")).get_by_role("button").click()
    image = preview.locator(tid("artifact-preview-image"))
    expect(image).to_be_visible()
    assert image.evaluate("img => [img.complete, img.naturalWidth, img.naturalHeight]") == [
        True,
        6,
        4,
    ]
    page.screenshot(path=str(screenshots / "artifact-files.png"))


def test_lineage_graph_links_producer_artifact_and_consumer(
    apage: Page, artifact_store: tuple[Path, dict[str, str]], screenshots: Path
) -> None:
    page = apage
    ids = artifact_store[1]
    page.goto(f"/{ENTITY}/{PROJECT}/artifacts/dataset/mnist-small/v1/lineage")
    graph = page.locator(tid("lineage-graph"))
    expect(graph).to_be_visible()
    maker = graph.locator(tid(f"lineage-run-{ids['maker']}"))
    data = graph.locator(tid("lineage-artifact-mnist-small-v1"))
    trainer = graph.locator(tid(f"lineage-run-{ids['trainer']}"))
    for node in (maker, data, trainer):
        expect(node).to_be_visible()
    # two hops: the model the consuming run logged
    expect(graph.locator(tid("lineage-artifact-convnet-v0"))).to_be_visible()
    a = f"artifact:{ENTITY}/{PROJECT}/mnist-small:v1"
    edges = {
        (e.get_attribute("data-from"), e.get_attribute("data-to"))
        for e in graph.locator(tid("lineage-edge")).all()
    }
    assert (f"run:{ENTITY}/{PROJECT}/{ids['maker']}", a) in edges
    assert (a, f"run:{ENTITY}/{PROJECT}/{ids['trainer']}") in edges
    # left to right in data-flow order
    xs = [n.bounding_box()["x"] for n in (maker, data, trainer)]  # type: ignore[index]
    assert xs == sorted(xs) and len(set(xs)) == 3
    page.screenshot(path=str(screenshots / "artifact-lineage.png"))

    # nodes navigate: the consuming run's page
    trainer.click()
    expect(page).to_have_url(re.compile(f"/runs/{ids['trainer']}/overview$"))
    expect(page.locator(tid("run-page"))).to_be_visible()


def test_run_page_artifacts_tab(apage: Page, artifact_store: tuple[Path, dict[str, str]]) -> None:
    page = apage
    ids = artifact_store[1]
    page.goto(f"/{ENTITY}/{PROJECT}/runs/{ids['trainer']}")
    page.locator(tid("run-tab-artifacts")).click()
    expect(page).to_have_url(re.compile(f"/runs/{ids['trainer']}/artifacts$"))
    logged = page.locator(tid("run-artifacts-logged"))
    used = page.locator(tid("run-artifacts-used"))
    expect(logged.locator(tid("run-artifact-convnet-v0"))).to_be_visible()
    expect(used.locator(tid("run-artifact-mnist-small-v1"))).to_be_visible()
    expect(used.locator(tid("run-artifact-mnist-small-v0"))).to_have_count(0)
    used.locator(tid("run-artifact-mnist-small-v1")).get_by_role("link").click()
    expect(page).to_have_url(re.compile("/artifacts/dataset/mnist-small/v1$"))

    page.goto(f"/{ENTITY}/{PROJECT}/runs/{ids['maker']}/artifacts")
    maker = page.locator(tid("run-artifacts-logged"))
    expect(maker.locator(tid("run-artifact-mnist-small-v0"))).to_be_visible()
    expect(maker.locator(tid("run-artifact-mnist-small-v1"))).to_be_visible()
    expect(page.locator(tid("run-artifacts-used"))).to_contain_text("None.")


def test_registry_page(apage: Page) -> None:
    page = apage
    page.goto(f"/{ENTITY}/{PROJECT}/artifacts")
    page.locator(tid("nav-registry")).first.click()
    expect(page).to_have_url(re.compile(f"/{ENTITY}/model-registry$"))
    page.locator(tid("registry-collection-digit-classifier")).click()
    expect(page).to_have_url(re.compile("/model-registry/collections/digit-classifier$"))
    row = page.locator(tid("registry-version-v0"))
    expect(row).to_be_visible()
    assert "production" in aliases(page, "registry-version-v0")
    source = row.locator(tid("artifact-source-convnet-v0"))
    expect(source).to_have_text(f"{ENTITY}/{PROJECT}/convnet:v0")
    source.click()
    expect(page).to_have_url(re.compile(f"/{PROJECT}/artifacts/model/convnet/v0$"))
    expect(page.locator(tid("artifact-version-title"))).to_have_text("convnet:v0")


def test_registry_version_shows_the_linked_files(apage: Page) -> None:
    page = apage
    page.goto(f"/{ENTITY}/model-registry/collections/digit-classifier")
    page.locator(tid("registry-version-v0")).get_by_role("link", name="v0", exact=True).click()
    expect(page).to_have_url(re.compile("/model-registry/artifacts/model/digit-classifier/v0$"))
    expect(page.locator(tid("artifact-logged-by"))).to_be_visible()
    page.locator(tid("artifact-tab-files")).click()
    files = page.locator(tid("artifact-files"))
    files.locator(tid("artifact-file-model.txt")).get_by_role("button").click()
    expect(page.locator(tid("artifact-preview-text"))).to_have_text("weights\n")


def test_empty_artifacts_and_registry(apage: Page) -> None:
    page = apage
    page.goto(f"/{ENTITY}/no-such-project/artifacts")
    expect(page.locator(tid("artifact-types"))).to_contain_text("No artifacts in this project yet.")
    page.goto("/nobody/model-registry")
    expect(page.locator(tid("registry-collections"))).to_contain_text(
        "Nothing linked into nobody's registry yet."
    )
