"""The PDM's evaluation, the Panel's votes (quorum, majority) and the chair's decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from wisdom.audit.services import record
from wisdom.db import db, utcnow
from workflows import services
from workflows.models import VOTES, Evaluation, PanelDecision, PanelVote, Proposal
from workflows.services import IllegalMove, InvalidProposal, link, move, tell_proposer

EVALUATION_FIELDS = ("need", "evidence", "pathway_fit", "feasibility", "cost", "risk")
APPROVING = frozenset({"approve", "approve_with_conditions"})
# What the proposer is told, in plain words, after each decision.
TOLD = {
    "return": "Your proposal {n} has been sent back to you with some questions. "
    "Open it to read them, make changes and send it again.",
    "decline": "Your proposal {n} will not be taken forward. Open it to read why.",
    "refer": "Good news: your proposal {n} is going to the Service Development Panel to decide.",
    "approve": "The Panel said yes to your proposal {n}. Open it to read why.",
    "approve_with_conditions": "The Panel said yes to your proposal {n}, with some conditions. "
    "Open it to read them.",
    "panel_decline": "The Panel decided not to take your proposal {n} forward. Open it to read why.",
    "defer": "The Panel will look at your proposal {n} again at a later meeting. "
    "Open it to read why.",
}


def evaluation_of(proposal: Proposal) -> Evaluation | None:
    """The PDM's evaluation, if one was started."""
    return db.session.scalar(select(Evaluation).where(Evaluation.proposal_id == proposal.id))


def evaluate(proposal: Proposal, actor, answers: dict, recommendation: str, comment: str) -> None:
    """Save the evaluation; then refer, return or decline (or keep evaluating)."""
    if recommendation not in ("refer", "return", "decline", "continue"):
        raise InvalidProposal({"recommendation": "Choose what happens next"})
    if recommendation in ("return", "decline") and not (comment or "").strip():
        raise InvalidProposal({"comment": "Tell the proposer why, in plain words"})
    if recommendation == "refer" and not all(
        (answers.get(k) or "").strip() for k in EVALUATION_FIELDS
    ):
        raise InvalidProposal({"need": "Fill in every part of the evaluation before referring it"})
    services.lock(proposal)
    if proposal.state in ("submitted", "resubmitted"):
        move(proposal, "start_evaluation", actor)
    elif proposal.state != "pdm_evaluation":
        raise IllegalMove(
            f"This proposal is {services.label(proposal)}, so it cannot be evaluated now"
        )
    found = evaluation_of(proposal) or Evaluation(proposal_id=proposal.id)
    for key in EVALUATION_FIELDS:
        setattr(found, key, (answers.get(key) or "").strip())
    found.recommendation, found.evaluator_id, found.updated_at = recommendation, actor.id, utcnow()
    db.session.add(found)
    if recommendation == "continue":
        return
    event = {"return": "return_to_proposer", "decline": "decline", "refer": "refer"}[recommendation]
    move(proposal, event, actor, comment)
    if event == "refer":
        _to_panel(proposal)
    tell_proposer(proposal, TOLD[recommendation].format(n=proposal.id))


def _to_panel(proposal: Proposal) -> None:
    """Open a new Panel round and tell the members."""
    proposal.panel_round += 1
    proposal.referred_at = utcnow()
    for member in services.people_with_role("panel_member"):
        services.notify(
            member, f"Proposal {proposal.id} is on the Panel's agenda: please vote", link(proposal)
        )


def reconsider(proposal: Proposal, actor, comment: str = "") -> None:
    """Put a deferred proposal back on the Panel's agenda, as a new round of votes."""
    move(proposal, "reconsider", actor, comment)
    _to_panel(proposal)
    tell_proposer(proposal, f"Your proposal {proposal.id} is back with the Panel.")


def quorum() -> int:
    """How many votes the Panel needs before the chair may record a decision."""
    return int(current_app.config.get("WISDOM_PANEL_QUORUM") or 3)


def majority() -> float:
    """The share of votes a decision needs more than (0.5: more than half)."""
    return float(current_app.config.get("WISDOM_PANEL_MAJORITY") or 0.5)


@dataclass
class Tally:
    """The votes of the current round."""

    votes: list[PanelVote]
    counts: dict[str, int]

    @property
    def cast(self) -> int:
        """How many members have voted."""
        return len(self.votes)

    @property
    def approving(self) -> int:
        """Votes to approve, with or without conditions."""
        return sum(self.counts[v] for v in APPROVING)

    @property
    def quorate(self) -> bool:
        """Whether enough members have voted."""
        return self.cast >= quorum()

    def carries(self, outcome: str) -> bool:
        """Whether the votes give ``outcome`` a majority (deferring needs none)."""
        if outcome == "defer":
            return True
        wanted = self.approving if outcome in APPROVING else self.counts["decline"]
        return self.cast > 0 and wanted / self.cast > majority()


