"""Signing in and out, navigation by role, pages without JavaScript, and CSP, in real Chromium."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_support import expect, sign_in
from support import PEOPLE, ROLES

pytestmark = pytest.mark.browser


def test_sign_in_errors_link_to_the_field_then_sign_in_and_out(page, live_server):
    email, name, _roles, password = PEOPLE["practitioner"]
    page.goto(f"{live_server}/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))

    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    # GOV.UK Frontend moves focus to the summary, so screen readers announce it at once.
    expect(summary).to_be_focused()
    link = summary.locator(".govuk-error-summary__list a")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "#password")
    field = page.locator("#password")
    described_by = field.get_attribute("aria-describedby") or ""
    error = page.locator(f"#{described_by.split()[-1]}") if described_by else None
    assert error is not None, "the password field is not described by its error message"
    expect(error).to_contain_text(link.inner_text())
    link.click()
    expect(field).to_be_focused()
    expect(page.get_by_label("Email address")).to_have_value(email)

    field.fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server}/")
    expect(page).to_have_title("Home – WISDOM")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name.split()[0]}")
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/sign-in")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    page.goto(f"{live_server}/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))


def test_an_empty_sign_in_form_links_each_error_to_its_field(page, live_server):
    page.goto(f"{live_server}/sign-in")
    page.get_by_role("button", name="Sign in").click()
    links = page.locator(".govuk-error-summary__list a")
    expect(links).to_have_count(2)
    hrefs = [links.nth(i).get_attribute("href") for i in range(2)]
    assert hrefs == ["#email", "#password"]
    for href in hrefs:
        expect(page.locator(href)).to_have_count(1)
        expect(page.locator(f"{href}-error")).to_be_visible()


@pytest.mark.parametrize("role", ROLES)
def test_navigation_shows_administration_only_to_admins(page, live_server, role):
    sign_in(page, live_server, role)
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link").first).to_have_text("Home")
    expect(menu.locator("[aria-current=page]")).to_have_text("Home")
    labels = [text.strip() for text in menu.get_by_role("link").all_inner_texts()]
    if role == "admin":
        assert {"Users", "Audit log"} <= set(labels), labels
        menu.get_by_role("link", name="Audit log").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
        expect(menu.locator("[aria-current=page]")).to_have_text("Audit log")
        menu.get_by_role("link", name="Users").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Users")
        expect(menu.locator("[aria-current=page]")).to_have_text("Users")
    else:
        assert not {"Users", "Audit log"} & set(labels), labels
        response = page.goto(f"{live_server}/admin/users")
        assert response.status == 403
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "You do not have permission to see this page"
        )


def test_works_without_javascript(new_context, live_server):
    page = new_context(java_script_enabled=False).new_page()
    email, name, _roles, password = PEOPLE["pdm"]
    page.goto(f"{live_server}/sign-in")
    expect(page.locator("body.govuk-frontend-supported")).to_have_count(0)  # no script ran
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("wrong-password-here")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    page.locator(".govuk-error-summary__list a").click()
    expect(page).to_have_url(re.compile(r"#password$"))

    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    # The browser keeps the #password fragment through the redirect.
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/(#password)?$"))
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()

    menu = page.get_by_role("navigation", name="Menu")
    menu.get_by_role("link", name="Library").click()
    expect(page).to_have_url(re.compile(r"/library"))
    expect(menu.locator("[aria-current=page]")).to_have_text("Library")
    page.get_by_role("link", name="Change password").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server}/sign-in")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")


@pytest.mark.parametrize(
    "role", [None, "practitioner", "admin"], ids=["anonymous", "practitioner", "admin"]
)
def test_no_console_errors_or_csp_violations(page, live_server, role):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    if role:
        sign_in(page, live_server, role)
    page.goto(f"{live_server}/")
    page.wait_for_load_state("networkidle")
    # The module scripts, which carry the CSP nonce, ran: GOV.UK Frontend marked the page.
    expect(page.locator("body.govuk-frontend-supported")).to_have_count(1)
    assert problems == [], "console errors (CSP violations are reported here):\n" + "\n".join(
        problems
    )


def test_screenshot_of_the_home_page(page, live_server, tmp_path):
    """A practitioner's home page at 1280x800, as a PNG (WISDOM_SCREENSHOT=docs/home.png keeps it
    for the README)."""
    path = Path(os.environ.get("WISDOM_SCREENSHOT") or tmp_path / "home.png")
    path.parent.mkdir(parents=True, exist_ok=True)
    sign_in(page, live_server, "practitioner")
    page.goto(f"{live_server}/")
    page.wait_for_load_state("networkidle")
    assert page.viewport_size == {"width": 1280, "height": 800}
    assert page.get_by_role("heading", name="Welcome, Priya").is_visible()
    page.screenshot(path=str(path))
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and path.stat().st_size > 10_000
