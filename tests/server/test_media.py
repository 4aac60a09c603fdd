"""Media routes: every logged step of a media key with URLs, and the files inline."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

import runyard
from runyard.server.app import create_app
from runyard.server.media import (
    SANDBOX_CSP,
    content_type,
    media_headers,
    media_path,
    media_url,
    present,
    summary_value,
    with_urls,
)
from runyard.settings import Settings
from runyard.store.base import RunBatch
from tests.server.logged import BACKENDS, Logged, P, get, png, store_uri

HTML = b"<html><body><script>document.title = 'x'</script>hi</body></html>"


@pytest.fixture(params=BACKENDS)
def logged(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Logged]:
    logged = Logged(tmp_path, store_uri(request))
    a = logged.run("a")
    for step in range(3):
        image = {"_type": "image-file", "format": "png", "width": 2 + step, "height": 2}
        image.update(logged.file(a, "images", png(2 + step, 2), ".png"))
        image["caption"] = f"step {step}"
        logged.log(a, step, img=image)
    files = [logged.file(a, "images", png(3, 1 + i), ".png")["path"] for i in range(2)]
    logged.log(
        a,
        3,
        imgs={"_type": "images/separated", "count": 2, "filenames": files, "captions": ["x", "y"]},
        page={"_type": "html-file", **logged.file(a, "html", HTML, ".html")},
    )
    b = logged.run("b")
    only_summary = {
        "_type": "image-file",
        "format": "png",
        **logged.file(b, "images", png(), ".png"),
    }
    logged.summary(b, img=only_summary)
    logged.run("c")
    yield logged
    logged.store.close()


@pytest.fixture
def client(logged: Logged) -> Iterator[TestClient]:
    with logged.client() as test_client:
        yield test_client


def test_every_step_of_a_media_key_with_urls(client: TestClient) -> None:
    body = get(client, f"{P}/media", runs="a", key="img")
    assert body["key"] == "img"
    (run,) = body["runs"]
    assert run["run"] == "a" and [s["step"] for s in run["steps"]] == [0, 1, 2]
    values = [s["value"] for s in run["steps"]]
    assert [v["width"] for v in values] == [2, 3, 4]
    assert [v["caption"] for v in values] == ["step 0", "step 1", "step 2"]
    for value in values:
        assert value["url"] == f"{P}/runs/a/media/{value['path']}"
        image = client.get(value["url"])
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        assert image.headers["content-type"] == "image/png"


def test_summary_value_is_the_fallback_with_step_null(client: TestClient) -> None:
    body = get(client, f"{P}/media", runs="a,b,c", key="img")
    by_run = {r["run"]: r["steps"] for r in body["runs"]}
    assert len(by_run["a"]) == 3 and by_run["c"] == []
    (only,) = by_run["b"]
    assert only["step"] is None and only["value"]["url"].startswith(f"{P}/runs/b/media/media/")


def test_run_summaries_carry_their_media_urls(client: TestClient) -> None:
    """The run page and the runs table show a summary image (issue 18, defect 3)."""
    listed = {r["id"]: r for r in get(client, f"{P}/runs")["runs"]}
    one = get(client, f"{P}/runs/b")
    for run in (listed["b"], one):
        image = run["summary"]["img"]
        assert image["url"] == f"{P}/runs/b/media/{image['path']}"
        response = client.get(image["url"])
        assert response.status_code == 200 and response.content.startswith(b"\x89PNG")


def test_images_separated_get_one_url_per_file(client: TestClient) -> None:
    (step,) = get(client, f"{P}/media", runs="a", key="imgs")["runs"][0]["steps"]
    value = step["value"]
    assert step["step"] == 3 and len(value["urls"]) == 2 and "url" not in value
    sizes = []
    for url in value["urls"]:
        response = client.get(url)
        assert response.status_code == 200
        sizes.append(Image.open(io.BytesIO(response.content)).size)
    assert sizes == [(3, 1), (3, 2)]


def test_html_is_inline_sandboxed_and_not_sniffed(client: TestClient) -> None:
    (step,) = get(client, f"{P}/media", runs="a", key="page")["runs"][0]["steps"]
    response = client.get(step["value"]["url"])
    assert response.status_code == 200 and response.content == HTML
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == "sandbox allow-scripts allow-popups"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "attachment" not in response.headers.get("content-disposition", "")


def test_images_are_served_without_the_sandbox(client: TestClient) -> None:
    value = get(client, f"{P}/media", runs="a", key="img")["runs"][0]["steps"][0]["value"]
    response = client.get(value["url"])
    assert "content-security-policy" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"


# Percent-encoded, so that the HTTP client sends them as they are (it would resolve a
# literal ".." itself); the server decodes them before routing, as uvicorn does.
@pytest.mark.parametrize(
    "path",
    [
        "%2e%2e/b/media/x.png",
        "media/%2E%2E/%2e%2e/x",
        "media/a%5Cb.png",
        "media/a%00.png",
        "media//x.png",
        "%2Fetc/passwd",
        "media/%2e/x.png",
        "media/" + "x" * 256 + ".png",
        "/".join(["media"] * 200),
    ],
)
def test_path_traversal_is_refused(client: TestClient, path: str) -> None:
    response = client.get(f"{P}/runs/a/media/{path}")
    assert response.status_code == 400, response.text
    assert "invalid media path" in response.json()["detail"]


def test_missing_file_run_and_parameters(client: TestClient) -> None:
    assert (
        "no media file 'media/images/nope.png'"
        in get(client, f"{P}/runs/a/media/media/images/nope.png", 404)["detail"]
    )
    assert "no run tester/proj/zz" in get(client, f"{P}/runs/zz/media/media/x.png", 404)["detail"]
    assert (
        "no run tester/proj/zz" in get(client, f"{P}/media", 404, runs="a,zz", key="img")["detail"]
    )
    assert (
        "runs must name at least one"
        in get(client, f"{P}/media", 400, runs=",", key="img")["detail"]
    )
    assert "invalid key 'i\\x00'" in get(client, f"{P}/media", 400, runs="a", key="i\x00")["detail"]
    assert (
        "invalid run id 'a\\x00'" in get(client, f"{P}/media", 400, runs="a\x00", key="i")["detail"]
    )
    assert "invalid run id" in get(client, f"{P}/runs/a%00/media/media/x.png", 400)["detail"]
    get(client, f"{P}/media", 422, runs="a")
    get(client, f"{P}/media", 422, key="img")


def test_keys_report_the_media_type(client: TestClient, logged: Logged) -> None:
    logged.log(
        logged.ref("c"),
        0,
        loss=0.5,
        note="plain text",
        tbl=logged.table(logged.ref("c"), ["a"], [[1]]),
    )
    keys = {k["key"]: k for k in get(client, f"{P}/keys")["keys"]}
    assert keys["img"]["media"] == "image-file"
    assert keys["imgs"]["media"] == "images/separated"
    assert keys["page"]["media"] == "html-file"
    assert keys["tbl"]["media"] == "table-file"
    assert keys["loss"]["media"] is None and keys["loss"]["numeric"] is True
    assert keys["note"]["media"] is None
    only_c = {k["key"]: k["media"] for k in get(client, f"{P}/keys", runs="c")["keys"]}
    assert only_c == {"loss": None, "note": None, "tbl": "table-file"}


def test_keys_find_the_type_in_history_when_the_summary_lost_it(
    client: TestClient, logged: Logged
) -> None:
    c = logged.ref("c")
    value = {"_type": "html-file", **logged.file(c, "html", HTML, ".html")}
    logged.log(c, 0, report=value)
    logged.summary(c, report="overwritten by hand")
    keys = {k["key"]: k["media"] for k in get(client, f"{P}/keys", runs="c")["keys"]}
    assert keys["report"] is None  # the summary answers first: a plain string
    logged.store.write_batch(RunBatch(c, summary_delete=[("report",)]))
    keys = {k["key"]: k["media"] for k in get(client, f"{P}/keys", runs="c")["keys"]}
    assert keys["report"] == "html-file"


# -- helpers -------------------------------------------------------------------


def test_with_urls_reaches_nested_payloads_and_leaves_bad_paths_alone() -> None:
    value = {
        "_type": "image-file",
        "path": "media/images/a b.png",
        "all_masks": [{"m": {"_type": "mask", "path": "media/images/m.png"}}],
    }
    out = with_urls(value, "me", "p q", "r1")
    assert out["url"] == "/api/v1/projects/me/p%20q/runs/r1/media/media/images/a%20b.png"
    assert out["all_masks"][0]["m"]["url"].endswith("/media/media/images/m.png")
    assert "url" not in with_urls({"_type": "image-file", "path": "../x"}, "e", "p", "r")
    assert with_urls([1, "a", None], "e", "p", "r") == [1, "a", None]
    assert value.get("url") is None  # the input is not changed


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("media/table/x.table.json", "application/json"),
        ("media/plotly/x.plotly.json", "application/json"),
        ("media/html/x.html", "text/html; charset=utf-8"),
        ("media/images/x.JPG", "image/jpeg"),
        ("media/images/x.svg", "image/svg+xml"),
        ("media/videos/x.mp4", "video/mp4"),
        ("media/table/x.parquet", "application/vnd.apache.parquet"),
        ("media/other/x.unknownext", "application/octet-stream"),
    ],
)
def test_content_type_from_the_extension(path: str, kind: str) -> None:
    assert content_type(path) == kind


def test_media_path_names_the_bad_value() -> None:
    assert media_path("media/x.png") == "media/x.png"
    with pytest.raises(ValueError, match=r"invalid media path '/etc/passwd'"):
        media_path("/etc/passwd")


def test_summary_value_tries_every_split_of_the_key() -> None:
    summary = {"a.b": 1, "x": {"y": {"z": 2}}, "m": {"n.o": 3}, "img": {"_type": "image-file"}}
    assert summary_value(summary, "a.b") == 1
    assert summary_value(summary, "x.y.z") == 2
    assert summary_value(summary, "m.n.o") == 3
    assert summary_value(summary, "img._type") is None
    assert summary_value(summary, "nope") is None


def test_media_url_quotes_every_part() -> None:
    assert media_url("e", "p", "r/1", "media/a#b.png") == (
        "/api/v1/projects/e/p/runs/r%2F1/media/media/a%23b.png"
    )


def test_media_logged_by_the_sdk(ry_dir: Path) -> None:
    """End to end: what ``run.log`` stores is what the routes serve."""
    run = runyard.init(project="proj", id="sdk1")
    pixels = np.zeros((4, 6, 3), dtype=np.uint8)
    run.log({"img": runyard.Image(pixels, caption="zero"), "page": runyard.Html("<b>x</b>")})
    run.log({"img": runyard.Image(pixels + 255, caption="full")})
    run.finish()
    settings = Settings.from_env()
    with TestClient(create_app(settings.store_uri, settings.blobs_uri)) as client:
        steps = get(client, f"{P}/media", runs="sdk1", key="img")["runs"][0]["steps"]
        assert [(s["step"], s["value"]["caption"]) for s in steps] == [(0, "zero"), (1, "full")]
        for s in steps:
            assert client.get(s["value"]["url"]).content.startswith(b"\x89PNG")
        (page,) = get(client, f"{P}/media", runs="sdk1", key="page")["runs"][0]["steps"]
        assert b"<b>x</b>" in client.get(page["value"]["url"]).content
        keys = {k["key"]: k["media"] for k in get(client, f"{P}/keys")["keys"]}
        assert keys == {"img": "image-file", "page": "html-file"}


def test_steps_that_logged_none_are_left_out(client: TestClient, logged: Logged) -> None:
    logged.log(logged.ref("a"), 7, img=None)
    steps = get(client, f"{P}/media", runs="a", key="img")["runs"][0]["steps"]
    assert [s["step"] for s in steps] == [0, 1, 2]


def test_numeric_keys_have_no_media_steps(client: TestClient, logged: Logged) -> None:
    c = logged.ref("c")
    logged.log(c, 0, loss=0.5)
    assert get(client, f"{P}/media", runs="c", key="loss")["runs"] == [{"run": "c", "steps": []}]


def test_keys_types_come_from_the_newest_runs_a_page_at_a_time(tmp_path: Path) -> None:
    logged = Logged(tmp_path)
    first = logged.run("r000")
    value = {"_type": "html-file", **logged.file(first, "html", HTML, ".html")}
    logged.log(first, 0, page=value, old=value)
    for i in range(1, 130):
        ref = logged.run(f"r{i:03d}")
        logged.log(ref, 0, page="plain in the newest runs")
    with logged.client() as client:
        keys = {k["key"]: k["media"] for k in get(client, f"{P}/keys")["keys"]}
        assert keys["page"] is None  # the newest run decides
        assert keys["old"] == "html-file"  # found on the second page of runs


# Every type a browser may run scripts in, by extension (issue 12, point 9): the list
# of "active" types missed .rss, .atom, .xsl, .xht, .mml and other XML types.
SCRIPTABLE = [
    "x.html",
    "x.htm",
    "x.shtml",
    "x.svg",
    "x.svgz",
    "x.xml",
    "x.xsl",
    "x.xslt",
    "x.xht",
    "x.xhtml",
    "x.rss",
    "x.atom",
    "x.mml",
    "x.rdf",
    "x.xsd",
    "x.pdf",
    "x.js",
    "x.mjs",
    "x.unknownext",
    "x",
    "x.npy",
    "x.parquet",
]
INERT = [
    "x.png",
    "x.JPG",
    "x.gif",
    "x.webp",
    "x.bmp",
    "x.mp4",
    "x.webm",
    "x.wav",
    "x.mp3",
    "x.json",
    "x.table.json",
    "x.txt",
    "x.csv",
]


@pytest.mark.parametrize("name", SCRIPTABLE)
def test_scriptable_and_unknown_types_are_sandboxed(name: str) -> None:
    kind = content_type(f"media/other/{name}")
    assert media_headers(kind).get("Content-Security-Policy") == SANDBOX_CSP, kind


@pytest.mark.parametrize(
    "kind",
    [
        "application/rss+xml",
        "application/atom+xml",
        "application/xslt+xml",
        "application/mathml+xml",
        "text/xsl",
        "image/svg+xml",
        "application/ld+json; x=xml",
        "text/javascript",
        "application/x-unknown",
    ],
)
def test_sandbox_by_type(kind: str) -> None:
    assert media_headers(kind).get("Content-Security-Policy") == SANDBOX_CSP


@pytest.mark.parametrize("name", INERT)
def test_known_inert_types_are_served_without_the_sandbox(name: str) -> None:
    kind = content_type(f"media/other/{name}")
    headers = media_headers(kind)
    assert "Content-Security-Policy" not in headers, kind
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_logged_rss_file_is_served_sandboxed(client: TestClient, logged: Logged) -> None:
    feed = b'<?xml version="1.0"?><rss xmlns:h="http://www.w3.org/1999/xhtml"><h:script>1</h:script></rss>'
    ref = logged.ref("a")
    stored = logged.file(ref, "other", feed, ".rss")
    response = client.get(media_url("tester", "proj", "a", stored["path"]))
    assert response.status_code == 200 and response.content == feed
    assert response.headers["content-security-policy"] == SANDBOX_CSP


def test_present_returns_plain_documents_as_they_are_and_marks_the_rest() -> None:
    plain = {"loss": 0.5, "n": 3, "name": "a", "nested": {"xs": [1.0, 2, None, True]}}
    assert present(plain, "e", "p", "r") is plain  # no copy for a plain summary
    odd = {"ok": 1.0, "deep": {"v": [1.0, math.nan]}}
    assert present(odd, "e", "p", "r") == {"ok": 1.0, "deep": {"v": [1.0, {"$float": "NaN"}]}}
    image = {"img": {"_type": "image-file", "path": "media/images/a.png"}}
    shown = present(image, "e", "p", "r")
    assert shown["img"]["url"].endswith("/runs/r/media/media/images/a.png")
    assert "url" not in image["img"]  # the record is not changed
    pair = {"t": (1.0, math.inf)}
    assert present(pair, "e", "p", "r") == {"t": [1.0, {"$float": "Infinity"}]}
