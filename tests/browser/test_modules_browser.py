"""The Directory in real Chromium with JavaScript off: a practitioner finds the right module fast."""

from __future__ import annotations

import time

import pytest
from browser_support import expect, sign_in

pytestmark = pytest.mark.browser


def test_a_practitioner_finds_the_module_for_a_described_person_without_javascript(
    new_context, demo_app, serve
):
    """'A woman of 34, medium RoSH, in Wakefield, with debt problems, who can only do online
    sessions': one click to the Directory, six choices on one form, one click to apply."""
    base = serve(demo_app)
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, base, "practitioner")
    started = time.monotonic()
    actions = 0

    page.get_by_role("link", name="Directory of Services").first.click()
    actions += 1
    filters = page.locator(".moj-filter")
    filters.get_by_label("Finance, benefit and debt").check()
    filters.get_by_role("group", name="Sex").get_by_label("Women").check()
    filters.get_by_label("Age").fill("34")
    filters.get_by_role("group", name="Risk of serious harm (RoSH)").get_by_label("Medium").check()
    filters.get_by_label("Wakefield").check()
    filters.get_by_role("group", name="Format").get_by_label("Online").check()
    actions += 6
    filters.get_by_role("button", name="Apply filters").first.click()
    actions += 1
    page.wait_for_load_state()
    elapsed = time.monotonic() - started

    results = page.locator("#results h2 a")
    expect(results.filter(has_text="Getting on top of debt")).to_be_visible()
    assert results.count() <= 3
    # The right module is on the first screen, without scrolling.
    box = results.filter(has_text="Getting on top of debt").bounding_box()
    assert box is not None and box["y"] + box["height"] <= page.viewport_size["height"]
    expect(page.locator(".wisdom-reasons").first).to_contain_text("Runs in all areas")
    print(
        f"\nUNDER A MINUTE (browser, no JavaScript): {actions} actions, 6 filters, "
        f"{results.count()} results, {elapsed:.1f}s of page time"
    )
    assert elapsed < 60
