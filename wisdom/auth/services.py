"""Accounts: signing in and out, and the changes an admin makes. Writes and audits here only."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import func, select

from wisdom import access
from wisdom.audit.services import record
from wisdom.auth.models import User, UserRole, new_session_token
from wisdom.auth.passwords import check_password, hash_password, problem
from wisdom.db import db, utcnow

SIGN_IN_FAILED = "Enter a correct email address and password"
LOCKED = "Too many attempts to sign in. Wait 15 minutes, then try again"


class AccountError(ValueError):
    """A change to an account was refused; the message says why in plain words."""


@dataclass
class SignInResult:
    """The outcome of a sign-in attempt."""

    user: User | None
    error: str | None


def find_by_email(email: str) -> User | None:
    """The user with this email address, ignoring case and spaces."""
    normalised = normalise_email(email)
    return db.session.scalar(select(User).where(func.lower(User.email) == normalised))


def normalise_email(email: str) -> str:
    """Email addresses are compared in lower case without surrounding spaces."""
    return (email or "").strip().lower()


def address_fingerprint(email: str) -> str:
    """A keyed fingerprint of a typed address that matches no account: repeated attempts on the
    same address can be seen in the audit log without keeping what was typed (a mistyped address
    is personal data, and people sometimes type their password into the email box)."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, normalise_email(email).encode(), hashlib.sha256).hexdigest()
    return digest[:16]


def _dummy_hash() -> str:
    """A hash to check against when the account does not exist, so timing reveals nothing."""
    cached = current_app.extensions.setdefault(
        "wisdom_dummy_hash", hash_password(secrets.token_hex())
    )
    return cached


def authenticate(email: str, password: str) -> SignInResult:
    """Check a sign-in attempt, counting failures per account and locking after too many."""
    user = find_by_email(email)
    now = utcnow()
    if user is None:
        check_password(_dummy_hash(), password)
        record("sign_in_failed", "user", "", actor=None, address=address_fingerprint(email))
        return SignInResult(None, SIGN_IN_FAILED)
    if user.locked_until and user.locked_until > now:
        record("sign_in_refused_locked", "user", user.id, actor=None)
        return SignInResult(None, LOCKED)
    if not check_password(user.password_hash, password) or not user.active:
        _count_failure(user, now)
        return SignInResult(None, LOCKED if user.locked_until else SIGN_IN_FAILED)
    user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
    return SignInResult(user, None)


def _count_failure(user: User, now) -> None:
    """Count a failed attempt; the tenth in the window locks the account for a while."""
    cfg = current_app.config
    if user.first_failed_at is None or now - user.first_failed_at > cfg["WISDOM_LOGIN_WINDOW"]:
        user.failed_logins, user.first_failed_at = 0, now
    user.failed_logins += 1
    record("sign_in_failed", "user", user.id, actor=None, attempts=user.failed_logins)
    if user.failed_logins >= cfg["WISDOM_LOGIN_MAX_FAILURES"]:
        user.locked_until = now + cfg["WISDOM_LOCKOUT"]
        record("account_locked", "user", user.id, actor=None, until=user.locked_until)


def sign_in(user: User) -> None:
    """Start a fresh session for the user: the old session's contents are dropped."""
    session.clear()
    session.permanent = True
    now = utcnow()
    session["sid"] = secrets.token_urlsafe(16)
    session["signed_in_at"] = now.timestamp()
    session["last_seen"] = now.timestamp()
    user.last_signed_in_at = now
    login_user(user, remember=False)
    record("sign_in", "user", user.id, actor=user)


def sign_out(user: User, reason: str = "signed out") -> None:
    """End this session and every other session of the user."""
    user.session_token = new_session_token()
    record("sign_out", "user", user.id, actor=user, why=reason)
    logout_user()
    session.clear()


def create_user(email: str, name: str, password: str, roles, *, actor=None, cleared=False) -> User:
    """Create an account after checking the address, roles and password."""
    email = normalise_email(email)
    roles = _checked_roles(roles)
    if "@" not in email or len(email) > 320:
        raise AccountError("Enter an email address in the correct format, like name@example.org")
    if not (name or "").strip():
        raise AccountError("Enter the person's full name")
    if find_by_email(email) is not None:
        raise AccountError(f"An account with the email address {email} already exists")
    _check_password(password, roles, email, name)
    user = User(email=email, name=name.strip(), password_hash=hash_password(password))
    user.cleared = bool(cleared)
    user.roles = [UserRole(role=r) for r in roles]
    db.session.add(user)
    db.session.flush()
    record("user_created", "user", user.id, actor=actor, roles=roles, cleared=user.cleared)
    return user


