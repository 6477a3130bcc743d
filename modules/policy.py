"""How the centre's access policy applies to modules and the Directory (registered with wisdom.access)."""

from __future__ import annotations

from modules.models import STATUSES, Module
from wisdom import access
from wisdom.access import ALL_ROLES, PDM, STAFF_ROLES

ACTIONS = {
    # Browse the Directory and open a module (people on probation: active modules, easy read).
    "directory.read": ALL_ROLES,
    # The full staff view: eligibility, risk levels, referral route, history and differences.
    "directory.staff_view": STAFF_ROLES,
    # Facilitator notes: staff only, everywhere (pages, print, export, search).
    "modules.staff_notes": STAFF_ROLES,
    # Publish a minor correction directly (other changes come through the proposal pipeline).
    "modules.edit": {PDM},
}


def define_actions() -> None:
    """Declare the Directory's actions and the object rule for modules."""
    for action, roles in ACTIONS.items():
        access.define(action, roles)
    access.define_object_rule(Module, module_rule)


def module_rule(user, action: str, module: Module) -> bool:
    """Staff may see every module; anyone else only active ones."""
    return module.status in visible_statuses(user)


def visible_statuses(user) -> list[str]:
    """The module statuses a user may see at all."""
    return list(STATUSES) if access.can(user, "directory.staff_view") else ["active"]


def full_view(user) -> bool:
    """Whether the user sees a module's full staff view rather than the easy-read one."""
    return access.can(user, "directory.staff_view")


def sees_staff_notes(user) -> bool:
    """Whether facilitator notes may be shown to the user."""
    return access.can(user, "modules.staff_notes")