def tally(proposal: Proposal) -> Tally:
    """The votes of the proposal's current Panel round."""
    votes = db.session.scalars(
        select(PanelVote)
        .where(PanelVote.proposal_id == proposal.id, PanelVote.panel_round == proposal.panel_round)
        .order_by(PanelVote.id)
    ).all()
    counts = {key: sum(1 for v in votes if v.vote == key) for key in VOTES}
    return Tally(list(votes), counts)


def vote(proposal: Proposal, member, choice: str, comment: str = "") -> PanelVote:
    """Record (or change) a member's vote; two members at once are each counted once."""
    if proposal.state != "referred":
        raise IllegalMove("Votes are taken only while a proposal is with the Panel")
    if choice not in VOTES:
        raise InvalidProposal({"vote": "Choose your vote"})
    round_ = proposal.panel_round
    try:
        with db.session.begin_nested():
            ballot = PanelVote(
                proposal_id=proposal.id, panel_round=round_, member_id=member.id, vote=choice,
                comment=(comment or "").strip(), at=utcnow(),
            )  # fmt: skip
            db.session.add(ballot)
    except IntegrityError:
        # This member has voted in this round already (perhaps a moment ago): change that vote.
        ballot = db.session.scalar(
            select(PanelVote).where(
                PanelVote.proposal_id == proposal.id,
                PanelVote.panel_round == round_,
                PanelVote.member_id == member.id,
            )
        )
        ballot.vote, ballot.comment, ballot.at = choice, (comment or "").strip(), utcnow()
    record("panel_vote", "proposal", proposal.id, actor=member, vote=choice, round=round_)
    return ballot


def notify_chair_if_quorate(proposal: Proposal) -> None:
    """Tell the chair (or every member, with no chair set) when the quorum is reached."""
    if tally(proposal).cast != quorum():
        return
    from workflows.policy import is_chair

    for member in services.people_with_role("panel_member"):
        if is_chair(member):
            services.notify(
                member, f"Proposal {proposal.id} has enough votes: record the decision",
                link(proposal),
            )  # fmt: skip


def decide(
    proposal: Proposal,
    chair,
    outcome: str,
    reasons: str,
    *,
    conditions: str = "",
    review_date: date | None = None,
    meeting_date: date | None = None,
) -> PanelDecision:
    """The chair records the Panel's decision, which the votes must support."""
    services.lock(proposal)
    if proposal.state != "referred":
        raise IllegalMove("A decision is recorded only while a proposal is with the Panel")
    counted = tally(proposal)
    errors = _decision_problems(counted, outcome, reasons, conditions, review_date)
    if errors:
        raise InvalidProposal(errors)
    event = "panel_decline" if outcome == "decline" else outcome
    move(proposal, event, chair, reasons)
    decision = PanelDecision(
        proposal_id=proposal.id, panel_round=proposal.panel_round, outcome=outcome,
        reasons=reasons.strip(), conditions=(conditions or "").strip(), review_date=review_date,
        meeting_date=meeting_date or utcnow().date(), chair_id=chair.id, at=utcnow(),
        votes_for=counted.approving, votes_cast=counted.cast,
    )  # fmt: skip
    db.session.add(decision)
    told = TOLD[event].format(n=proposal.id)
    tell_proposer(proposal, told)
    for pdm in services.people_with_role("pdm"):
        services.notify(pdm, f"The Panel decided on proposal {proposal.id}: {VOTES[outcome].lower()}",
                        link(proposal))  # fmt: skip
    return decision


def _decision_problems(counted: Tally, outcome, reasons, conditions, review_date) -> dict:
    """What stops the chair recording this decision."""
    errors = {}
    if outcome not in VOTES:
        errors["outcome"] = "Choose the Panel's decision"
    elif not counted.quorate:
        errors["outcome"] = (
            f"The Panel needs at least {quorum()} votes before a decision; {counted.cast} so far"
        )
    elif not counted.carries(outcome):
        errors["outcome"] = (
            f"The votes do not give “{VOTES[outcome].lower()}” a majority "
            f"({counted.approving} of {counted.cast} votes approve). Record what the votes "
            "support, or defer it"
        )
    if not (reasons or "").strip():
        errors["reasons"] = "Give the reasons for the decision, in plain words"
    if outcome == "approve_with_conditions" and not (conditions or "").strip():
        errors["conditions"] = "Say what the conditions are"
    if outcome in APPROVING and review_date is None:
        errors["review_date"] = "Give a date to review the decision"
    return errors


def decision_of(proposal: Proposal) -> PanelDecision | None:
    """The latest Panel decision on the proposal."""
    return db.session.scalar(
        select(PanelDecision)
        .where(PanelDecision.proposal_id == proposal.id)
        .order_by(PanelDecision.panel_round.desc())
        .limit(1)
    )
