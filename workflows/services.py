"""Writing proposals: drafts, moves through the machine, the discussion and the telling of people.

Every move goes through ProposalMachine, writes a ProposalEvent (actor, time, comment) and an
audit record, queues the search index and tells those concerned, all in the caller's transaction.
"""

from __future__ import annotations

import json

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from search import outbox
from wisdom import signals
from wisdom.audit.services import record
from wisdom.auth.models import User, UserRole
from wisdom.db import db, utcnow
from wisdom.notifications.services import notify
from workflows import checks
from workflows.machine import EVENT_LABELS, STATE_LABELS, ProposalMachine, TransitionNotAllowed
from workflows.models import CREDITS, KINDS, Proposal, ProposalComment, ProposalEvent

MODULE_KINDS = ("change_module", "new_session", "retire_module")
MAX_TEXT = 20_000


class IllegalMove(ValueError):
    """A move the proposal's state does not allow, or one missing what it needs; nothing changed."""


class InvalidProposal(ValueError):
    """The proposal cannot be sent yet; ``errors`` says what to fix, by field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def link(proposal: Proposal) -> str:
    """The proposal's page (also outside a request: the CLI and the demo loader)."""
    if not has_request_context():
        with current_app.test_request_context("/"):
            return link(proposal)
    return url_for("proposals.show", proposal_id=proposal.id)


def start(kind: str, actor, *, on_behalf_name: str = "") -> Proposal:
    """A new draft of ``kind`` by ``actor`` (staff may start one for a person on probation)."""
    if kind not in KINDS:
        raise InvalidProposal({"kind": "Choose what you want to suggest"})
    proposal = Proposal(
        kind=kind, state="draft", proposer_id=actor.id, content_json="{}",
        on_behalf_name=" ".join(on_behalf_name.split())[:200],
        entered_by_id=actor.id if on_behalf_name.strip() else None,
        credit_choice="full_name", created_at=utcnow(), updated_at=utcnow(),
    )  # fmt: skip
    db.session.add(proposal)
    db.session.flush()
    record("proposal_started", "proposal", proposal.id, actor=actor, kind=kind)
    return proposal


def save(proposal: Proposal, actor, **changes) -> None:
    """Save answers to a draft (or a returned proposal): title, reason, content, module, credit."""
    if proposal.state not in ("draft", "returned"):
        raise IllegalMove(f"This proposal is {label(proposal)}, so it cannot be changed now")
    for key in ("title", "reason", "module_slug", "base_version", "on_behalf_name"):
        if key in changes:
            setattr(proposal, key, changes[key])
    if "content" in changes:
        proposal.content_json = json.dumps(changes["content"], sort_keys=True)
    if "consent_given" in changes:
        proposal.consent_given = bool(changes["consent_given"])
    if "credit_choice" in changes:
        set_credit(proposal, changes["credit_choice"], actor)
    proposal.updated_at = utcnow()


def set_credit(proposal: Proposal, choice: str, actor) -> None:
    """Change how the proposer is credited; allowed until the proposal is published."""
    if choice not in CREDITS:
        raise InvalidProposal({"credit_choice": "Choose how you want to be credited"})
    if proposal.state in ("published", "withdrawn", "declined"):
        raise IllegalMove("The credit cannot be changed after the proposal is published or closed")
    if proposal.credit_choice != choice:
        proposal.credit_choice = choice
        record("proposal_credit_changed", "proposal", proposal.id, actor=actor, credit=choice)


def credit_name(proposal: Proposal) -> str:
    """The name the credit is made from: the person on probation's, when staff entered it."""
    return proposal.on_behalf_name or proposal.proposer.name


def credit(proposal: Proposal) -> str | None:
    """The credit line as the proposer chose it; None for no credit."""
    return checks.credit_line(proposal.credit_choice, credit_name(proposal))


def problems(proposal: Proposal) -> dict[str, str]:
    """What must be answered before the proposal can be sent (empty when ready)."""
    errors: dict[str, str] = {}
    content = proposal.content
    if not proposal.title.strip():
        errors["title"] = "Give your idea a short name"
    if proposal.kind in MODULE_KINDS and not proposal.module_slug:
        errors["module_slug"] = "Choose the module your idea is about"
    if proposal.kind == "new_module" and not (content.get("summary") or "").strip():
        errors["summary"] = "Say in a sentence or two what the module is"
    if proposal.kind == "new_session" and not (content.get("title") or "").strip():
        errors["session_title"] = "Give the new session a name"
    if not proposal.reason.strip():
        errors["reason"] = "Say why this is needed"
    if proposal.on_behalf_name and not proposal.consent_given:
        errors["consent_given"] = "Confirm the person agreed to you sending this for them"
    return errors


