"""The proposal pipeline through its pages: propose, return, revise, refer, vote, decide, publish."""

from __future__ import annotations

import re

import workflows_support
from sqlalchemy import func, select
from support import PEOPLE
from workflows_support import (
    CHAIR,
    PANEL,
    client_for,
    make_module,
    post,
    propose_new_module,
    smtp_server,
    user,
)

from wisdom.audit.models import AuditRecord
from wisdom.db import db
from wisdom.notifications.models import Notification
from workflows.models import PanelVote, Proposal, ProposalEvent

panel_app = workflows_support.panel_app


def test_the_whole_journey_notifies_everyone_and_credits_the_proposer(panel_app):
    with smtp_server() as inbox:
        app = panel_app(WISDOM_SMTP_HOST="127.0.0.1", WISDOM_SMTP_PORT=inbox.port)
        sam = client_for(app, "service_user")
        number = propose_new_module(sam)
        base = f"/proposals/{number}"

        check = sam.get(f"{base}/check").get_data(as_text=True)
        assert "A phone number" in check and "07700 900123" in check  # flagged before sending
        assert (
            post(sam, f"{base}/check", {"send": "1"}).headers["Location"].endswith(f"{base}/sent")
        )
        assert "What happens next" in sam.get(f"{base}/sent").get_data(as_text=True)

        pdm = client_for(app, "pdm")
        queue = pdm.get("/proposals/to-evaluate").get_data(as_text=True)
        assert "Cooking on a budget" in queue
        evaluation = {
            k: "Checked."
            for k in ("need", "evidence", "pathway_fit", "feasibility", "cost", "risk")
        }
        returned = post(pdm, f"{base}/evaluate", {**evaluation, "recommendation": "return",
                        "comment": "Please take out your phone number and say who would run it."})  # fmt: skip
        assert returned.status_code == 302

        page = sam.get(base).get_data(as_text=True)
        assert "Sent back to you for changes" in page
        assert "Please take out your phone number" in page
        post(sam, f"{base}/reason", {"reason": "I ran out of money every month.", "next": "1"})
        assert post(sam, f"{base}/check", {"send": "1"}).status_code == 302

        referred = post(pdm, f"{base}/evaluate", {**evaluation, "recommendation": "refer",
                                                  "comment": "Good idea."})  # fmt: skip
        assert referred.status_code == 302
        post(pdm, f"{base}/note", {"body": "Budget is tight this year: INTERNAL-ONLY-NOTE."})

        chair = client_for(app, "panel_chair")
        early = post(chair, f"{base}/decide", {"outcome": "approve", "reasons": "Too soon.",
                     "review_date": ["1", "6", "2027"]})  # fmt: skip
        assert "needs at least 3 votes" in early.get_data(as_text=True)

        for role in ("panel_member", "panel_two", "panel_chair"):
            voted = post(client_for(app, role), f"{base}/vote", {"vote": "approve"})
            assert voted.status_code == 302
        decided = post(chair, f"{base}/decide", {
            "outcome": "approve", "reasons": "People asked for this and it costs little.",
            "review_date": ["1", "6", "2027"],
        })  # fmt: skip
        assert decided.status_code == 302, re.findall(
            r"govuk-error-message.*?</p>|error-summary__list.*?</ul>",
            decided.get_data(as_text=True),
            re.S,
        )

        published = post(pdm, f"{base}/publish", {
            "delivered_by": "in-house", "areas": "Leeds, Bradford", "referral_route": "Ask your case manager",
            "referral_contact": "Practice Development team", "pathways": "ete",
        })  # fmt: skip
        assert published.status_code == 302, published.get_data(as_text=True)[:2000]

        with app.app_context():
            from modules import services as modules

            proposal = db.session.get(Proposal, number)
            assert proposal.state == "published"
            module = modules.find_module(proposal.module_slug)
            version = modules.current_version(module)
            assert version.credit == "S. O."
            assert version.proposal_id == number
            assert "People asked for this" in version.decision
            events = [e.event for e in proposal.events]
            assert events == ["submit", "start_evaluation", "return_to_proposer", "resubmit",
                              "start_evaluation", "refer", "approve", "publish"]  # fmt: skip
            assert all(e.actor_id for e in db.session.scalars(select(ProposalEvent)))
            told = {n.user_id for n in db.session.scalars(select(Notification))}
            everyone = {user(e).id for e in (PEOPLE["service_user"][0], PEOPLE["pdm"][0],
                        PEOPLE["panel_member"][0], PANEL["panel_two"][0], CHAIR)}  # fmt: skip
            assert everyone <= told
            sam_id = user(PEOPLE["service_user"][0]).id
            for_sam = db.session.scalars(
                select(Notification.message).where(Notification.user_id == sam_id)
            ).all()
            assert any("sent back to you" in m for m in for_sam)
            assert any("said yes" in m for m in for_sam)
            assert any("now in the Directory" in m for m in for_sam)

        directory = sam.get(f"/directory/{proposal.module_slug}").get_data(as_text=True)
        assert "Proposed by S. O." in directory
        found = sam.get("/search?q=cooking+budget").get_data(as_text=True)
        assert "Module (1)" in found and "Cooking on a budget</a>" in found
        said = sam.get("/proposals/you-said-we-did").get_data(as_text=True)
        assert "Cooking on a budget" in said and "S. O." in said
        assert "INTERNAL-ONLY-NOTE" not in sam.get(base).get_data(as_text=True)
        assert "INTERNAL-ONLY-NOTE" in chair.get(base).get_data(as_text=True)

    recipients = {to for tos, _message in inbox.messages for to in tos}
    assert PEOPLE["service_user"][0] in recipients and CHAIR in recipients
    for _tos, message in inbox.messages:
        body = message.get_payload(decode=True).decode()
        assert "Cooking" not in body and "07700" not in body  # only a link, never content
        assert re.search(r"http://localhost/proposals/\d+", body)


