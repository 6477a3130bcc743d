"""How the centre's access policy applies to library items (registered with wisdom.access)."""

from __future__ import annotations

from sqlalchemy import or_, select

from content.models import Item, ItemShare
from wisdom import access
from wisdom.access import ADMIN, ALL_ROLES, PANEL_MEMBER, PDM, QUALITY_LEAD, STAFF_ROLES

# Which roles may write each kind of item.
EDITORS = {
    "guidance": {PDM},
    "finding": {PDM, QUALITY_LEAD},
    "beacon": {PDM, QUALITY_LEAD},
    "resource": {PDM},
    "workbank": {PDM},
    "feedback": {PDM, QUALITY_LEAD},
}
ACTIONS = {
    "library.read": ALL_ROLES,
    "library.edit": {PDM, QUALITY_LEAD},
    "library.archive": {PDM, QUALITY_LEAD},
    "library.review_list": STAFF_ROLES,
    "library.actions": STAFF_ROLES,
    "library.taxonomy": {PDM},
    "library.transfer": {PDM, ADMIN},
    "library.findings_manage": {PDM, QUALITY_LEAD, PANEL_MEMBER},
}


def define_actions() -> None:
    """Declare the library's actions and the object rule for items."""
    for action, roles in ACTIONS.items():
        access.define(action, roles)
    access.define_object_rule(Item, item_rule)


def item_rule(user, action: str, item: Item) -> bool:
    """Reading needs the classification (or a share); writing also needs an editor role."""
    if not access.may_read(user, item.classification, shared_principals(item)):
        return False
    if action == "library.read":
        return not item.archived or may_edit_kind(user, item.kind)
    if action in ("library.edit", "library.archive"):
        return may_edit_kind(user, item.kind)
    return True


def may_edit_kind(user, kind: str) -> bool:
    """Whether the user holds a role that writes this kind."""
    return bool(access.role_keys(user) & EDITORS[kind])


def shared_principals(item: Item) -> list[str]:
    """The named users and teams an item is shared with, as ACL principals."""
    return [f"user:{s.user_id}" if s.user_id else f"team:{s.team_id}" for s in item.shares]


def readable(user):
    """A SQL condition selecting the items a user may read (archived ones excluded elsewhere)."""
    shares = select(ItemShare.item_id).where(
        or_(ItemShare.user_id == user.id, ItemShare.team_id.in_(user.team_ids or [-1]))
    )
    return or_(Item.classification.in_(access.readable_classifications(user)), Item.id.in_(shares))
