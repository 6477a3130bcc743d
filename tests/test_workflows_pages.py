"""Queues with overdue markers, the Panel's minutes export, similar ideas, search, demo and checks."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import workflows_support
from support import PEOPLE
from workflows_support import CHAIR, PANEL, client_for, make_module, post, propose_new_module, user

from wisdom.db import db
from workflows import checks, deciding
from workflows.models import Proposal
from workflows.workdays import working_days_between

panel_app = workflows_support.panel_app
MEMBERS = (PEOPLE["panel_member"][0], PANEL["panel_two"][0], CHAIR)


def sent(app, title: str = "Cooking on a budget") -> int:
    sam = client_for(app, "service_user")
    number = propose_new_module(sam, title=title)
    post(sam, f"/proposals/{number}/check", {"send": "1"})
    return number


def test_the_pdm_queue_marks_what_is_overdue(panel_app):
    app = panel_app(WISDOM_TARGET_WORKING_DAYS=20)
    old, new = sent(app, "Old idea"), sent(app, "New idea")
    with app.app_context():
        db.session.get(Proposal, old).submitted_at = datetime.now() - timedelta(days=40)
        db.session.commit()
    page = client_for(app, "pdm").get("/proposals/to-evaluate").get_data(as_text=True)
    rows = page.split('<tr class="govuk-table__row">')[2:]
    assert "Old idea" in rows[0] and "Overdue" in rows[0]
    assert "New idea" in rows[1] and "Overdue" not in rows[1] and "0 working days" in rows[1]
    assert new != old


def test_working_days_leave_out_weekends():
    friday = date(2026, 11, 27)
    assert working_days_between(friday, friday + timedelta(days=3)) == 1  # to Monday
    assert working_days_between(friday, friday + timedelta(days=28)) == 20
    assert working_days_between(friday, friday - timedelta(days=1)) == 0


def test_the_minutes_list_the_days_decisions_and_export_as_text(panel_app):
    app = panel_app()
    number, waiting = sent(app), sent(app, "Peer mentors")
    with app.app_context():
        pdm = user(PEOPLE["pdm"][0])
        answers = {k: "x" for k in deciding.EVALUATION_FIELDS}
        for n in (number, waiting):
            deciding.evaluate(db.session.get(Proposal, n), pdm, answers, "refer", "")
        proposal = db.session.get(Proposal, number)
        for email in MEMBERS:
            deciding.vote(proposal, user(email), "approve_with_conditions")
        deciding.decide(
            proposal, user(CHAIR), "approve_with_conditions", "Wanted by many.",
            conditions="Run a pilot in Leeds first.", review_date=date(2027, 3, 31),
            meeting_date=date(2026, 11, 26),
        )  # fmt: skip
        db.session.commit()
    chair = client_for(app, "panel_chair")
    page = chair.get("/proposals/minutes?date=2026-11-26").get_data(as_text=True)
    assert "Run a pilot in Leeds first." in page and "3 of 3 in favour" in page
    assert f"Proposal {waiting}: Peer mentors" in page  # on the agenda
    text = chair.get("/proposals/minutes?date=2026-11-26&format=text")
    assert text.headers["Content-Disposition"] == 'attachment; filename="panel-2026-11-26.md"'
    body = text.get_data(as_text=True)
    assert "- Decision: Approve with conditions" in body and "- Review by: 31 March 2027" in body
    empty = chair.get("/proposals/minutes?date=2026-11-25&format=text").get_data(as_text=True)
    assert "No decisions were recorded on this day." in empty


def test_similar_modules_and_open_proposals_show_while_proposing(panel_app):
    app = panel_app()
    make_module(app, title="Cooking skills for a new home")
    sent(app, "Cooking classes at the hostel")
    assert app.test_cli_runner().invoke(args=["search", "sync"]).exit_code == 0
    priya = client_for(app, "practitioner")
    found = priya.get("/proposals/similar?q=cooking").get_json()
    assert {(h["title"], h["kind"]) for h in found} >= {
        ("Cooking skills for a new home", "module"),
        ("Cooking classes at the hostel", "proposal"),
    }
    # A person on probation sees modules, and only their own proposals.
    ash = client_for(app, "service_user")
    titles = {h["title"] for h in ash.get("/proposals/similar?q=cooking").get_json()}
    assert "Cooking skills for a new home" in titles
    response = post(priya, "/proposals/new", {"kind": "new_module"})
    number = response.headers["Location"].split("/")[2]
    checked = post(priya, f"/proposals/{number}/title", {"title": "Cooking together", "check": "1"})
    page = checked.get_data(as_text=True)
    assert "Ideas like yours" in page and "Cooking skills for a new home" in page


def test_the_demo_proposals_load_once(panel_app):
    app = panel_app()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "Demo proposals: 4 loaded" in first.output
    again = runner.invoke(args=["demo", "load"])
    assert "Demo proposals: already loaded, unchanged" in again.output
    with app.app_context():
        states = sorted(p.state for p in db.session.scalars(db.select(Proposal)))
        assert states == ["draft", "referred", "returned", "submitted"]


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("write to sam.okafor@example.org", "an email address"),
        ("call 07700 900123", "a phone number"),
        ("ring +44 113 496 0000", "a phone number"),
        ("my CRN is X123456", "a case reference"),
        ("PNC 2001/0123456A", "a case reference"),
        ("prison number A1234BC", "a case reference"),
    ],
)
def test_personal_data_is_flagged(text, what):
    assert [f.what for f in checks.personal_data({"Why": text})] == [what]


def test_plain_words_are_not_flagged():
    assert checks.personal_data({"Why": "Six sessions of 90 minutes in 2027, for 12 people."}) == []


def test_a_module_that_is_not_in_the_directory_is_refused_on_the_form(panel_app):
    app = panel_app()
    sam = client_for(app, "service_user")
    number = (
        post(sam, "/proposals/new", {"kind": "retire_module"}).headers["Location"].split("/")[2]
    )
    page = post(sam, f"/proposals/{number}/module", {"module_slug": "no-such-module", "next": "1"})
    assert page.status_code == 200
    assert "Choose a module from the list" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Proposal, int(number)).module_slug is None
