"""Panel votes: quorum, majority, and members voting at the same moment each counted once."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import workflows_support
from sqlalchemy import select
from support import PEOPLE
from workflows_support import CHAIR, PANEL, client_for, post, propose_new_module, user

from wisdom.db import db
from workflows import deciding
from workflows.models import PanelVote, Proposal
from workflows.services import InvalidProposal

panel_app = workflows_support.panel_app
MEMBERS = (PEOPLE["panel_member"][0], PANEL["panel_two"][0], CHAIR)


def referred(app) -> int:
    """A proposal sent and referred to the Panel; its number."""
    sam = client_for(app, "service_user")
    number = propose_new_module(sam)
    post(sam, f"/proposals/{number}/check", {"send": "1"})
    with app.app_context():
        answers = {k: "x" for k in deciding.EVALUATION_FIELDS}
        deciding.evaluate(
            db.session.get(Proposal, number), user(PEOPLE["pdm"][0]), answers, "refer", ""
        )
        db.session.commit()
    return number


def vote_together(app, number: int, ballots: list[tuple[str, str]]) -> list[str]:
    """Cast every ballot from its own thread, all released at the same moment."""
    start, problems = threading.Barrier(len(ballots)), []

    def cast(email: str, choice: str) -> None:
        with app.app_context():
            try:
                member = user(email)
                proposal = db.session.get(Proposal, number)
                db.session.rollback()
                start.wait(timeout=30)
                deciding.vote(proposal, member, choice)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported to the test, which fails
                problems.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cast, args=ballot) for ballot in ballots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return problems


def test_three_members_voting_at_once_are_each_counted_once(panel_app):
    app = panel_app()
    number = referred(app)
    problems = vote_together(app, number, [(email, "approve") for email in MEMBERS])
    assert not problems
    with app.app_context():
        votes = db.session.scalars(select(PanelVote).where(PanelVote.proposal_id == number)).all()
        assert sorted(v.member.email for v in votes) == sorted(MEMBERS)
        assert deciding.tally(db.session.get(Proposal, number)).quorate


def test_one_member_voting_twice_at_once_is_counted_once(panel_app):
    app = panel_app()
    number = referred(app)
    problems = vote_together(app, number, [(CHAIR, "approve"), (CHAIR, "decline")])
    assert not problems
    with app.app_context():
        votes = db.session.scalars(select(PanelVote).where(PanelVote.proposal_id == number)).all()
        assert len(votes) == 1 and votes[0].vote in ("approve", "decline")


def test_a_decision_needs_a_quorum_and_a_majority(panel_app):
    app = panel_app(WISDOM_PANEL_QUORUM=2, WISDOM_PANEL_MAJORITY=0.5)
    number = referred(app)
    with app.app_context():
        proposal = db.session.get(Proposal, number)
        chair = user(CHAIR)
        deciding.vote(proposal, chair, "approve")
        with pytest.raises(InvalidProposal, match="at least 2 votes"):
            deciding.decide(proposal, chair, "defer", "Wait.")
        deciding.vote(proposal, user(MEMBERS[0]), "decline")
        # One for, one against: neither approval nor refusal has a majority; deferring may.
        for outcome in ("approve", "decline"):
            with pytest.raises(InvalidProposal, match="majority"):
                deciding.decide(proposal, chair, outcome, "Split.", review_date=date(2027, 1, 1))
        deciding.decide(proposal, chair, "defer", "Split: look again with more information.")
        db.session.commit()
        assert proposal.state == "deferred"
        deciding.reconsider(proposal, user(PEOPLE["pdm"][0]))
        assert proposal.state == "referred" and proposal.panel_round == 2
        assert deciding.tally(proposal).cast == 0  # a new round starts with no votes
