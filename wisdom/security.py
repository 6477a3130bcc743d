"""Security that every request passes through: headers, CSRF, rate limits and session checks."""

from __future__ import annotations

import logging

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, logout_user
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect

from wisdom import access
from wisdom.audit.services import record
from wisdom.auth.models import User
from wisdom.db import db, utcnow

log = logging.getLogger(__name__)

csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_app(app: Flask) -> None:
    """Switch on every protection for the app."""
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = not app.debug
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    # Talisman first: its nonce is made before CSRF or rate limits can refuse a request, so
    # their error pages carry the nonce in the CSP header and on their script tags too.
    Talisman(
        app,
        force_https=False,
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        frame_options="DENY",
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=not app.debug,
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to see this page"
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the session token below does this job
    login_manager.user_loader(_load_user)
    app.before_request(_enforce_session_timeouts)
    app.before_request(_require_password_change)
    app.after_request(_no_store)


def _load_user(identity: str):
    """Load the session's user, refusing one whose session token has changed or who is disabled."""
    user_id, _, token = identity.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token or not user.active:
        return None
    return user


def _enforce_session_timeouts():
    """End sessions idle too long (shorter for cleared roles) or older than the absolute limit."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    cfg = current_app.config
    now = utcnow().timestamp()
    idle = cfg[
        "WISDOM_CLEARED_IDLE_TIMEOUT" if access.is_cleared(current_user) else "WISDOM_IDLE_TIMEOUT"
    ]
    started = session.get("signed_in_at", 0)
    last_seen = session.get("last_seen", 0)
    if (
        now - last_seen > idle.total_seconds()
        or now - started > cfg["PERMANENT_SESSION_LIFETIME"].total_seconds()
    ):
        record("session_expired", "user", current_user.id, actor=current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash("You were signed out because your session ended. Sign in again", "info")
        g.session_expired = True
        return current_app.login_manager.unauthorized()
    session["last_seen"] = now
    return None


# What a person with a temporary password may still reach: the page to change it, and signing out.
BEFORE_PASSWORD_CHANGE = frozenset({"auth.change_password", "auth.sign_out", "static"})


def _require_password_change():
    """Send a person with a temporary password to change it, whatever page they ask for."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in BEFORE_PASSWORD_CHANGE
    ):
        return redirect(url_for("auth.change_password"))
    return None


def _no_store(response):
    """Signed-in pages and their errors are never kept by browsers or proxies."""
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Pragma", "no-cache")
    return response
