"""Reading what the web app drew: ``window.__runyardCharts`` and the run colour rule."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import Page

#: web/src/lib/runColor.ts PALETTE, in order.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#332288",
    "#117733",
    "#882255",
    "#999933",
    "#44AA99",
    "#AA4499",
)


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over UTF-16 code units (as the UI hashes run ids)."""
    data = text.encode("utf-16-le")
    value = 0x811C9DC5
    for unit in struct.unpack(f"<{len(data) // 2}H", data):
        value ^= unit
        value = (value * 0x01000193) & 0xFFFFFFFF
    return value


def expected_colors(runs: list[dict[str, Any]]) -> dict[str, str]:
    """The colours the UI gives a project's runs (web/src/lib/runColor.ts assignColors):
    the hashed palette slot, or the next free one in creation order; stored colours win."""
    colors: dict[str, str] = {}
    taken: set[int] = set()
    for run in sorted(runs, key=lambda r: (r["created_at"], r["id"])):
        if run.get("color"):
            colors[run["id"]] = run["color"]
            continue
        if len(taken) == len(PALETTE):
            taken = set()
        slot = fnv1a(run["id"]) % len(PALETTE)
        while slot in taken:
            slot = (slot + 1) % len(PALETTE)
        taken.add(slot)
        colors[run["id"]] = PALETTE[slot]
    return colors


def chart(page: Page, key: str) -> dict[str, Any] | None:
    """The chart published for a metric, or None when none is drawn."""
    result: dict[str, Any] | None = page.evaluate(
        "key => (window.__runyardCharts || {})[key] || null", key
    )
    return result


def wait_chart(
    page: Page, key: str, condition: str = "true", timeout: float = 10_000
) -> dict[str, Any]:
    """Wait until the chart for `key` is drawn and the JS expression `condition`
    (over `c`, the published chart) holds; return the chart."""
    page.wait_for_function(
        f"key => {{ const c = (window.__runyardCharts || {{}})[key]; return !!c && ({condition}); }}",
        arg=key,
        timeout=timeout,
    )
    drawn = chart(page, key)
    assert drawn is not None
    return drawn


def runs_drawn(drawn: dict[str, Any]) -> set[str]:
    return {s["run"] for s in drawn["series"]}


def tid(value: str) -> str:
    """A CSS selector for a data-testid (ids may hold ':', '/', '.')."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'[data-testid="{escaped}"]'


def eventually(read: Callable[[], Any], expected: Any, timeout: float = 5.0) -> None:
    """Assert that `read()` returns `expected` within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.1)
        value = read()
    assert value == expected
