"""Reading what the web app drew: ``window.__runyardCharts`` and the run colour rule."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from runyard.metrics.colors import assign_run_colors

if TYPE_CHECKING:
    from playwright.sync_api import Page


def expected_colors(runs: list[dict[str, Any]]) -> dict[str, str]:
    """The colours the UI gives a project's runs (web/src/lib/runColor.ts mirrors
    :func:`runyard.metrics.colors.assign_run_colors`, checked by shared golden cases)."""
    return assign_run_colors((r["id"], r["created_at"], r.get("color")) for r in runs)


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


def open_menu(page: Page, panel: str) -> None:
    """Open the panel's actions menu. A panel above still drawing can shift this one
    between Playwright's aim and its click: the menu is clicked again if it did not open."""
    from playwright.sync_api import expect

    button = page.locator(tid(f"panel-menu-{panel}"))
    for attempt in range(3):
        button.click()
        try:
            expect(button).to_have_attribute("aria-expanded", "true", timeout=2_000)
            return
        except AssertionError:
            if attempt == 2:
                raise
