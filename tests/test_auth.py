"""Signing in and out, passwords, lockout and sessions."""

from datetime import timedelta

from sqlalchemy import select
from support import PEOPLE, csrf_token, post_form, sign_in

from wisdom.audit.models import AuditRecord
from wisdom.auth.models import User
from wisdom.db import db


def _actions(app):
    with app.app_context():
        return [r.action for r in db.session.scalars(select(AuditRecord).order_by(AuditRecord.id))]


def test_sign_in_and_out_are_recorded(app, client):
    assert sign_in(client, "practitioner").status_code == 302
    assert client.get("/").status_code == 200
    post_form(client, "/sign-out", {})
    assert client.get("/").status_code == 302
    assert _actions(app)[-2:] == ["sign_in", "sign_out"]


def test_unknown_user_and_wrong_password_get_the_same_message(client):
    token = csrf_token(client)
    wrong = client.post(
        "/sign-in",
        data={"email": "priya@example.org", "password": "not-her-password", "csrf_token": token},
    )
    unknown = client.post(
        "/sign-in",
        data={"email": "nobody@example.org", "password": "not-her-password", "csrf_token": token},
    )
    assert wrong.status_code == unknown.status_code == 200
    for response in (wrong, unknown):
        assert "Enter a correct email address and password" in response.get_data(as_text=True)


def test_ten_failures_lock_the_account_and_the_lock_expires(app, client):
    email, _, _, password = PEOPLE["practitioner"]
    token = csrf_token(client)
    for _ in range(10):
        client.post(
            "/sign-in", data={"email": email, "password": "wrong-password-x", "csrf_token": token}
        )
    blocked = client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert "account_locked" in _actions(app)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user.locked_until is not None
        user.locked_until -= timedelta(minutes=16)  # the lock has run out
        db.session.commit()
    fresh = app.test_client()  # the rate-limit window is per account; start the window afresh
    with app.app_context():
        from wisdom.security import limiter

        limiter.reset()
    assert sign_in(fresh, "practitioner").status_code == 302


def test_a_cookie_captured_before_sign_out_is_rejected_after_it(app, client):
    sign_in(client, "pdm")
    captured = client.get_cookie("wisdom_session").value
    post_form(client, "/sign-out", {})
    thief = app.test_client()
    thief.set_cookie("wisdom_session", captured)
    assert thief.get("/").status_code == 302


def test_session_is_rotated_at_sign_in(client):
    client.get("/sign-in")
    before = client.get_cookie("wisdom_session").value
    sign_in(client, "practitioner")
    assert client.get_cookie("wisdom_session").value != before


def test_cookies_are_httponly_samesite_and_secure(client):
    response = sign_in(client, "practitioner")
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("wisdom_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert not any(c.startswith("remember_token") for c in response.headers.getlist("Set-Cookie"))


def test_idle_timeout_is_shorter_for_cleared_roles(app, client):
    sign_in(client, "pdm")
    with client.session_transaction() as session:
        session["last_seen"] -= 16 * 60
    assert client.get("/").status_code == 302

    other = app.test_client()
    sign_in(other, "practitioner")
    with other.session_transaction() as session:
        session["last_seen"] -= 16 * 60
    assert other.get("/").status_code == 200
    with other.session_transaction() as session:
        session["last_seen"] -= 31 * 60
    assert other.get("/").status_code == 302


def test_absolute_timeout_is_twelve_hours(client):
    sign_in(client, "practitioner")
    with client.session_transaction() as session:
        session["signed_in_at"] -= 12 * 3600 + 1
    assert client.get("/").status_code == 302
