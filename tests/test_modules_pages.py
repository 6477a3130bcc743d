"""Module pages: history, field-by-field differences, corrections, provenance and linked records."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from modules_support import content, person
from support import csrf_token

from content import services as library
from content.services import ItemData
from modules import services
from wisdom.components import Link, add_link_provider
from wisdom.db import db


def _three_versions(app) -> None:
    with app.app_context():
        pdm = person("pdm")
        module = services.create_module(content(), actor=pdm, change_note="First version")
        second = content(summary="Now with online groups.", formats=["group", "online"])
        second["eligibility"]["rosh_levels"] = ["low", "medium", "high"]
        second["eligibility"]["complexity"]["high"] = "With a psychologist's advice"
        second["sessions"][1]["objectives"] = "Practise three ways to calm down"
        second["sessions"][1]["facilitator_notes"] = "FACILITATOR-ONLY: new buddy system"
        services.publish_version(
            module, second, actor=person("panel_member"), change_note="Online groups approved",
            provenance={"proposal_id": 42, "proposal_url": "/proposals/42",
                        "decision": "Approved 5 to 1", "decided_at": datetime(2026, 9, 17, 15),
                        "credit": "a person on probation"},
        )  # fmt: skip
        services.add_session(
            module,
            {"title": "Keeping it going", "objectives": "Write a plan", "duration_minutes": 60,
             "participant_materials": "Plan template", "facilitator_notes": "Check in later"},
            actor=pdm, change_note="Third session written up",
        )  # fmt: skip


@pytest.fixture
def versions_app(app):
    _three_versions(app)
    return app


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_history_lists_every_version_with_why_and_provenance(versions_app, signed_in):
    page = _text(signed_in("practitioner").get("/directory/managing-emotions/history"))
    assert "3 versions" in page
    for note in ("First version", "Online groups approved", "Third session written up"):
        assert note in page
    assert "From proposal 42, approved by the Panel on 17 September 2026" in page
    assert "credit: a person on probation" in page


def test_differences_show_sessions_and_eligibility_field_by_field(versions_app, signed_in):
    client = signed_in("practitioner")
    raw = client.get("/directory/managing-emotions/diff?a=1&b=2").get_data(as_text=True)
    rows = dict(
        re.findall(
            r'<dt class="govuk-summary-list__key">([^<]+?)(?:<span[^>]*> \(unchanged\)</span>)?</dt>\s*'
            r'<dd class="govuk-summary-list__value wisdom-diff">(.*?)</dd>',
            raw,
            re.S,
        )
    )
    assert "High</ins>" in rows["RoSH levels it suits"]
    assert "<ins>Online</ins>" in rows["Formats"]
    assert "<del>Not</del><ins>With</ins>" in rows["High complexity of need"]
    assert (
        "<del>two</del>" in rows["Session 2: objectives"]
        and "<ins>three</ins>" in rows["Session 2: objectives"]
    )
    assert "<ins> system</ins>" in rows["Session 2: facilitator notes"]
    assert "Unchanged" in rows["Title"]
    # A session added later is a difference too.
    added = client.get("/directory/managing-emotions/diff?a=2&b=3").get_data(as_text=True)
    assert "Session 3: title" in added and "<ins>Keeping it going</ins>" in added


def test_the_module_page_shows_the_current_version_and_its_provenance(versions_app, signed_in):
    staff = _text(signed_in("practitioner").get("/directory/managing-emotions"))
    assert "Version 3" in staff and "Keeping it going" in staff
    assert (
        "Proposed by a person on probation, approved by the Service Development Panel on "
        "17 September 2026." in staff
    )
    assert "Panel decision: Approved 5 to 1" in staff
    client = versions_app.test_client()
    from support import sign_in

    sign_in(client, "service_user")
    easy = _text(client.get("/directory/managing-emotions"))
    assert "Proposed by a person on probation" in easy
    assert "Approved 5 to 1" not in easy  # the panel's reasons are for staff


def test_a_pdm_correction_is_published_and_labelled(versions_app, signed_in):
    client = signed_in("pdm")
    form = client.get("/directory/managing-emotions/correct").get_data(as_text=True)
    assert 'name="expected_version" type="hidden" value="3"' in form
    data = {
        "title": "Managing emotions",
        "summary": "Six sessions on noticing anger early.",
        "description": "Corrected.",
        "referral_route": "Referral form in the case record",
        "referral_contact": "emotions@example.org",
        "areas": "Leeds\nBradford",
        "outcomes": "Uses a calming plan",
        "status": "active",
        "review_date": "2027-06-30",
        "change_note": "New referral mailbox",
        "expected_version": "3",
        "csrf_token": csrf_token(client, "/directory/managing-emotions/correct"),
    }
    response = client.post("/directory/managing-emotions/correct", data=data)
    assert response.status_code == 302
    page = _text(client.get("/directory/managing-emotions"))
    assert "emotions@example.org" in page and "(a correction: New referral mailbox)" in page
    history = client.get("/directory/managing-emotions/history").get_data(as_text=True)
    assert history.count(">Correction</strong>") == 1
    with versions_app.app_context():
        module = services.find_module("managing-emotions")
        version = services.current_version(module)
        assert version.correction and version.author.email == "morgan@example.org"
        assert version.content["sessions"][2]["title"] == "Keeping it going"  # sessions kept


def test_a_correction_on_a_stale_version_is_refused_with_a_clear_message(versions_app, signed_in):
    client = signed_in("pdm")
    token = csrf_token(client, "/directory/managing-emotions/correct")
    base = {
        "title": "Managing emotions", "summary": "S.", "referral_route": "R",
        "referral_contact": "C", "areas": "Leeds", "outcomes": "O", "status": "active",
        "review_date": "2027-06-30", "csrf_token": token,
    }  # fmt: skip
    stale = client.post(
        "/directory/managing-emotions/correct",
        data={**base, "change_note": "Mine", "expected_version": "2"},
    )
    assert stale.status_code == 200
    assert "is now at version 3, not version 2" in html.unescape(stale.get_data(as_text=True))
    empty = client.post(
        "/directory/managing-emotions/correct",
        data={**base, "change_note": "", "expected_version": "3", "review_date": "soon"},
    )
    text = html.unescape(empty.get_data(as_text=True))
    assert "Say what changed and why" in text and "YYYY-MM-DD" in text
    assert "govuk-error-summary" in text
    with versions_app.app_context():
        assert services.find_module("managing-emotions").current_version == 3


def test_related_guidance_and_plugin_evidence_appear_through_link_providers(
    versions_app, signed_in
):
    with versions_app.app_context():
        library.create(
            ItemData(
                kind="guidance", title="Responding to anger in supervision", summary="How to.",
                body="Text.", classification="open", pathways=["emotional-wellbeing"],
            ),
            person("pdm"),
        )  # fmt: skip
        library.create(
            ItemData(
                kind="guidance", title="Housing on release", summary="Other pathway.",
                body="Text.", classification="open", pathways=["accommodation"],
            ),
            person("pdm"),
        )  # fmt: skip
        db.session.commit()

    def outcomes(subject, user):
        if subject.kind != "module":
            return []
        return [Link(f"3 completions of version {subject.version}", "/cases/outcomes", "Outcomes")]

    add_link_provider(versions_app, outcomes)
    page = _text(signed_in("practitioner").get("/directory/managing-emotions"))
    assert "Related guidance Responding to anger in supervision" in page
    assert "Housing on release" not in page
    assert "Outcomes 3 completions of version 3" in page


def test_a_failing_link_provider_does_not_break_the_page(versions_app, signed_in):
    def broken(subject, user):
        raise RuntimeError("plugin fault")

    add_link_provider(versions_app, broken)
    response = signed_in("practitioner").get("/directory/managing-emotions")
    assert response.status_code == 200
    assert "No outcomes or other evidence are linked to this module yet" in _text(response)
