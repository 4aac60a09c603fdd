"""Panel sections (issue 18): rename, reorder, collapse, delete, and a panel moved from
one section to another (menu and drag). Each action is checked in the rendered page,
in the workspace the server saved, after a reload, and through a saved view."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright", reason="needs playwright (pip install playwright)")
from playwright.sync_api import Page, expect

from tests.browser.charts import eventually, open_menu, tid, wait_chart
from tests.browser.conftest import Server
from tests.browser.panels_store import (  # noqa: F401  (fixtures)
    WORKSPACE,
    fixture_panels_page,
    fixture_panels_server,
    fixture_panels_store,
    reset,
    saved,
    settle,
)


def open_workspace(page: Page, url: str = WORKSPACE) -> Page:
    page.goto(url)
    expect(page.locator(tid("panel-grid"))).to_be_visible()
    wait_chart(page, "loss", "c.series.length === 3")
    return page


def sections(page: Page) -> list[str]:
    """The line sections' ids, top to bottom."""
    ids: list[str] = page.locator(f"{tid('panel-grid')} > section").evaluate_all(
        "els => els.map(e => e.dataset.testid.slice('section-'.length))"
    )
    return ids


def titles(page: Page) -> list[str]:
    shown: list[str] = page.locator(
        f"{tid('panel-grid')} > section [data-testid^='section-title-']"
    ).all_inner_texts()
    return shown


def panel_ids(page: Page, section: str) -> list[str]:
    ids: list[str] = page.locator(f"{tid(f'section-{section}')} [data-panel-id]").evaluate_all(
        "els => els.map(e => e.dataset.panelId)"
    )
    return ids


def reload(page: Page, server: Server) -> Page:
    settle(server)
    page.reload()
    expect(page.locator(tid("panel-grid"))).to_be_visible()
    return page


def test_rename_a_section_survives_a_reload(panels_page: Page, panels_server: Server) -> None:
    page = open_workspace(panels_page)
    page.locator(tid("section-rename-val")).click()
    page.locator(tid("section-name-val")).fill("Validation")
    page.keyboard.press("Enter")
    expect(page.locator(tid("section-title-val"))).to_have_text("Validation")
    eventually(lambda: saved(panels_server).get("sectionTitles"), {"val": "Validation"})
    # the panels stay where they were; the id (and what is stored by it) is unchanged
    assert sorted(panel_ids(page, "val")) == ["val/acc", "val/loss"]
    reload(page, panels_server)
    expect(page.locator(tid("section-title-val"))).to_have_text("Validation")
    # naming it back to its own name clears the stored title
    page.locator(tid("section-rename-val")).click()
    page.locator(tid("section-name-val")).fill("val")
    page.keyboard.press("Enter")
    eventually(lambda: saved(panels_server).get("sectionTitles"), {})


def test_reorder_sections_up_and_down(panels_page: Page, panels_server: Server) -> None:
    page = open_workspace(panels_page)
    before = sections(page)
    assert len(before) == 2
    top, bottom = before
    expect(page.locator(tid(f"section-up-{top}"))).to_be_disabled()
    expect(page.locator(tid(f"section-down-{bottom}"))).to_be_disabled()
    page.locator(tid(f"section-up-{bottom}")).click()
    eventually(lambda: sections(page), [bottom, top])
    eventually(lambda: saved(panels_server).get("sectionOrder", [])[:2], [bottom, top])
    reload(page, panels_server)
    eventually(lambda: sections(page), [bottom, top])
    page.locator(tid(f"section-down-{bottom}")).click()
    eventually(lambda: sections(page), [top, bottom])