def set_roles(user: User, roles, *, actor=None) -> None:
    """Replace the roles a user holds."""
    roles = _checked_roles(roles)
    before = user.role_keys
    if before == roles:
        return
    user.roles = [r for r in user.roles if r.role in roles]
    held = set(user.role_keys)
    user.roles.extend(UserRole(role=r) for r in roles if r not in held)
    # New rights or fewer rights: sessions start again with the new roles' timeouts.
    user.session_token = new_session_token()
    record("roles_changed", "user", user.id, actor=actor, before=before, after=roles)


def grant_role(user: User, role: str, *, actor=None) -> None:
    """Add one role to a user."""
    set_roles(user, sorted(set(user.role_keys) | {role}), actor=actor)


def set_clearance(user: User, cleared: bool, *, actor=None) -> None:
    """Grant or withdraw confidential clearance for a named user."""
    if user.cleared == cleared:
        return
    user.cleared = cleared
    user.session_token = new_session_token()
    record("clearance_changed", "user", user.id, actor=actor, cleared=cleared)


def update_details(user: User, name: str, email: str, *, actor=None) -> None:
    """Change a user's name or email address."""
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError("Enter an email address in the correct format, like name@example.org")
    if not (name or "").strip():
        raise AccountError("Enter the person's full name")
    other = find_by_email(email)
    if other is not None and other.id != user.id:
        raise AccountError(f"An account with the email address {email} already exists")
    changed = {k: v for k, v in (("name", name.strip()), ("email", email)) if getattr(user, k) != v}
    for key, value in changed.items():
        setattr(user, key, value)
    if changed:
        record("user_changed", "user", user.id, actor=actor, fields=sorted(changed))


def set_active(user: User, active: bool, *, actor=None) -> None:
    """Disable or re-enable an account; disabling ends its sessions at their next request."""
    if actor is not None and actor.id == user.id and not active:
        raise AccountError("You cannot disable your own account")
    if user.active == active:
        return
    user.active = active
    user.session_token = new_session_token()
    record("user_enabled" if active else "user_disabled", "user", user.id, actor=actor)


def reset_password(user: User, temporary: str, *, actor=None) -> None:
    """Set a temporary password that the user must change at next sign-in."""
    _check_password(temporary, user.role_keys, user.email, user.name)
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    user.session_token = new_session_token()
    user.failed_logins, user.first_failed_at, user.locked_until = 0, None, None
    record("password_reset", "user", user.id, actor=actor)


def change_password(user: User, current: str, new: str) -> None:
    """The user changes their own password; other sessions end, this one goes on."""
    if not check_password(user.password_hash, current):
        raise AccountError("Your current password is not correct")
    if current == new:
        raise AccountError("Your new password must be different from your current password")
    _check_password(new, user.role_keys, user.email, user.name)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_token = new_session_token()
    record("password_changed", "user", user.id, actor=user)
    login_user(user, remember=False)


def _check_password(password: str, roles, email: str, name: str) -> None:
    """Raise AccountError when a new password breaks the policy."""
    staff = bool(set(roles) & access.STAFF_ROLES)
    why = problem(password or "", staff=staff, email=email, name=name)
    if why:
        raise AccountError(why)


def _checked_roles(roles) -> list[str]:
    """Roles as a sorted list, refusing unknown keys and an empty set."""
    roles = sorted({r.strip() for r in roles if r and r.strip()})
    unknown = [r for r in roles if r not in access.ROLES]
    if unknown:
        known = ", ".join(sorted(access.ROLES))
        raise AccountError(f"Unknown role {', '.join(unknown)}. Roles are: {known}")
    if not roles:
        raise AccountError("Choose at least one role")
    return roles


def lockout_remaining(user: User) -> timedelta | None:
    """How long the account stays locked, if it is."""
    if user.locked_until and user.locked_until > utcnow():
        return user.locked_until - utcnow()
    return None
