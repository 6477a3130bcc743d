"""The one place that decides who may do what.

Pages, navigation, queries and templates ask ``can(user, action, obj)``; search asks
``principals(user)``. Components add their own actions with ``define``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import abort, current_app
from flask_login import current_user

SERVICE_USER = "service_user"
PRACTITIONER = "practitioner"
PDM = "pdm"
PANEL_MEMBER = "panel_member"
QUALITY_LEAD = "quality_lead"
ADMIN = "admin"


@dataclass(frozen=True)
class Role:
    """A role a user may hold."""

    key: str
    label: str
    staff: bool
    cleared: bool  # holds confidential clearance by virtue of the role


ROLES = {
    r.key: r
    for r in (
        Role(SERVICE_USER, "Person on probation", staff=False, cleared=False),
        Role(PRACTITIONER, "Practitioner", staff=True, cleared=False),
        Role(PDM, "Practice Development Manager", staff=True, cleared=True),
        Role(PANEL_MEMBER, "Service Development Panel member", staff=True, cleared=True),
        Role(QUALITY_LEAD, "Quality lead", staff=True, cleared=True),
        Role(ADMIN, "Administrator", staff=True, cleared=False),
    )
}
ALL_ROLES = frozenset(ROLES)
STAFF_ROLES = frozenset(k for k, r in ROLES.items() if r.staff)

# action -> roles that may do it. "signed_in" means any signed-in user.
_ACTIONS: dict[str, frozenset[str]] = {
    "home.view": ALL_ROLES,
    "account.change_password": ALL_ROLES,
    "admin.users": frozenset({ADMIN}),
    "admin.audit": frozenset({ADMIN}),
}

# Object rules: type name -> function(user, action, obj) -> bool, added by components.
_OBJECT_RULES: dict[type, Callable] = {}


class AccessError(ValueError):
    """An action was defined twice or used without being defined."""


def define(action: str, roles) -> None:
    """Declare an action and the roles that may do it."""
    roles = frozenset(roles)
    unknown = roles - ALL_ROLES
    if unknown:
        raise AccessError(f"unknown roles for {action}: {sorted(unknown)}")
    if action in _ACTIONS and _ACTIONS[action] != roles:
        raise AccessError(f"the action {action} is already defined with other roles")
    _ACTIONS[action] = roles


def define_object_rule(model: type, rule: Callable) -> None:
    """Declare how access to objects of ``model`` is decided beyond roles."""
    _OBJECT_RULES[model] = rule


def actions() -> dict[str, frozenset[str]]:
    """Every defined action and its roles (read-only view for the admin pages and tests)."""
    return dict(_ACTIONS)


def role_keys(user) -> frozenset[str]:
    """The roles a user holds; none for anonymous or disabled users."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return frozenset(user.role_keys)


def is_staff(user) -> bool:
    """Whether the user holds any staff role."""
    return bool(role_keys(user) & STAFF_ROLES)


def is_cleared(user) -> bool:
    """Whether the user may see confidential content: by role, or granted by name."""
    keys = role_keys(user)
    if not keys:
        return False
    return any(ROLES[k].cleared for k in keys) or bool(getattr(user, "cleared", False))


def can(user, action: str, obj=None) -> bool:
    """Whether ``user`` may do ``action`` (to ``obj``, when given)."""
    if action not in _ACTIONS:
        raise AccessError(f"undefined action {action!r}")
    if not role_keys(user) & _ACTIONS[action]:
        return False
    if obj is None:
        return True
    for model, rule in _OBJECT_RULES.items():
        if isinstance(obj, model):
            return bool(rule(user, action, obj))
    return True


def principals(user) -> frozenset[str]:
    """The ACL principals a user's searches are filtered by."""
    keys = role_keys(user)
    if not keys:
        return frozenset()
    found = {"everyone", f"user:{user.id}"} | {f"role:{k}" for k in keys}
    if keys & STAFF_ROLES:
        found.add("staff")
    if is_cleared(user):
        found.add("cleared")
    found |= {f"team:{t}" for t in getattr(user, "team_ids", ())}
    return frozenset(found)


def require(action: str, not_found: bool = False):
    """Decorate a view: sign-in needed, then ``action`` allowed, else 403 (or 404 if asked)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not can(current_user, action):
                abort(404 if not_found else 403)
            return view(*args, **kwargs)

        wrapped.wisdom_action = action
        return wrapped

    return decorate


CLASSIFICATION_PRINCIPALS = {
    "open": frozenset({"everyone"}),
    "staff": frozenset({"staff"}),
    "confidential": frozenset({"cleared"}),
}


def acl(classification: str, shared_with=()) -> frozenset[str]:
    """The principals that may read something of this classification (plus named shares)."""
    return CLASSIFICATION_PRINCIPALS[classification] | frozenset(shared_with)


def may_read(user, classification: str, shared_with=()) -> bool:
    """Whether the user may read something of this classification, shared with these principals."""
    return bool(principals(user) & acl(classification, shared_with))


def may_read_confidential_sections(user) -> bool:
    """Whether confidential sections inside open or staff items are shown to the user."""
    return is_cleared(user)


def readable_classifications(user) -> list[str]:
    """The classifications a user may read without a named share."""
    held = principals(user)
    return [c for c, needed in CLASSIFICATION_PRINCIPALS.items() if needed & held]
