"""``Html``: sources, ``inject`` and the ``html-file`` payload."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from runyard.data_types.html import Html
from tests.data_types.conftest import StoredSink

HEAD = Html("", inject=True).html


def test_injected_head_is_base_plus_inline_style_and_fetches_nothing() -> None:
    assert HEAD.startswith('<base target="_blank"><style>html{line-height:1.15;')
    assert HEAD.endswith("</style>")
    assert HEAD.count("<style>") == 1
    for outside in ("http", "//", "<link", "@import", "url("):
        assert outside not in HEAD
    assert len(HEAD.encode()) == 641  # wandb's <base> + <link> is 105 bytes (docs/compat.md)


def test_inject_prefixes_plain_fragments() -> None:
    assert Html("<b>hi</b>").html == HEAD + "<b>hi</b>"
    assert len(Html("<b>hi</b>").html) == 650


def test_inject_into_head_or_html() -> None:
    assert Html("<html><head><title>t</title></head></html>").html == (
        f"<html><head>{HEAD}<title>t</title></head></html>"
    )
    assert Html("<html><body>x</body></html>").html == (
        f"<html><head>{HEAD}</head><body>x</body></html>"
    )


def test_no_inject_path_file_and_data_is_not_path(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("<p>from file</p>", encoding="utf-8")
    assert Html(str(page), inject=False).html == "<p>from file</p>"
    assert Html(str(page), inject=False, data_is_not_path=True).html == str(page)
    assert Html(io.StringIO("<i>io</i>"), inject=False).html == "<i>io</i>"
    with pytest.raises(ValueError, match=r"^data must be a string or an io object$"):
        Html(42)


def test_to_json_stores_the_file_once(sink: StoredSink) -> None:
    html = Html("<b>hi</b>")
    value = html.to_json(sink)
    again = Html("<b>hi</b>").to_json(sink)
    stored = sink.read(value["path"])
    listed = sink.names("media/html")
    sha = hashlib.sha256(html.html.encode()).hexdigest()
    assert value == {
        "_type": "html-file",
        "sha256": sha,
        "size": 650,
        "path": f"media/html/{sha[:2]}/{sha}.html",
    }
    assert again == value
    assert stored == html.html.encode()
    assert len(listed) == 1
