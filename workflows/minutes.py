"""The Panel's agenda and minutes, generated from its decisions, and their text export."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from wisdom.db import db
from workflows import deciding
from workflows.models import VOTES, PanelDecision, Proposal


@dataclass
class Meeting:
    """One meeting: what is on the agenda now and what was decided that day."""

    day: date
    agenda: list[tuple[Proposal, deciding.Tally]]
    decisions: list[PanelDecision]


def meeting(day: date) -> Meeting:
    """The agenda (every proposal with the Panel) and the decisions recorded on ``day``."""
    waiting = db.session.scalars(
        select(Proposal).where(Proposal.state == "referred").order_by(Proposal.referred_at)
    ).all()
    decided = db.session.scalars(
        select(PanelDecision).where(PanelDecision.meeting_date == day).order_by(PanelDecision.id)
    ).all()
    return Meeting(day, [(p, deciding.tally(p)) for p in waiting], list(decided))


def meeting_days() -> list[date]:
    """Days on which the Panel recorded decisions, newest first."""
    return list(
        db.session.scalars(
            select(PanelDecision.meeting_date)
            .distinct()
            .order_by(PanelDecision.meeting_date.desc())
        )
    )


def as_text(record: Meeting) -> str:
    """The agenda and minutes as a Markdown document."""
    lines = [f"# Service Development Panel – {record.day:%-d %B %Y}", "", "## Agenda", ""]
    for n, (proposal, counted) in enumerate(record.agenda, start=1):
        lines.append(f"{n}. Proposal {proposal.id}: {proposal.title} ({counted.cast} votes so far)")
    if not record.agenda:
        lines.append("Nothing is waiting for the Panel.")
    lines += ["", "## Minutes", ""]
    for decision in record.decisions:
        lines += [
            f"### Proposal {decision.proposal_id}: {decision.proposal.title}",
            "",
            f"- Decision: {VOTES[decision.outcome]}",
            f"- Votes: {decision.votes_for} of {decision.votes_cast} in favour",
            f"- Reasons: {decision.reasons}",
        ]
        if decision.conditions:
            lines.append(f"- Conditions: {decision.conditions}")
        if decision.review_date:
            lines.append(f"- Review by: {decision.review_date:%-d %B %Y}")
        lines.append("")
    if not record.decisions:
        lines.append("No decisions were recorded on this day.")
    return "\n".join(lines) + "\n"