def personal_data(proposal: Proposal) -> list[checks.PersonalDataFlag]:
    """Text in the proposal that looks like personal data."""
    content = proposal.content
    fields = {"Name": proposal.title, "Why it is needed": proposal.reason}
    for key, name in (("summary", "Summary"), ("description", "What happens"),
                      ("objectives", "What people will learn"), ("title", "Session name")):  # fmt: skip
        if isinstance(content.get(key), str):
            fields[name] = content[key]
    return checks.personal_data(fields)


def submit(proposal: Proposal, actor) -> None:
    """Send a draft to the PDM, or send a returned proposal again."""
    errors = problems(proposal)
    if errors:
        raise InvalidProposal(errors)
    event = "resubmit" if proposal.state == "returned" else "submit"
    move(proposal, event, actor)
    proposal.submitted_at = utcnow()
    for pdm in people_with_role("pdm"):
        notify(pdm, f"A proposal is waiting to be evaluated: number {proposal.id}",
               link(proposal), "proposal")  # fmt: skip


def withdraw(proposal: Proposal, actor, comment: str = "") -> None:
    """The proposer takes their proposal back, before a decision."""
    move(proposal, "withdraw", actor, comment)
    tell_pdm = proposal.submitted_at is not None
    if tell_pdm:
        for pdm in people_with_role("pdm"):
            notify(pdm, f"Proposal {proposal.id} was withdrawn by the proposer", link(proposal))


def move(proposal: Proposal, event: str, actor, comment: str = "") -> ProposalEvent:
    """Make one move through the machine and record it; IllegalMove if the state forbids it."""
    before = proposal.state
    machine = ProposalMachine(model=proposal, state_field="state")
    try:
        machine.send(event)
    except TransitionNotAllowed:
        raise IllegalMove(
            f"This proposal is {STATE_LABELS.get(before, before).lower()}, so it cannot be "
            f"{EVENT_LABELS.get(event, event).lower()} now. Nothing was changed"
        ) from None
    step = ProposalEvent(
        proposal_id=proposal.id, event=event, from_state=before, to_state=proposal.state,
        actor_id=getattr(actor, "id", None), at=utcnow(), comment=(comment or "").strip(),
    )  # fmt: skip
    db.session.add(step)
    proposal.updated_at = step.at
    record(f"proposal_{event}", "proposal", proposal.id, actor=actor,
           from_state=before, to_state=proposal.state)  # fmt: skip
    outbox.enqueue(f"proposal:{proposal.id}")
    signals.proposal_moved.send(current_app._get_current_object(), proposal=proposal, event=event)
    return step


def lock(proposal: Proposal) -> None:
    """Re-read the proposal and hold its row until commit, so two deciders cannot both act."""
    # FOR UPDATE on the row alone: PostgreSQL refuses it across the eager outer joins to users.
    db.session.execute(select(Proposal.id).where(Proposal.id == proposal.id).with_for_update())
    db.session.refresh(proposal)


def label(proposal: Proposal) -> str:
    """The proposal's state in plain words, lower case."""
    return STATE_LABELS.get(proposal.state, proposal.state).lower()


def comment(proposal: Proposal, author, body: str, *, internal: bool) -> ProposalComment:
    """Add to the discussion (proposer and PDM) or to the Panel's internal notes."""
    body = (body or "").strip()
    if not body:
        raise InvalidProposal({"body": "Write your message"})
    if len(body) > MAX_TEXT:
        raise InvalidProposal({"body": f"Keep your message under {MAX_TEXT:,} characters"})
    note = ProposalComment(
        proposal_id=proposal.id, author_id=author.id, body=body, internal=internal, at=utcnow()
    )
    db.session.add(note)
    record(
        "proposal_note" if internal else "proposal_comment", "proposal", proposal.id, actor=author
    )
    if not internal:
        others = {proposal.proposer, proposal.entered_by, *people_with_role("pdm")} - {author, None}
        for person in others:
            notify(person, f"There is a new message about proposal {proposal.id}", link(proposal))
    return note


def comments(proposal: Proposal, *, internal: bool) -> list[ProposalComment]:
    """The discussion, or the internal notes, oldest first."""
    return db.session.scalars(
        select(ProposalComment)
        .where(ProposalComment.proposal_id == proposal.id, ProposalComment.internal == internal)
        .order_by(ProposalComment.id)
    ).all()


def people_with_role(role: str) -> list[User]:
    """Active users holding a role."""
    return db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == role, User.active).order_by(User.id)
    ).all()


def tell_proposer(proposal: Proposal, message: str) -> None:
    """Notify the proposer (and whoever entered it for them)."""
    for person in {proposal.proposer, proposal.entered_by} - {None}:
        notify(person, message, link(proposal), "proposal")
