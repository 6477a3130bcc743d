"""The password policy: length by role, a deny-list of common passwords, no composition rules."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from werkzeug.security import check_password_hash, generate_password_hash

STAFF_MIN = 12
SERVICE_USER_MIN = 8
MAX_LENGTH = 1024  # long passphrases are welcome; this only stops abuse of the hashing


@cache
def common_passwords() -> frozenset[str]:
    """The deny-list shipped with WISDOM (lower case)."""
    text = files("wisdom.auth").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def minimum_length(staff: bool) -> int:
    """The shortest password allowed for staff or for people on probation."""
    return STAFF_MIN if staff else SERVICE_USER_MIN


def problem(password: str, *, staff: bool, email: str = "", name: str = "") -> str | None:
    """Why a new password is not acceptable, in plain words, or None when it is."""
    least = minimum_length(staff)
    if len(password) < least:
        return f"Your password must be at least {least} characters long"
    if len(password) > MAX_LENGTH:
        return f"Your password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    if lowered in common_passwords():
        return "This password is too common. Choose a password that is harder to guess"
    personal = {email.lower(), email.split("@")[0].lower(), name.lower()} - {""}
    if lowered in personal:
        return "Your password must not be your name or email address"
    return None


def hash_password(password: str) -> str:
    """Hash a password with scrypt."""
    return generate_password_hash(password, method="scrypt")


def check_password(password_hash: str, password: str) -> bool:
    """Whether a password matches its stored hash."""
    return check_password_hash(password_hash, password)
