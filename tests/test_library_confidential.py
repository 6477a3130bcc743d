"""Confidential items and sections: a reason first, an audit record for every look, and no leaks."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from library_support import add_person, item_by_slug, sign_in_as, user_by_email
from sqlalchemy import select
from support import csrf_token, post_form, sign_in

from content import services
from content.services import ItemData
from wisdom.audit.models import AuditRecord
from wisdom.db import db

SECRET = "CONFIDENTIAL-TOKEN-7Q4Z"
SECTION = "SECTION-TOKEN-9K2W"
OTHER_PRACTITIONER = ("kim@example.org", "Kim Lee", ["practitioner"], "practitioner-other-26")


@pytest.fixture
def library(app):
    """A confidential item with two versions, and a staff item holding a confidential section."""
    with app.app_context():
        pdm = user_by_email("morgan@example.org")
        secret = services.create(
            ItemData(
                kind="guidance", title="Managing a high-profile case",
                body=f"Who to call: {SECRET}.", classification="confidential",
            ),
            pdm,
        )  # fmt: skip
        services.update(
            secret,
            replace(ItemData.of(secret, "guidance"), body=f"Who to call first: {SECRET}."),
            secret.lock_version,
            pdm,
            change_note="Clarified who to call",
        )
        section = services.create(
            ItemData(
                kind="guidance", title="Working with MAPPA", classification="staff",
                body=f"Open advice.\n\n```confidential\nThe panel meets at {SECTION}.\n```\n\nMore.",
            ),
            pdm,
        )  # fmt: skip
        db.session.commit()
        return {"secret": (secret.slug, secret.id), "section": (section.slug, section.id)}


def audits(app, action: str) -> list[AuditRecord]:
    """Audit records of one kind, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)
        ).all()
        db.session.expunge_all()
        return rows


