"""Demo proposals in several states, written fresh for WISDOM, loaded once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from modules import services as modules
from modules.models import Module
from wisdom.auth.services import find_by_email
from wisdom.db import db, utcnow
from workflows import deciding, services
from workflows.models import Proposal

SAM, PRIYA, MORGAN = "sam@example.org", "priya@example.org", "morgan@example.org"
NEW_IDEAS = (
    (
        SAM, "Cooking on a budget",
        "A group where people learn to cook cheap, healthy meals in a shared kitchen.",
        "Each week we cook one meal for under £2 a head and take the recipe home.",
        "When I moved into my flat I lived on takeaways and ran out of money every month.",
        "initials", "submitted",
    ),
    (
        PRIYA, "Peer mentors at the reporting centre",
        "People who have finished their orders meet new starters in the waiting area.",
        "Trained peer mentors spend two mornings a week at the reporting centre.",
        "New starters often miss their second appointment; a friendly face helps them come back.",
        "full_name", "referred",
    ),
    (
        SAM, "Digital skills drop-in",
        "Help with phones, email and online forms, one to one.",
        "Bring your phone; a volunteer helps you set up email and apply for things online.",
        "Universal Credit and job applications are all online now.",
        "person_on_probation", "returned",
    ),
)  # fmt: skip


def load_demo() -> str:
    """Create the demo proposals once; later runs find them and change nothing."""
    if db.session.scalar(select(Proposal.id).limit(1)) is not None:
        return "Demo proposals: already loaded, unchanged"
    people = {email: find_by_email(email) for email in (SAM, PRIYA, MORGAN)}
    if None in people.values():
        return "Demo proposals: skipped (the demo accounts are missing)"
    for proposer, title, summary, description, reason, credit, state in NEW_IDEAS:
        proposal = services.start("new_module", people[proposer])
        services.save(
            proposal, people[proposer], title=title, reason=reason, credit_choice=credit,
            content={"summary": summary, "description": description, "pathways": ["ete"]},
        )  # fmt: skip
        services.submit(proposal, people[proposer])
        proposal.submitted_at = utcnow() - timedelta(days=35 if state == "submitted" else 10)
        _advance(proposal, state, people[MORGAN])
    count = len(NEW_IDEAS) + _session_idea(people[SAM])
    return f"Demo proposals: {count} loaded"


def _advance(proposal: Proposal, state: str, pdm) -> None:
    """Move a submitted demo proposal on to ``state``, as the PDM would."""
    answers = {k: "Looked at with the team leads." for k in deciding.EVALUATION_FIELDS}
    if state == "referred":
        deciding.evaluate(proposal, pdm, answers, "refer", "This goes to the Panel in March.")
    elif state == "returned":
        deciding.evaluate(
            proposal, pdm, answers, "return",
            "Thank you. Who would run the sessions, and how often? Please add that and send it again.",
        )  # fmt: skip


def _session_idea(sam) -> int:
    """A draft idea for a new session, if the Directory has a module to add it to."""
    module = db.session.scalar(select(Module).where(Module.status == "active").order_by(Module.id))
    if module is None:
        return 0
    proposal = services.start("new_session", sam)
    services.save(
        proposal, sam, title="A session on what to say to employers", module_slug=module.slug,
        base_version=module.current_version, reason="I never know how to explain my conviction.",
        content={"title": "Talking to employers about your conviction", "objectives": "Practise "
                 "what to say, and learn when you must tell.", "duration_minutes": 60,
                 "participant_materials": "", "facilitator_notes": ""},
    )  # fmt: skip
    modules.module_content(module)  # the module exists and reads: the draft can be finished
    return 1
