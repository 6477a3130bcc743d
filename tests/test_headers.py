"""Security headers and script nonces on ordinary pages and on every kind of error page."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

import pytest
from support import PEOPLE, post_form, sign_in

from wisdom.auth import services
from wisdom.db import db

SECRET_TEXT = "kaboom-secret-detail-7731"


class _Scripts(HTMLParser):
    """Collects the attributes of every <script> tag."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))


def csp(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as directive -> sources."""
    header = response.headers.get("Content-Security-Policy", "")
    assert header, "no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def check_headers(response, signed_in: bool) -> None:
    """The headers every WISDOM response carries, and the nonce on every script tag."""
    policy = csp(response)
    scripts = policy.get("script-src") or policy["default-src"]
    nonces = [s[len("'nonce-") : -1] for s in scripts if s.startswith("'nonce-")]
    assert len(nonces) == 1 and len(nonces[0]) >= 16, policy
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    )
    if signed_in:
        assert "no-store" in response.headers["Cache-Control"]
    parser = _Scripts()
    parser.feed(response.get_data(as_text=True))
    assert parser.scripts, "the page loads no scripts, so the nonce check proves nothing"
    for attrs in parser.scripts:
        assert attrs.get("src"), f"inline script: {attrs}"
        assert attrs.get("nonce") == nonces[0], f"script without the page's nonce: {attrs}"


def test_an_ordinary_page_signed_in_and_out(client, signed_in):
    signed_out = client.get("/sign-in")
    assert signed_out.status_code == 200
    check_headers(signed_out, signed_in=False)
    signed_in("practitioner")
    home = client.get("/")
    assert home.status_code == 200
    check_headers(home, signed_in=True)


def test_each_response_has_its_own_nonce(client):
    first, second = csp(client.get("/sign-in")), csp(client.get("/sign-in"))
    assert first["script-src"] != second["script-src"]


def test_not_found(client, signed_in):
    signed_in("practitioner")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    check_headers(response, signed_in=True)


def test_forbidden(client, signed_in):
    signed_in("practitioner")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "You do not have permission" in response.get_data(as_text=True)
    check_headers(response, signed_in=True)


@pytest.mark.parametrize("role", [None, "practitioner"])
def test_csrf_failure(client, role):
    if role:
        sign_in(client, role)
    response = client.post("/sign-out" if role else "/sign-in", data={"email": "x@example.org"})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    check_headers(response, signed_in=bool(role))


def test_too_many_attempts(client):
    """The rate limit refuses before the view runs; its page still carries the nonce."""
    email = PEOPLE["practitioner"][0]
    for _ in range(10):
        post_form(client, "/sign-in", {"email": email, "password": "wrong-password-x"}, "/sign-in")
    response = post_form(client, "/sign-in", {"email": email, "password": "x"}, "/sign-in")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    check_headers(response, signed_in=False)


@pytest.fixture
def failing_app(make_app):
    """An app with a test-only page that fails, and one account to sign in with."""
    app = make_app()

    @app.get("/test-only/explode")
    def explode():
        raise RuntimeError(f"{SECRET_TEXT} in the database layer")

    with app.app_context():
        email, name, roles, password = PEOPLE["practitioner"]
        services.create_user(email, name, password, roles)
        db.session.commit()
    return app


@pytest.mark.parametrize("signed", [False, True])
def test_a_server_error_shows_no_traceback(failing_app, caplog, signed):
    client = failing_app.test_client()
    if signed:
        assert sign_in(client, "practitioner").status_code == 302
    with caplog.at_level(logging.ERROR, logger="wisdom"):
        response = client.get("/test-only/explode")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    for leak in (SECRET_TEXT, "Traceback", "RuntimeError", 'File "', "line "):
        assert leak not in page
    assert not re.search(r"\.py\b", page)
    check_headers(response, signed_in=signed)
    # The detail goes to the log instead, for whoever runs the service.
    assert SECRET_TEXT in caplog.text
