"""The whole proposal journey in real Chromium, as the issue's "done when" describes it.

A person on probation proposes a module; the PDM returns it; they revise and send it again; the
PDM refers it; three Panel members vote; the chair approves; the PDM publishes; the module is in
the Directory and in search with the chosen credit; and everyone was told, in the app and by email.
"""

from __future__ import annotations

import re
import time

import pytest
import workflows_support
from browser_support import axe_violations, describe, expect, sign_in
from support import PEOPLE
from workflows_support import CHAIR, PANEL, make_module, smtp_server

pytestmark = pytest.mark.browser
panel_app = workflows_support.panel_app
TITLE = "Cooking on a budget"


def sign_in_panel(page, base: str, key: str) -> None:
    """Sign in through the form as one of the extra Panel accounts."""
    email, _name, _roles, password = PANEL[key]
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/")


def evaluate(page, base: str, number: str, what_next: str, message: str) -> None:
    """The PDM opens the queue, the proposal, and evaluates it."""
    page.goto(f"{base}/")
    page.get_by_role("link", name=re.compile(r"Proposals to evaluate: 1")).click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="Evaluate this proposal").click()
    for label in ("Need", "Evidence", "Fit with pathways", "Feasibility", "Cost", "Risk"):
        page.get_by_label(label).fill(f"{label}: looked at with the team leads.")
    page.get_by_label(what_next).check()
    page.get_by_label("Message to the proposer, in plain words").fill(message)
    page.get_by_role("button", name="Save evaluation").click()
    expect(page).to_have_url(f"{base}/proposals/{number}")