def test_an_illegal_move_is_refused_with_a_message_not_an_error(panel_app):
    app = panel_app()
    sam = client_for(app, "service_user")
    number = propose_new_module(sam)
    post(sam, f"/proposals/{number}/check", {"send": "1"})
    pdm = client_for(app, "pdm")
    evaluation = {
        k: "x" for k in ("need", "evidence", "pathway_fit", "feasibility", "cost", "risk")
    }
    post(pdm, f"/proposals/{number}/evaluate", {**evaluation, "recommendation": "decline",
                                                "comment": "We run this already."})  # fmt: skip
    # Declined: voting, deciding, publishing and withdrawing are all refused, never a 500.
    for role, url, data in (
        ("pdm", "evaluate", {**evaluation, "recommendation": "refer"}),
        ("pdm", "publish", {}),
        ("service_user", "withdraw", {"comment": ""}),
    ):
        client = pdm if role == "pdm" else sam
        response = post(client, f"/proposals/{number}/{url}", data)
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "not taken forward" in page.lower()
    with app.app_context():
        assert db.session.get(Proposal, number).state == "declined"
        refused = db.session.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action.in_(["proposal_refer", "proposal_withdraw", "proposal_publish"])))  # fmt: skip
        assert refused == 0


def test_a_change_shows_its_difference_and_a_moved_module_needs_resolving(panel_app):
    app = panel_app()
    slug = make_module(app)
    sam = client_for(app, "service_user")
    number = int(re.search(r"/proposals/(\d+)/", post(sam, "/proposals/new", {"kind": "change_module"}).headers["Location"]).group(1))  # fmt: skip
    base = f"/proposals/{number}"
    post(sam, f"{base}/module", {"module_slug": slug, "next": "1"})
    post(sam, f"{base}/title", {"title": "Say it in plain words", "next": "1"})
    change = sam.get(f"{base}/change").get_data(as_text=True)
    assert "Managing emotions" in change  # the current content is pre-filled
    post(sam, f"{base}/change", {"module_title": "Managing emotions",
         "summary": "A group that helps you handle strong feelings.",
         "description": "Six sessions on spotting triggers, calming down and asking for help.", "next": "1"})  # fmt: skip
    post(sam, f"{base}/reason", {"reason": "The words are hard.", "next": "1"})
    post(sam, f"{base}/credit", {"credit_choice": "full_name", "next": "1"})
    check = sam.get(f"{base}/check").get_data(as_text=True)
    assert re.search(r"<ins>[^<]*you[^<]*</ins>", check)
    assert re.search(r"<del>[^<]*people[^<]*</del>", check)
    post(sam, f"{base}/check", {"send": "1"})

    with app.app_context():
        from modules import services as modules
        from workflows import deciding

        pdm_user, module = user(PEOPLE["pdm"][0]), modules.find_module(slug)
        content = modules.module_content(module)
        modules.publish_version(module, {**content, "summary": "A group for handling anger and worry."},
                                actor=pdm_user, change_note="Meanwhile")  # fmt: skip
        proposal = db.session.get(Proposal, number)
        answers = {k: "x" for k in deciding.EVALUATION_FIELDS}
        deciding.evaluate(proposal, pdm_user, answers, "refer", "")
        for email in (PEOPLE["panel_member"][0], PANEL["panel_two"][0], CHAIR):
            deciding.vote(proposal, user(email), "approve")
        deciding.decide(proposal, user(CHAIR), "approve", "Clearer.", review_date=modules_date())
        db.session.commit()

    pdm = client_for(app, "pdm")
    page = pdm.get(f"{base}/publish").get_data(as_text=True)
    assert "The module changed since this proposal was written" in page
    assert "Both changed the summary" in page
    refused = post(pdm, f"{base}/publish", {})
    assert "Choose which summary to keep" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Proposal, number).state == "approved"  # nothing was published
    done = post(pdm, f"{base}/publish", {"resolve_summary": "proposed"})
    assert done.status_code == 302
    with app.app_context():
        from modules import services as modules

        module = modules.find_module(slug)
        assert module.current_version == 3
        assert (
            modules.module_content(module)["summary"]
            == "A group that helps you handle strong feelings."
        )
        assert modules.current_version(module).credit == PEOPLE["service_user"][1]


