"""Findings and their actions, and the items due for review, through the pages."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from library_support import (
    date_parts,
    errors_on,
    item_by_slug,
    new_item,
    submit,
    user_by_email,
)
from support import sign_in

from content import services
from content.services import ItemData
from wisdom.db import db

TODAY = date.today()
PAST, LATER = TODAY - timedelta(days=5), TODAY + timedelta(days=30)


def rows_of(page: str) -> list[str]:
    """The body rows of the tables on a page, as text."""
    body = "".join(re.findall(r'<tbody class="govuk-table__body">(.*?)</tbody>', page, re.S))
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def add_action(client, slug: str, description: str, owner_email: str | None, due: date | None):
    """Agree an action on a finding through its page."""
    owner = ""
    if owner_email:
        with client.application.app_context():
            owner = str(user_by_email(owner_email).id)
    return submit(
        client,
        f"/library/{slug}/actions/new",
        {"description": description, "owner_id": owner, "due": date_parts(due) if due else []},
        button="submit",
    )


def progress(client, slug: str, action_id: int, status: str, evidence="", answered_by=""):
    """Move an action on through its page."""
    return submit(
        client,
        f"/library/{slug}/actions/{action_id}",
        {"status": status, "evidence": evidence, "answered_by": answered_by},
        button="submit",
    )


def actions_of(app, slug: str) -> list[tuple]:
    """A finding's actions: (id, description, status, evidence, answering version)."""
    with app.app_context():
        item = item_by_slug(slug)
        return [
            (a.id, a.description, a.status, a.evidence, a.answered_by_version) for a in item.actions
        ]


def closed(app, slug: str) -> bool:
    """Whether a finding is closed."""
    with app.app_context():
        return item_by_slug(slug).is_closed


def test_a_finding_closes_only_when_every_action_is_done_with_evidence(app, signed_in):
    pdm = signed_in("pdm")
    answer = new_item(pdm, "guidance", {"title": "Escalating risk", "body": "Escalate early."})
    submit(
        pdm, f"/library/{answer}/edit", {"body": "Escalate the same day.", "change_note": "Sooner"}
    )
    finding = new_item(
        pdm,
        "finding",
        {
            "title": "Audit: risk reviews late",
            "body": "Reviews were late in a third of cases.",
            "field_source": "audit",
            "field_found_on": date_parts(TODAY - timedelta(days=40)),
            "field_severity": "medium",
        },
    )
    with app.app_context():
        item = item_by_slug(finding)
        assert item.classification == "staff" and item.fields["severity"] == "medium"
    page = pdm.get(f"/library/{finding}").get_data(as_text=True)
    assert "No actions have been agreed yet." in page
    assert not closed(app, finding)  # no actions is not the same as all done

    # Sent without any date boxes (as no browser would): a clear message, not a server error.
    refused = add_action(pdm, finding, "   ", None, None)
    assert refused.status_code == 200
    assert "Enter what will be done" in errors_on(refused.get_data(as_text=True))
    assert add_action(pdm, finding, "Retrain team A", "jo@example.org", PAST).status_code == 302
    assert add_action(pdm, finding, "Add a reminder", "jo@example.org", LATER).status_code == 302
    (first, *_), (second, *_) = actions_of(app, finding)
    page = pdm.get(f"/library/{finding}").get_data(as_text=True)
    assert "This finding stays open until every action is done." in page
    assert "Overdue" in rows_of(page)[0] and "Overdue" not in rows_of(page)[1]

    lead = app.test_client()
    assert sign_in(lead, "quality_lead").status_code == 302
    listing = rows_of(lead.get("/library/actions").get_data(as_text=True))
    assert [("Retrain team A" in r, "Add a reminder" in r) for r in listing] == [
        (True, False),
        (False, True),
    ]
    assert "Overdue" in listing[0] and "Jo Whitfield" in listing[0]
    overdue = rows_of(lead.get("/library/actions?show=overdue").get_data(as_text=True))
    assert len(overdue) == 1 and "Retrain team A" in overdue[0]

    # Done needs evidence.
    response = progress(lead, finding, first, "done")
    assert response.status_code == 200
    assert "Say what shows the action is done" in errors_on(response.get_data(as_text=True))
    assert actions_of(app, finding)[0][2] == "open"

    assert progress(lead, finding, first, "done", "Training register, 3 May").status_code == 302
    assert actions_of(app, finding)[0][2:4] == ("done", "Training register, 3 May")
    assert not closed(app, finding)
    assert (
        lead.get("/library/actions?show=overdue").get_data(as_text=True).count("Retrain team A")
        == 0
    )
    assert len(rows_of(lead.get("/library/actions").get_data(as_text=True))) == 1

    # An unknown item cannot answer an action.
    response = progress(lead, finding, second, "done", "Reminder live", "no-such-guidance")
    assert "There is no item called no-such-guidance" in errors_on(response.get_data(as_text=True))
    assert actions_of(app, finding)[1][2] == "open"

    assert progress(lead, finding, second, "done", "Reminder live", answer).status_code == 302
    assert closed(app, finding)
    assert actions_of(app, finding)[1][4] == 2  # the version of the guidance that answered it
    page = lead.get(f"/library/{finding}").get_data(as_text=True)
    assert "This finding is closed: every action is done." in page
    assert rows_of(lead.get("/library/actions").get_data(as_text=True)) == []

    # The guidance moves on; the action still names the exact version that answered it.
    submit(
        pdm, f"/library/{answer}/edit", {"body": "Escalate within the hour.", "change_note": "x"}
    )
    page = lead.get(f"/library/{finding}").get_data(as_text=True)
    assert f'href="/library/{answer}/versions/2"' in page and "Escalating risk, version 2" in page

    # Reopening one action reopens the finding.
    assert progress(lead, finding, first, "in_progress").status_code == 302
    assert not closed(app, finding)


