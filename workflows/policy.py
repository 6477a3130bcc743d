"""How the centre's access policy applies to proposals (registered with wisdom.access)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import or_

from wisdom import access
from wisdom.access import ALL_ROLES, PANEL_MEMBER, PDM, STAFF_ROLES
from workflows.models import Proposal

ACTIONS = {
    "proposals.propose": ALL_ROLES,
    "proposals.list": ALL_ROLES,
    "proposals.read": ALL_ROLES,  # the object rule narrows it to the proposer, PDM and Panel
    "proposals.edit": ALL_ROLES,
    "proposals.credit": ALL_ROLES,
    "proposals.withdraw": ALL_ROLES,
    "proposals.discuss": ALL_ROLES,
    "proposals.status": ALL_ROLES,  # title and status: staff, and the proposer
    "proposals.on_behalf": STAFF_ROLES,
    "proposals.see_all": STAFF_ROLES,
    "proposals.evaluate": {PDM},
    "proposals.publish": {PDM},
    "proposals.queue": {PDM},
    "proposals.panel": {PANEL_MEMBER},
    "proposals.vote": {PANEL_MEMBER},
    "proposals.decide": {PANEL_MEMBER},
    "proposals.notes": {PDM, PANEL_MEMBER},
    "proposals.minutes": {PDM, PANEL_MEMBER},
    "proposals.you_said": ALL_ROLES,
}
EDITABLE = frozenset({"draft", "returned"})
CREDIT_FIXED = frozenset({"published", "withdrawn", "declined"})


def define_actions() -> None:
    """Declare the pipeline's actions and the object rule for proposals."""
    for action, roles in ACTIONS.items():
        access.define(action, roles)
    access.define_object_rule(Proposal, proposal_rule)


def is_mine(user, proposal: Proposal) -> bool:
    """Whether the user proposed it, or entered it for a person on probation."""
    return getattr(user, "id", None) in (proposal.proposer_id, proposal.entered_by_id)


def is_chair(user) -> bool:
    """Whether the user chairs the Panel (any member, when no chair is configured)."""
    chair = (current_app.config.get("WISDOM_PANEL_CHAIR") or "").strip().lower()
    if PANEL_MEMBER not in access.role_keys(user):
        return False
    return not chair or user.email.lower() == chair


def proposal_rule(user, action: str, proposal: Proposal) -> bool:
    """The proposer, the PDM and (once referred) the Panel; staff see titles and status only."""
    keys = access.role_keys(user)
    mine, pdm = is_mine(user, proposal), PDM in keys
    panel = PANEL_MEMBER in keys and proposal.panel_round > 0
    rules = {
        "proposals.read": mine or pdm or panel,
        "proposals.status": mine or bool(keys & STAFF_ROLES),
        "proposals.edit": mine and proposal.state in EDITABLE,
        "proposals.credit": mine and proposal.state not in CREDIT_FIXED,
        "proposals.withdraw": mine,
        "proposals.discuss": mine or pdm,
        "proposals.evaluate": pdm,
        "proposals.publish": pdm,
        "proposals.vote": panel,
        "proposals.decide": panel and is_chair(user),
        "proposals.notes": pdm or panel,
    }
    return rules.get(action, False)


def listed_for(user):
    """A SQL condition selecting the proposals a user's list shows (others' drafts never)."""
    mine = or_(Proposal.proposer_id == user.id, Proposal.entered_by_id == user.id)
    if access.is_staff(user):
        return or_(mine, Proposal.state != "draft")
    return mine
