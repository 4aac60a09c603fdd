"""Chart libraries for logged HTML pages, served from the installed packages (issue 18,
defect 2: seed 004's Plotly and Bokeh pages stayed blank without their CDNs)."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from runyard.server.app import create_app
from runyard.server.vendor import rewrite_cdn_urls, vendor_file
from runyard.store.sql.store import SqlStore


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    store = SqlStore(f"sqlite:///{tmp_path / 'r.db'}")
    with TestClient(create_app(store, (tmp_path / "files").as_uri())) as test_client:
        yield test_client
    store.close()


def test_a_plotly_page_loads_the_packages_plotly_js_with_its_integrity_hash() -> None:
    import plotly.graph_objects as go

    page = go.Figure(go.Scatter(y=[1, 2])).to_html(include_plotlyjs="cdn").encode()
    (integrity,) = re.findall(rb'integrity="sha256-([^"]+)"', page)
    out = rewrite_cdn_urls(page)
    assert b"cdn.plot.ly" not in out and b'src="/vendor/plotly/plotly.min.js"' in out
    found = vendor_file("plotly", "plotly.min.js")
    assert found is not None
    digest = base64.b64encode(hashlib.sha256(found[0].read_bytes()).digest())
    assert digest == integrity  # the browser's integrity check passes


def test_a_bokeh_page_loads_bokehjs_from_the_package() -> None:
    from bokeh.embed import file_html
    from bokeh.plotting import figure
    from bokeh.resources import CDN

    plot = figure()
    plot.line([1, 2], [3, 4])
    out = rewrite_cdn_urls(file_html(plot, CDN, "t").encode())
    names = re.findall(rb'src="/vendor/bokeh/([^"]+)"', out)
    assert b"bokeh.min.js" in names and b"cdn.bokeh.org" not in out
    for name in names:
        assert vendor_file("bokeh", name.decode()) is not None


def test_urls_of_other_sites_and_unknown_versions_are_left_alone() -> None:
    page = (
        b'<script src="https://cdn.example.org/plotly-4.1.1.min.js"></script>'
        b'<script src="https://cdn.plot.ly/plotly-basic-2.0.0.min.js"></script>'
    )
    assert rewrite_cdn_urls(page) == page


def test_the_route_serves_library_files_publicly(client: TestClient) -> None:
    response = client.get("/vendor/plotly/plotly.min.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.content.startswith(b"/**") or b"plotly" in response.content[:2000]
    panel = client.get("/vendor/panel/panel.min.js")
    assert panel.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/vendor/plotly/%2e%2e/__init__.py",  # leaving the directory
        "/vendor/plotly/..%2f..%2fio%2f__init__.py",
        "/vendor/bokeh/%2e%2e/%2e%2e/__init__.py",
        "/vendor/plotly/templates%2f..%2f..%2f__init__.py",
        "/vendor/numpy/__init__.py",  # not a vendored library
        "/vendor/plotly/package_data.py",  # not a type pages load
        "/vendor/plotly/plotly.min.js%00.png",
    ],
)
def test_nothing_else_is_served(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404, response.text[:200]
    assert b"import" not in response.content


def test_a_library_whose_package_is_not_installed_stays_on_its_cdn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from runyard.server import vendor

    missing = vendor.Library(
        "runyard_no_such_package",
        "dist",
        re.compile(rb"https://cdn\.example\.org/lib-[0-9.]+\.js"),
        lambda _m: b"lib.js",
    )
    monkeypatch.setitem(vendor.LIBRARIES, "missing", missing)
    page = b'<script src="https://cdn.example.org/lib-1.2.3.js"></script>'
    assert rewrite_cdn_urls(page) == page
    assert vendor_file("missing", "lib.js") is None