def modules_date():
    from datetime import date

    return date(2027, 6, 1)


def test_staff_send_for_a_person_on_probation_with_consent(panel_app):
    app = panel_app()
    priya = client_for(app, "practitioner")
    response = post(priya, "/proposals/new", {"kind": "new_module", "person_name": "Jordan Reid"})
    number = int(re.search(r"/proposals/(\d+)/", response.headers["Location"]).group(1))
    base = f"/proposals/{number}"
    post(priya, f"{base}/title", {"title": "Walking group", "next": "1"})
    post(priya, f"{base}/details", {"summary": "Walk and talk on Saturdays.", "next": "1"})
    post(priya, f"{base}/reason", {"reason": "Weekends are the hardest.", "next": "1"})
    post(priya, f"{base}/credit", {"credit_choice": "initials", "next": "1"})
    refused = post(priya, f"{base}/check", {"send": "1"}).get_data(as_text=True)
    assert "Confirm the person agreed" in refused
    post(priya, f"{base}/credit", {"credit_choice": "initials", "consent_given": "y", "next": "1"})
    assert post(priya, f"{base}/check", {"send": "1"}).status_code == 302
    with app.app_context():
        from workflows import services

        proposal = db.session.get(Proposal, number)
        assert proposal.state == "submitted" and proposal.consent_given
        assert services.credit(proposal) == "J. R."


def test_the_credit_can_change_until_publication(panel_app):
    app = panel_app()
    sam = client_for(app, "service_user")
    number = propose_new_module(sam)
    post(sam, f"/proposals/{number}/check", {"send": "1"})
    post(sam, f"/proposals/{number}/change-credit", {"credit_choice": "person_on_probation"})
    assert "A person on probation" in sam.get(f"/proposals/{number}").get_data(as_text=True)
    post(sam, f"/proposals/{number}/change-credit", {"credit_choice": "none"})
    with app.app_context():
        assert db.session.get(Proposal, number).credit_choice == "none"


def test_votes_are_one_per_member(panel_app):
    app = panel_app()
    sam = client_for(app, "service_user")
    number = propose_new_module(sam)
    post(sam, f"/proposals/{number}/check", {"send": "1"})
    pdm = client_for(app, "pdm")
    evaluation = {
        k: "x" for k in ("need", "evidence", "pathway_fit", "feasibility", "cost", "risk")
    }
    post(pdm, f"/proposals/{number}/evaluate", {**evaluation, "recommendation": "refer"})
    alex = client_for(app, "panel_member")
    post(alex, f"/proposals/{number}/vote", {"vote": "approve"})
    post(alex, f"/proposals/{number}/vote", {"vote": "decline"})
    with app.app_context():
        votes = db.session.scalars(select(PanelVote)).all()
        assert [(v.vote, v.panel_round) for v in votes] == [("decline", 1)]