def test_collapse_a_section_survives_a_reload(panels_page: Page, panels_server: Server) -> None:
    page = open_workspace(panels_page)
    toggle = page.locator(tid("section-toggle-val"))
    expect(toggle).to_have_attribute("aria-expanded", "true")
    toggle.click()
    expect(page.locator(f"{tid('section-val')} [data-panel-id]")).to_have_count(0)
    expect(toggle).to_have_attribute("aria-expanded", "false")
    eventually(lambda: "val" in saved(panels_server).get("collapsedSections", []), True)
    reload(page, panels_server)
    expect(page.locator(tid("section-toggle-val"))).to_have_attribute("aria-expanded", "false")
    expect(page.locator(f"{tid('section-val')} [data-panel-id]")).to_have_count(0)
    page.locator(tid("section-toggle-val")).click()
    expect(page.locator(f"{tid('section-val')} [data-panel-id]")).to_have_count(2)


def test_delete_an_automatic_section_hides_its_panels_until_restored(
    panels_page: Page, panels_server: Server
) -> None:
    page = open_workspace(panels_page)
    page.locator(tid("section-delete-val")).click()
    expect(page.locator(tid("section-val"))).to_have_count(0)
    eventually(
        lambda: sorted(saved(panels_server).get("hiddenPanels", [])), ["val/acc", "val/loss"]
    )
    reload(page, panels_server)
    expect(page.locator(tid("section-val"))).to_have_count(0)
    page.locator(tid("restore-panels")).click()
    expect(page.locator(f"{tid('section-val')} [data-panel-id]")).to_have_count(2)


def test_move_a_panel_to_another_section_by_menu_and_by_drag(
    panels_page: Page, panels_server: Server
) -> None:
    page = open_workspace(panels_page)
    home = page.evaluate(
        "() => document.querySelector('[data-panel-id=\"acc\"]').closest('section').dataset.testid"
    ).removeprefix("section-")
    assert home != "val"
    open_menu(page, "acc")
    val = panel_ids(page, "val")
    assert sorted(val) == ["val/acc", "val/loss"]
    page.locator(tid("panel-move-acc")).select_option("val")
    eventually(lambda: panel_ids(page, "val"), [*val, "acc"])
    assert "acc" not in panel_ids(page, home)
    eventually(lambda: saved(panels_server).get("panelSections"), {"acc": "val"})
    # the moved panel still draws its metric (panels load once scrolled into view)
    page.locator(tid("panel-acc")).scroll_into_view_if_needed()
    wait_chart(page, "acc", "c.series.length === 3")
    reload(page, panels_server)
    eventually(lambda: panel_ids(page, "val"), [*val, "acc"])
    # drag another panel across sections, before the first panel of `val`
    page.locator(tid("panel-drag-loss")).drag_to(page.locator(tid(f"panel-{val[0]}")))
    eventually(lambda: panel_ids(page, "val"), ["loss", *val, "acc"])
    eventually(lambda: saved(panels_server).get("panelSections"), {"acc": "val", "loss": "val"})
    # moving it back home forgets the move
    open_menu(page, "acc")
    page.locator(tid("panel-move-acc")).select_option(home)
    eventually(lambda: saved(panels_server).get("panelSections"), {"loss": "val"})
    reload(page, panels_server)
    eventually(lambda: "acc" in panel_ids(page, home), True)


def test_sections_travel_with_a_saved_view(panels_page: Page, panels_server: Server) -> None:
    page = open_workspace(panels_page)
    page.locator(tid("section-rename-val")).click()
    page.locator(tid("section-name-val")).fill("Held out")
    page.keyboard.press("Enter")
    order = sections(page)
    page.locator(tid(f"section-up-{order[1]}")).click()
    eventually(lambda: sections(page), order[::-1])
    page.locator(tid("view-name")).fill("sections")
    page.locator(tid("view-save")).click()
    page.wait_for_url("**?view=sections**")
    settle(panels_server)
    # the workspace forgets the layout; the saved view brings it back
    reset(panels_server)
    open_workspace(page, WORKSPACE)
    eventually(lambda: sections(page), order)
    expect(page.locator(tid("section-title-val"))).to_have_text("val")
    open_workspace(page, f"{WORKSPACE}?view=sections")
    expect(page.locator(tid("section-title-val"))).to_have_text("Held out")
    eventually(lambda: sections(page), order[::-1])
    assert "Held out" in titles(page)