def test_a_person_on_probations_idea_reaches_the_directory(
    new_context, panel_app, serve, axe_source, capsys
):
    began = time.perf_counter()
    with smtp_server() as inbox:
        app = panel_app(WISDOM_SMTP_HOST="127.0.0.1", WISDOM_SMTP_PORT=inbox.port)
        make_module(app, title="Cooking skills for a new home", summary="Basic cooking skills.")
        assert app.test_cli_runner().invoke(args=["search", "sync"]).exit_code == 0
        base = serve(app)
        checked = {}

        def axe(page, label):
            page.wait_for_load_state()  # check the page that is shown, not one still leaving
            checked[label] = axe_violations(page, axe_source)

        # A person on probation proposes, one question a page.
        sam = new_context().new_page()
        sign_in(sam, base, "service_user")
        sam.get_by_role("link", name="Proposals", exact=True).first.click()
        sam.get_by_role("link", name="Suggest an idea").click()
        sam.get_by_label("A new module").check()
        sam.get_by_role("button", name="Continue").click()
        sam.wait_for_load_state()
        sam.get_by_label("Give your idea a short name").fill(TITLE)
        # While typing (JavaScript), then by the button that works without it.
        expect(sam.locator("#similar-results")).to_contain_text("Cooking skills for a new home")
        sam.get_by_role("button", name="Check for similar ideas").click()
        expect(sam.locator("#similar-results")).to_contain_text("Cooking skills for a new home")
        axe(sam, "title step with similar ideas")
        sam.get_by_role("button", name="Continue").click()
        sam.get_by_label("In one or two sentences, what is it?").fill(
            "Learn to cook cheap, healthy meals."
        )
        sam.get_by_label("What would happen in it?").fill(
            "Each week we cook one meal for under £2."
        )
        sam.get_by_label("Education, training and employment").check()
        axe(sam, "details step")
        sam.get_by_role("button", name="Continue").click()
        sam.get_by_label("Why is this needed?").fill("I ran out of money. Ring me on 07700 900123.")
        sam.get_by_role("button", name="Continue").click()
        sam.get_by_label("My initials").check()
        sam.get_by_role("button", name="Continue").click()
        expect(sam.get_by_role("heading", level=1)).to_have_text(
            "Check your answers before sending"
        )
        expect(sam.locator(".wisdom-personal-data")).to_contain_text("personal information")
        axe(sam, "check your answers with a personal-data warning")
        sam.get_by_role("button", name="Send my idea").click()
        expect(sam.locator(".govuk-panel__title")).to_have_text("Your idea has been sent")
        axe(sam, "confirmation")
        number = sam.locator(".govuk-panel__body strong").inner_text()

        # The PDM sends it back with a question.
        pdm = new_context().new_page()
        sign_in(pdm, base, "pdm")
        evaluate(pdm, base, number, "Send it back to the proposer for changes",
                 "Thank you. Please take out your phone number and say who would run it.")  # fmt: skip
        axe(pdm, "proposal page for the PDM")

        # The proposer is told, revises and sends it again.
        sam.goto(f"{base}/")
        expect(sam.locator(".wisdom-unread")).to_be_visible()
        sam.locator(".wisdom-notifications-link").click()
        axe(sam, "notifications")
        sam.get_by_role("link", name=re.compile("sent back to you")).click()
        expect(sam.locator("main")).to_contain_text("Please take out your phone number")
        sam.get_by_role("link", name="Make changes and send again").click()
        sam.get_by_role("link", name="Change why it is needed").click()
        sam.get_by_label("Why is this needed?").fill(
            "I ran out of money every month. The peer mentors could run it."
        )
        sam.get_by_role("button", name="Continue").click()
        expect(sam.locator(".wisdom-personal-data")).to_have_count(0)
        sam.get_by_role("button", name="Send my idea").click()
        expect(sam.locator(".govuk-panel__title")).to_have_text("Your idea has been sent")

        # The PDM refers it to the Panel.
        evaluate(pdm, base, number, "Send it to the Panel", "A good idea: it goes to the Panel.")

        # Three Panel members vote.
        for key in ("panel_member", "panel_two", "panel_chair"):
            member = new_context().new_page()
            if key == "panel_member":
                sign_in(member, base, key)
            else:
                sign_in_panel(member, base, key)
            member.get_by_role("link", name=re.compile("Proposals for the Panel to decide")).click()
            axe(member, f"Panel queue ({key})")
            member.get_by_role("link", name=TITLE).click()
            member.get_by_label("Approve", exact=True).check()
            member.get_by_role("button", name="Record my vote").click()
            expect(member.locator(".govuk-notification-banner")).to_contain_text(
                "Your vote is recorded"
            )
        chair = member

        # The chair records the decision.
        chair.get_by_role("link", name="Record the Panel's decision").click()
        expect(chair.locator("main")).to_contain_text("3 members have voted")
        chair.get_by_label("Approve", exact=True).check()
        chair.get_by_label("Reasons, in plain words for the proposer").fill(
            "People asked for this and it costs little."
        )
        chair.locator("#review_date-day").fill("1")
        chair.locator("#review_date-month").fill("6")
        chair.locator("#review_date-year").fill("2027")
        axe(chair, "decision form")
        chair.get_by_role("button", name="Record the decision").click()
        expect(chair.locator("main")).to_contain_text("The Panel's decision: approve")
        chair.goto(f"{base}/proposals/minutes")
        expect(chair.locator("main")).to_contain_text("People asked for this")
        axe(chair, "agenda and minutes")

        # The PDM publishes, crediting the proposer as they chose.
        pdm.goto(f"{base}/proposals/{number}")
        pdm.get_by_role("link", name="Publish to the Directory").click()
        expect(pdm.locator(".wisdom-credit")).to_have_text("S. O.")
        axe(pdm, "publish")
        pdm.get_by_role("button", name="Publish").click()
        expect(pdm).to_have_url(re.compile(r"/directory/cooking-on-a-budget$"))
        expect(pdm.locator(".wisdom-provenance")).to_contain_text("Proposed by S. O.")

        # In the Directory, in search, and on You said, we did, for the proposer to see.
        sam.goto(f"{base}/directory")
        expect(sam.get_by_role("link", name=TITLE)).to_be_visible()
        sam.goto(f"{base}/search?q=cooking+budget")
        expect(sam.locator("main").get_by_role("link", name=TITLE)).to_be_visible()
        sam.get_by_role("link", name="You said, we did").click()
        expect(sam.locator(".wisdom-you-said")).to_contain_text("Suggested by S. O.")
        axe(sam, "you said, we did")
        sam.goto(f"{base}/notifications")
        expect(sam.locator("main")).to_contain_text("now in the Directory of Services")

    told = {to for tos, _message in inbox.messages for to in tos}
    everyone = {PEOPLE["service_user"][0], PEOPLE["pdm"][0], PEOPLE["panel_member"][0],
                PANEL["panel_two"][0], CHAIR}  # fmt: skip
    assert everyone <= told, everyone - told
    assert not any(TITLE in m.get_payload(decode=True).decode() for _tos, m in inbox.messages)
    assert not any(checked.values()), describe(checked, len(checked))
    with capsys.disabled():
        print(
            f"\nProposal journey: {len(checked)} pages checked by axe, {len(inbox.messages)} "
            f"emails to {len(told)} people, {time.perf_counter() - began:.1f} s"
        )
