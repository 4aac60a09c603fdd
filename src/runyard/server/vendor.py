"""Chart libraries that logged HTML pages load from CDNs, served from installed packages.

A page saved by Plotly (``include_plotlyjs="cdn"``), Bokeh or Panel loads plotly.js,
BokehJS or Panel's JS from its CDN: behind a firewall, or offline, such a page stays
blank. The same files ship inside the Python packages that wrote the page, so when the
server has those packages installed, logged HTML is served with the CDN URLs of those
libraries pointed at ``/vendor/<library>/…`` (:func:`rewrite_cdn_urls`), which
:func:`vendor_file` answers from the package's own files.

Only files under each package's directory of static files are served, only of the
types a page loads (scripts, styles, fonts, images, source maps), and nothing of the
user's: the route needs no login (a sandboxed page's requests carry no cookies). A
page's ``integrity`` hashes still hold: a package ships the same file its pages name
(plotly's ``plotly-4.1.1.min.js`` is the package's ``plotly.min.js``); a page written
by another version than the installed one fails its hash check or loads the installed
version, which is the best this machine can do without the CDN.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["LIBRARIES", "VENDOR_PREFIX", "Library", "rewrite_cdn_urls", "vendor_file"]

#: Where the server answers vendored files (outside the API: no login).
VENDOR_PREFIX = "/vendor"

#: File types a page loads from a library's CDN, with the type they are served as.
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
    ".json": "application/json",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}


@dataclass(frozen=True)
class Library:
    """A library's CDN URLs (``cdn``) and where its files lie in a Python package."""

    package: str
    subdir: str
    cdn: re.Pattern[bytes]
    #: The file under ``subdir`` that a matched CDN URL names.
    local: Callable[[re.Match[bytes]], bytes]


_VERSION = rb"\d+\.\d+\.\d+(?:[.-]?(?:dev|rc|a|b)\.?\d+)?"

LIBRARIES: dict[str, Library] = {
    # https://cdn.plot.ly/plotly-4.1.1.min.js (plotly.io's include_plotlyjs="cdn")
    "plotly": Library(
        "plotly",
        "package_data",
        re.compile(rb"https://cdn\.plot\.ly/plotly-(?:latest|" + _VERSION + rb")(?:\.min)?\.js"),
        lambda _m: b"plotly.min.js",
    ),
    # https://cdn.bokeh.org/bokeh/release/bokeh-widgets-3.9.2.min.js
    "bokeh": Library(
        "bokeh",
        "server/static/js",
        re.compile(
            rb"https://cdn\.bokeh\.org/bokeh/release/(bokeh(?:-[a-z]+)*)-"
            + _VERSION
            + rb"(\.min)?\.js"
        ),
        lambda m: m.group(1) + (m.group(2) or b"") + b".js",
    ),
    # https://cdn.holoviz.org/panel/1.8.4/dist/panel.min.js (and its css/, bundled/ …)
    "panel": Library(
        "panel",
        "dist",
        re.compile(rb"https://cdn\.holoviz\.org/panel/[0-9A-Za-z.+-]+/dist/([0-9A-Za-z_./@+-]+)"),
        lambda m: m.group(1),
    ),
}


@cache
def _root(name: str) -> Path | None:
    """The library's directory of static files, if its package is installed (found
    without importing it: importing bokeh or plotly takes seconds)."""
    library = LIBRARIES[name]
    try:
        spec = importlib.util.find_spec(library.package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))) / library.subdir
    return root.resolve() if root.is_dir() else None


def vendor_file(name: str, path: str) -> tuple[Path, str] | None:
    """``(file, content type)`` for ``/vendor/<name>/<path>``, or None when that is not a
    static file of an installed library (unknown library, a path leaving its
    directory, a type pages do not load)."""
    if name not in LIBRARIES or "\0" in path:
        return None
    root = _root(name)
    if root is None:
        return None
    kind = _TYPES.get(Path(path).suffix.lower())
    if kind is None:
        return None
    target = (root / path).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        return None
    return target, kind


def rewrite_cdn_urls(html: bytes, prefix: str = VENDOR_PREFIX) -> bytes:
    """``html`` with the CDN URLs of installed libraries pointed at ``prefix``; the
    others are left as they are (a library this server does not have)."""
    for name, library in LIBRARIES.items():
        if library.cdn.search(html) is None or _root(name) is None:
            continue
        html = library.cdn.sub(_local_url(library, f"{prefix}/{name}/".encode()), html)
    return html


def _local_url(library: Library, base: bytes) -> Callable[[re.Match[bytes]], bytes]:
    return lambda match: base + library.local(match)
