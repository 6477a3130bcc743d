"""Proposals, their timeline, evaluations, Panel votes and decisions, and the discussion."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wisdom.db import db, utcnow

KINDS = {
    "new_module": "A new module",
    "change_module": "A change to a module",
    "new_session": "A new session for a module",
    "retire_module": "Stop running a module",
}
CREDITS = {
    "full_name": "My full name",
    "initials": "My initials",
    "person_on_probation": "“A person on probation”",
    "none": "Do not credit me",
}
VOTES = {
    "approve": "Approve",
    "approve_with_conditions": "Approve with conditions",
    "decline": "Decline",
    "defer": "Defer to a later meeting",
}
RECOMMENDATIONS = {
    "refer": "Send it to the Panel",
    "return": "Send it back to the proposer for changes",
    "decline": "Do not take it forward",
    "continue": "Save my notes and decide later",
}


class Proposal(db.Model):
    """An idea for the Directory of Services, from draft to publication."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    state: Mapped[str] = mapped_column(String(30), nullable=False, default="draft", index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    module_slug: Mapped[str | None] = mapped_column(String(120), index=True)
    base_version: Mapped[int | None] = mapped_column(Integer)
    content_json: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_behalf_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    consent_given: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    credit_choice: Mapped[str] = mapped_column(String(30), nullable=False, default="full_name")
    panel_round: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    published_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    referred_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)

    proposer = relationship("User", foreign_keys=[proposer_id], lazy="joined")
    entered_by = relationship("User", foreign_keys=[entered_by_id], lazy="joined")
    events: Mapped[list[ProposalEvent]] = relationship(
        back_populates="proposal", order_by="ProposalEvent.id", lazy="selectin"
    )

    @property
    def content(self) -> dict:
        """What the proposal would publish: module content, a session, or nothing (retiring)."""
        return json.loads(self.content_json or "{}")

    @property
    def kind_label(self) -> str:
        """The kind in words."""
        return KINDS.get(self.kind, self.kind)

    @property
    def for_someone_else(self) -> bool:
        """Whether staff entered it for a person on probation."""
        return bool(self.on_behalf_name)


class ProposalEvent(db.Model):
    """One move in a proposal's life: who, when, from what state to what, and why."""

    __tablename__ = "proposal_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), nullable=False, index=True)
    event: Mapped[str] = mapped_column(String(40), nullable=False)
    from_state: Mapped[str] = mapped_column(String(30), nullable=False)
    to_state: Mapped[str] = mapped_column(String(30), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")

    proposal: Mapped[Proposal] = relationship(back_populates="events")
    actor = relationship("User", lazy="joined")


class ProposalComment(db.Model):
    """A message in a proposal's discussion; internal notes are for the Panel and the PDM."""

    __tablename__ = "proposal_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), nullable=False, index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text, nullable=False)
    internal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    author = relationship("User", lazy="joined")


class Evaluation(db.Model):
    """The PDM's evaluation of a proposal, with a recommendation."""

    __tablename__ = "proposal_evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id"), nullable=False, unique=True
    )
    need: Mapped[str] = mapped_column(Text, nullable=False, default="")
    evidence: Mapped[str] = mapped_column(Text, nullable=False, default="")
    pathway_fit: Mapped[str] = mapped_column(Text, nullable=False, default="")
    feasibility: Mapped[str] = mapped_column(Text, nullable=False, default="")
    cost: Mapped[str] = mapped_column(Text, nullable=False, default="")
    risk: Mapped[str] = mapped_column(Text, nullable=False, default="")
    recommendation: Mapped[str] = mapped_column(String(20), nullable=False, default="continue")
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    evaluator = relationship("User", lazy="joined")


class PanelVote(db.Model):
    """One Panel member's vote on a proposal in one round; one vote per member per round."""

    __tablename__ = "panel_votes"
    __table_args__ = (UniqueConstraint("proposal_id", "panel_round", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), nullable=False, index=True)
    panel_round: Mapped[int] = mapped_column(Integer, nullable=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("users.id"), nullable=False)
    vote: Mapped[str] = mapped_column(String(30), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    member = relationship("User", lazy="joined")


class PanelDecision(db.Model):
    """The chair's record of the Panel's decision, with reasons, conditions and a review date."""

    __tablename__ = "panel_decisions"
    __table_args__ = (UniqueConstraint("proposal_id", "panel_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), nullable=False, index=True)
    panel_round: Mapped[int] = mapped_column(Integer, nullable=False)
    outcome: Mapped[str] = mapped_column(String(30), nullable=False)
    reasons: Mapped[str] = mapped_column(Text, nullable=False)
    conditions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    review_date: Mapped[date | None] = mapped_column(Date)
    meeting_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    votes_for: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    votes_cast: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    proposal = relationship("Proposal", lazy="joined")
    chair = relationship("User", lazy="joined")
