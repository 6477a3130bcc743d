"""No one acts on, reads or votes on a proposal they should not, by changing an id in a URL or form."""

from __future__ import annotations

import pytest
import workflows_support
from sqlalchemy import func, select
from support import PEOPLE, account_hash
from workflows_support import CHAIR, PANEL, client_for, post, propose_new_module, sign_in_as, user

from wisdom.auth.models import User, UserRole
from wisdom.db import db
from workflows import deciding
from workflows.models import PanelVote, Proposal, ProposalComment

panel_app = workflows_support.panel_app
OTHER = ("ash@example.org", "Ash Patel", "probation-test-ash-26")
SECRET = "I ran out of money every month"  # in the proposal's reason


@pytest.fixture
def two_proposals(panel_app):
    """Sam's proposal sent to the PDM, a draft of Sam's, and a second person on probation."""
    app = panel_app()
    with app.app_context():
        ash = User(email=OTHER[0], name=OTHER[1], password_hash=account_hash(OTHER[2]))
        ash.roles = [UserRole(role="service_user")]
        db.session.add(ash)
        db.session.commit()
    sam = client_for(app, "service_user")
    sent = propose_new_module(sam)
    post(sam, f"/proposals/{sent}/check", {"send": "1"})
    draft = propose_new_module(sam, title="A draft idea")
    return app, sam, sent, draft


def other_person(app):
    return sign_in_as(app.test_client(), OTHER[0], OTHER[2])


def test_another_person_on_probation_can_neither_read_nor_act(two_proposals):
    app, _sam, sent, draft = two_proposals
    ash = other_person(app)
    for number in (sent, draft):
        for path in ("", "/check", "/title", "/reason", "/withdraw", "/change-credit", "/sent"):
            assert ash.get(f"/proposals/{number}{path}").status_code == 404, path
        for path, data in (
            ("/title", {"title": "Hijacked", "next": "1"}),
            ("/check", {"send": "1"}),
            ("/withdraw", {"comment": ""}),
            ("/change-credit", {"credit_choice": "none"}),
            ("/comment", {"body": "Hello"}),
        ):
            assert post(ash, f"/proposals/{number}{path}", data).status_code == 404, path
    listing = ash.get("/proposals").get_data(as_text=True)
    assert "Cooking on a budget" not in listing and "A draft idea" not in listing
    with app.app_context():
        proposal = db.session.get(Proposal, draft)
        assert (proposal.title, proposal.state) == ("A draft idea", "draft")
        assert db.session.get(Proposal, sent).credit_choice == "initials"
        assert db.session.scalar(select(func.count()).select_from(ProposalComment)) == 0


def test_staff_see_title_and_status_only_and_never_drafts(two_proposals):
    app, _sam, sent, draft = two_proposals
    for role in ("practitioner", "quality_lead", "admin", "panel_member"):
        client = client_for(app, role)
        page = client.get(f"/proposals/{sent}").get_data(as_text=True)
        assert "Cooking on a budget" in page and "Sent to the PDM" in page
        assert SECRET not in page, role
        assert client.get(f"/proposals/{draft}").status_code == 404
        assert "A draft idea" not in client.get("/proposals").get_data(as_text=True)
        assert post(client, f"/proposals/{sent}/comment", {"body": "Hi"}).status_code == 404
    pdm = client_for(app, "pdm").get(f"/proposals/{sent}").get_data(as_text=True)
    assert SECRET in pdm


def test_only_the_panel_votes_and_only_on_referred_proposals(two_proposals):
    app, _sam, sent, _draft = two_proposals
    alex = client_for(app, "panel_member")
    # Not yet referred: a member who changes the id in the form gets nothing.
    assert post(alex, f"/proposals/{sent}/vote", {"vote": "approve"}).status_code == 404
    for role in ("service_user", "practitioner", "pdm", "quality_lead", "admin"):
        client = client_for(app, role)
        assert post(client, f"/proposals/{sent}/vote", {"vote": "approve"}).status_code == 403
    with app.app_context():
        proposal = db.session.get(Proposal, sent)
        answers = {k: "x" for k in deciding.EVALUATION_FIELDS}
        deciding.evaluate(proposal, user(PEOPLE["pdm"][0]), answers, "refer", "")
        db.session.commit()
    assert post(alex, f"/proposals/{sent}/vote", {"vote": "approve"}).status_code == 302
    assert SECRET in alex.get(f"/proposals/{sent}").get_data(as_text=True)  # referred: readable
    # Only the chair records the decision.
    assert alex.get(f"/proposals/{sent}/decide").status_code == 404
    chair = sign_in_as(app.test_client(), CHAIR, PANEL["panel_chair"][3])
    assert chair.get(f"/proposals/{sent}/decide").status_code == 200
    with app.app_context():
        votes = db.session.scalars(select(PanelVote)).all()
        assert [(v.member.email, v.vote) for v in votes] == [(PEOPLE["panel_member"][0], "approve")]


def test_the_proposer_never_sees_the_panels_internal_notes(two_proposals):
    app, sam, sent, _draft = two_proposals
    pdm = client_for(app, "pdm")
    post(pdm, f"/proposals/{sent}/note", {"body": "Staffing worry: NOTE-FOR-PANEL"})
    post(pdm, f"/proposals/{sent}/comment", {"body": "Who would run it? MESSAGE-FOR-SAM"})
    page = sam.get(f"/proposals/{sent}").get_data(as_text=True)
    assert "MESSAGE-FOR-SAM" in page and "NOTE-FOR-PANEL" not in page
    assert post(sam, f"/proposals/{sent}/note", {"body": "x"}).status_code == 403
    assert "NOTE-FOR-PANEL" in pdm.get(f"/proposals/{sent}").get_data(as_text=True)