def test_who_may_see_and_manage_actions(app, signed_in):
    pdm = signed_in("pdm")
    finding = new_item(
        pdm,
        "finding",
        {
            "title": "Peer review: plans",
            "field_source": "peer_review",
            "field_found_on": date_parts(TODAY),
            "field_severity": "low",
        },
    )
    guidance = new_item(pdm, "guidance", {"title": "Plans"})
    assert add_action(pdm, finding, "Share the template", None, PAST).status_code == 302
    ((action_id, *_),) = actions_of(app, finding)
    assert pdm.get(f"/library/{guidance}/actions/new").status_code == 404

    practitioner = app.test_client()
    assert sign_in(practitioner, "practitioner").status_code == 302
    assert "Share the template" in practitioner.get("/library/actions").get_data(as_text=True)
    assert practitioner.get(f"/library/{finding}/actions/new").status_code == 403
    assert practitioner.get(f"/library/{finding}/actions/{action_id}").status_code == 403

    person = app.test_client()
    assert sign_in(person, "service_user").status_code == 302
    assert person.get("/library/actions").status_code == 403
    assert person.get(f"/library/{finding}").status_code == 404


def test_due_for_review_pdm_sees_all_and_owners_their_own(app, signed_in):
    with app.app_context():
        pdm, jo, priya = (
            user_by_email(e) for e in ("morgan@example.org", "jo@example.org", "priya@example.org")
        )

        def guidance(title, owner, review_by, archived=False):
            item = services.create(
                ItemData(kind="guidance", title=title, owner_id=owner.id, review_by=review_by),
                pdm,
            )
            if archived:
                services.set_archived(item, True, pdm)

        guidance("Morgan soon", pdm, TODAY + timedelta(days=10))
        guidance("Jo overdue", jo, TODAY - timedelta(days=3))
        guidance("Priya soon", priya, TODAY + timedelta(days=20))
        guidance("Jo next year", jo, TODAY + timedelta(days=300))
        guidance("Jo archived", jo, TODAY - timedelta(days=3), archived=True)
        guidance("Morgan no date", pdm, None)
        db.session.commit()

    def listed(role):
        client = app.test_client()
        assert sign_in(client, role).status_code == 302
        page = client.get("/library/review").get_data(as_text=True)
        return [row.split(" Morgan Ellis")[0].split(" Jo Whitfield")[0].split(" Priya Shah")[0]
                for row in rows_of(page)], page  # fmt: skip

    titles, page = listed("pdm")
    assert titles == ["Jo overdue", "Morgan soon", "Priya soon"]
    assert "Every item" in page and "Overdue" in rows_of(page)[0]
    titles, page = listed("quality_lead")
    assert titles == ["Jo overdue"] and "Items you own" in page
    assert listed("practitioner")[0] == ["Priya soon"]
    client = app.test_client()
    assert sign_in(client, "service_user").status_code == 302
    assert client.get("/library/review").status_code == 403


def test_review_date_survives_an_edit_and_moves_the_item_off_the_list(app, signed_in):
    pdm = signed_in("pdm")
    slug = new_item(pdm, "guidance", {"title": "Check me", "review_by": date_parts(TODAY)})
    with app.app_context():
        item = item_by_slug(slug)
        assert item.review_by == TODAY and item.owner_id is None
        services.update(
            item,
            replace(ItemData.of(item, "guidance"), owner_id=user_by_email("morgan@example.org").id),
            item.lock_version,
            None,
            change_note="Owned",
        )
        db.session.commit()
    listed = rows_of(pdm.get("/library/review").get_data(as_text=True))
    assert len(listed) == 1 and "Check me" in listed[0] and "Morgan Ellis" in listed[0]
    # Saving the form as shown keeps the date; changing it moves the item off the list.
    response = submit(pdm, f"/library/{slug}/edit", {"title": "Check me again", "change_note": "t"})
    assert response.status_code == 302
    with app.app_context():
        assert item_by_slug(slug).review_by == TODAY
    later = date_parts(TODAY + timedelta(days=365))
    response = submit(pdm, f"/library/{slug}/edit", {"review_by": later, "change_note": "Reviewed"})
    assert response.status_code == 302
    assert rows_of(pdm.get("/library/review").get_data(as_text=True)) == []
