"""What the proposal pages show, decided by the access policy, never by the templates."""

from __future__ import annotations

from datetime import date

from flask import current_app, url_for
from sqlalchemy import func, select

from modules import services as modules
from wisdom import access, diffs
from wisdom.db import db
from workflows import deciding, services
from workflows.machine import DECIDED, STATE_LABELS, TO_EVALUATE
from workflows.models import Proposal
from workflows.workdays import working_days_between

CHANGED_FIELDS = (
    ("title", "Module name"),
    ("summary", "Summary"),
    ("description", "What happens in it"),
)


def module_of(proposal: Proposal):
    """The module a proposal is about, if any."""
    return modules.find_module(proposal.module_slug) if proposal.module_slug else None


def changes(proposal: Proposal) -> list[tuple[str, object]]:
    """For a change to a module: each changed field, as a word-level difference."""
    if proposal.kind != "change_module" or proposal.base_version is None:
        return []
    module = module_of(proposal)
    base_version = modules.version_of(module, proposal.base_version) if module else None
    if base_version is None:
        return []
    base, proposed = modules.module_content(base_version), proposal.content
    return [
        (name, diffs.diff_html(str(base.get(key) or ""), str(proposed.get(key) or "")))
        for key, name in CHANGED_FIELDS
        if diffs.changed(str(base.get(key) or ""), str(proposed.get(key) or ""))
    ]


def age(proposal: Proposal, since) -> tuple[int, bool]:
    """Working days waiting since ``since``, and whether that is past the target."""
    if since is None:
        return 0, False
    days = working_days_between(since.date(), date.today())
    return days, days > int(current_app.config.get("WISDOM_TARGET_WORKING_DAYS") or 20)


def page(proposal: Proposal, user) -> dict:
    """Everything the proposal page shows this user."""
    can = lambda action: access.can(user, action, proposal)  # noqa: E731 - a local shorthand
    sees_workings = can("proposals.notes")
    return {
        "proposal": proposal,
        "state_label": STATE_LABELS[proposal.state],
        "module": module_of(proposal),
        "changes": changes(proposal),
        "credit": services.credit(proposal),
        "flags": services.personal_data(proposal) if can("proposals.discuss") else [],
        "discussion": services.comments(proposal, internal=False)
        if can("proposals.discuss")
        else [],
        "notes": services.comments(proposal, internal=True) if sees_workings else [],
        "evaluation": deciding.evaluation_of(proposal) if sees_workings else None,
        "tally": deciding.tally(proposal) if sees_workings and proposal.panel_round else None,
        "decision": deciding.decision_of(proposal),
        "quorum": deciding.quorum(),
        "may": {
            "edit": can("proposals.edit"),
            "withdraw": can("proposals.withdraw") and proposal.state in WITHDRAWABLE,
            "credit": can("proposals.credit"),
            "discuss": can("proposals.discuss"),
            "notes": sees_workings,
            "evaluate": can("proposals.evaluate") and proposal.state in TO_EVALUATE,
            "vote": can("proposals.vote") and proposal.state == "referred",
            "decide": can("proposals.decide") and proposal.state == "referred",
            "reconsider": can("proposals.evaluate") and proposal.state == "deferred",
            "publish": can("proposals.publish") and proposal.state in DECIDED,
        },
        "my_vote": _my_vote(proposal, user),
    }


WITHDRAWABLE = frozenset(
    {"draft", "submitted", "pdm_evaluation", "returned", "resubmitted", "referred", "deferred"}
)


def _my_vote(proposal: Proposal, user):
    if not proposal.panel_round:
        return None
    return next((v for v in deciding.tally(proposal).votes if v.member_id == user.id), None)


MODULE_PAGE = "directory.module"


def module_url(slug: str | None) -> str | None:
    """The Directory page of a module, if the modules component serves one."""
    if not slug:
        return None
    if MODULE_PAGE not in current_app.view_functions:
        return None
    return url_for(MODULE_PAGE, slug=slug)


def counts() -> dict[str, int]:
    """How many proposals wait in each queue, for the home-page panels."""
    rows = dict(
        db.session.execute(select(Proposal.state, func.count()).group_by(Proposal.state)).all()
    )
    return {
        "to_evaluate": sum(rows.get(s, 0) for s in TO_EVALUATE),
        "to_publish": sum(rows.get(s, 0) for s in DECIDED),
        "to_decide": rows.get("referred", 0),
    }