def give_reason(client, path: str, reason: str = "qa", other: str = "") -> str:
    """Open a confidential page, answer the reason question; return where it leads."""
    first = client.get(path)
    assert first.status_code == 302, (path, first.status_code)
    asked = first.headers["Location"]
    assert "/reason" in asked
    page = client.get(asked)
    assert page.status_code == 200 and "Why are you opening this?" in page.get_data(as_text=True)
    response = client.post(
        asked,
        data={"reason": reason, "other": other, "csrf_token": csrf_token(client, asked)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def test_a_cleared_reader_gives_a_reason_then_each_view_is_audited(app, library, signed_in):
    slug, item_id = library["secret"]
    client = signed_in("pdm")
    assert audits(app, "confidential_viewed") == []
    target = give_reason(client, f"/library/{slug}")
    assert target.startswith(f"/library/{slug}")
    assert audits(app, "confidential_viewed") == []  # nothing was shown yet
    page = client.get(target)
    assert page.status_code == 200 and SECRET in page.get_data(as_text=True)
    (seen,) = audits(app, "confidential_viewed")
    with app.app_context():
        pdm_id = user_by_email("morgan@example.org").id
    assert (seen.actor_id, seen.object_type, seen.object_id) == (pdm_id, "item", str(item_id))
    assert seen.reason == "Quality assurance or audit"
    assert json.loads(seen.detail)["version"] == 2
    # Asked once a session: the next look is shown at once, and audited again.
    assert client.get(f"/library/{slug}").status_code == 200
    assert len(audits(app, "confidential_viewed")) == 2
    # An old version is a view of that version.
    assert SECRET in client.get(f"/library/{slug}/versions/1").get_data(as_text=True)
    assert json.loads(audits(app, "confidential_viewed")[-1].detail)["version"] == 1


def test_another_reason_must_be_written_down(app, library, signed_in):
    slug, _ = library["secret"]
    client = signed_in("quality_lead")
    asked = client.get(f"/library/{slug}").headers["Location"]
    empty = client.post(
        asked, data={"reason": "other", "other": " ", "csrf_token": csrf_token(client, asked)}
    )
    assert empty.status_code == 200
    assert "Give the reason you are opening this" in empty.get_data(as_text=True)
    assert client.get(f"/library/{slug}").status_code == 302  # still not opened
    give_reason(client, f"/library/{slug}", "other", "Preparing the Panel briefing")
    assert client.get(f"/library/{slug}").status_code == 200
    assert audits(app, "confidential_viewed")[-1].reason == "Preparing the Panel briefing"


def test_the_reason_is_asked_again_in_a_new_session(app, library, signed_in):
    slug, _ = library["secret"]
    client = signed_in("pdm")
    give_reason(client, f"/library/{slug}")
    assert client.get(f"/library/{slug}").status_code == 200
    post_form(client, "/sign-out", {})
    assert sign_in(client, "pdm").status_code == 302
    assert client.get(f"/library/{slug}").status_code == 302


@pytest.mark.parametrize(
    "path,action,version",
    [
        ("/print", "confidential_printed", 2),
        ("/export", "confidential_exported", 2),
        ("/diff?a=1&b=2", "confidential_compared", 2),
    ],
)
def test_print_export_and_compare_are_audited(app, library, signed_in, path, action, version):
    slug, item_id = library["secret"]
    client = signed_in("panel_member")
    target = give_reason(client, f"/library/{slug}{path}", "panel")
    assert target == f"/library/{slug}{path}"
    response = client.get(target)
    assert response.status_code == 200 and SECRET in response.get_data(as_text=True)
    (record,) = audits(app, action)
    assert record.object_id == str(item_id)
    assert record.reason == "Service Development Panel business"
    assert json.loads(record.detail)["version"] == version
    assert record.actor == "alex@example.org"


def test_opening_a_confidential_section_is_audited_too(app, library, signed_in):
    slug, item_id = library["section"]
    client = signed_in("pdm")
    target = give_reason(client, f"/library/{slug}")
    page = client.get(target).get_data(as_text=True)
    assert SECTION in page and "Some content is restricted" not in page
    (record,) = audits(app, "confidential_viewed")
    assert record.object_id == str(item_id)


PAGES = ("", "/history", "/versions/1", "/diff?a=1&b=1", "/print", "/export")


@pytest.mark.parametrize("role", ["practitioner", "service_user", "admin"])
def test_uncleared_readers_see_a_note_instead_of_the_section(app, library, signed_in, role):
    slug, _ = library["section"]
    with app.app_context():
        item = item_by_slug(slug)
        services.update(
            item, replace(ItemData.of(item, "guidance"), classification="open"),
            item.lock_version, user_by_email("morgan@example.org"), change_note="Opened up",
        )  # fmt: skip
        db.session.commit()
    client = signed_in(role)
    page = client.get(f"/library/{slug}").get_data(as_text=True)
    assert "Some content is restricted" in page and "Open advice." in page
    for path in PAGES + ("/diff?a=1&b=2", "/versions/2"):
        response = client.get(f"/library/{slug}{path}")
        if role == "service_user" and path in ("/versions/1", "/diff?a=1&b=2", "/diff?a=1&b=1"):
            assert response.status_code == 404  # version 1 was staff only
            continue
        assert response.status_code == 200, path  # no reason asked: nothing secret is shown
        assert SECTION not in response.get_data(as_text=True), path
    assert SECTION not in client.get("/library").get_data(as_text=True)
    # They saw nothing confidential, so nothing confidential was recorded against them.
    with app.app_context():
        mine = db.session.scalars(
            select(AuditRecord.action).where(AuditRecord.action.like("confidential_%"))
        ).all()
    assert mine == []


@pytest.mark.parametrize("role", ["practitioner", "service_user", "admin"])
def test_a_confidential_item_is_404_to_the_uncleared(app, library, signed_in, role):
    slug, _ = library["secret"]
    client = signed_in(role)
    for path in PAGES:
        assert client.get(f"/library/{slug}{path}").status_code == 404, path
        assert (
            client.get(f"/library/{slug}{path}").status_code
            == client.get(f"/library/missing-item{path}").status_code
        )
    assert "Managing a high-profile case" not in client.get("/library").get_data(as_text=True)


def test_sharing_lets_the_named_practitioner_read_it_and_no_one_else(app, library, signed_in):
    slug, item_id = library["secret"]
    with app.app_context():
        add_person(*OTHER_PRACTITIONER)
        item = item_by_slug(slug)
        services.share(
            item,
            user_id=user_by_email("priya@example.org").id,
            actor=user_by_email("morgan@example.org"),
        )
        db.session.commit()
    priya = signed_in("practitioner")
    assert "Managing a high-profile case" in priya.get("/library").get_data(as_text=True)
    target = give_reason(priya, f"/library/{slug}", "case")
    assert SECRET in priya.get(target).get_data(as_text=True)
    (record,) = audits(app, "confidential_viewed")
    assert record.actor == "priya@example.org" and record.object_id == str(item_id)
    # A share lets her read it, not edit it.
    assert priya.get(f"/library/{slug}/edit").status_code == 403

    kim = app.test_client()
    sign_in_as(kim, OTHER_PRACTITIONER[0], OTHER_PRACTITIONER[3])
    for path in PAGES:
        assert kim.get(f"/library/{slug}{path}").status_code == 404, path
    assert "Managing a high-profile case" not in kim.get("/library").get_data(as_text=True)
