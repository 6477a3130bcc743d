"""Helpers the proposal-pipeline tests share: a Panel of three, a module, and proposals in a state."""

from __future__ import annotations

import re
import socket
from contextlib import contextmanager
from email import message_from_bytes

import pytest
from sqlalchemy import select
from support import PEOPLE, account_hash, csrf_token, sign_in

from wisdom.auth.models import User, UserRole
from wisdom.db import db

# Two more Panel members, so the Panel can reach its quorum of three (PEOPLE has one).
PANEL = {
    "panel_two": ("kim@example.org", "Kim Adebayo", ["panel_member"], "panel-two-test-2026"),
    "panel_chair": ("lee@example.org", "Lee Morgan", ["panel_member"], "panel-chair-test-26"),
}
CHAIR = PANEL["panel_chair"][0]

MODULE = {
    "title": "Managing emotions",
    "summary": "A group that helps people notice and handle strong feelings.",
    "description": "Six sessions on spotting triggers, calming down and asking for help.",
    "pathways": ["emotional-wellbeing"],
    "core": False,
    "delivered_by": "in-house",
    "formats": ["group"],
    "session_count": 6,
    "session_length_minutes": 90,
    "eligibility": {
        "sexes": ["female", "male"],
        "age_min": 18,
        "age_max": None,
        "rosh_levels": ["low", "medium"],
        "complexity": {"low": "Mild difficulties"},
    },
    "areas": ["Leeds"],
    "referral": {"route": "Referral form", "contact": "programmes@example.org"},
    "outcomes": [],
    "status": "active",
    "review_date": "2027-06-30",
    "sessions": [],
}


def add_panel(app) -> dict[str, int]:
    """Create the two extra Panel accounts; return their ids by key."""
    ids = {}
    with app.app_context():
        for key, (email, name, roles, password) in PANEL.items():
            user = User(email=email, name=name, password_hash=account_hash(password))
            user.roles = [UserRole(role=r) for r in roles]
            db.session.add(user)
            db.session.flush()
            ids[key] = user.id
        db.session.commit()
    return ids


def user(email: str) -> User:
    """An account by email (inside an app context)."""
    return db.session.scalar(select(User).where(User.email == email))


def make_module(app, **changes) -> str:
    """Publish a module into the Directory; return its slug."""
    from modules import services as modules

    with app.app_context():
        pdm = user("morgan@example.org")
        module = modules.create_module(
            {**MODULE, **changes}, actor=pdm, change_note="First version"
        )
        return module.slug


def sign_in_as(client, email: str, password: str):
    """Sign a test client in with any account."""
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


class Inbox:
    """A real SMTP server (aiosmtpd) on a free local port, keeping every message it receives."""

    def __init__(self):
        self.messages = []
        self.port = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        """Keep the message."""
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server():
    """Run a local SMTP server for the length of a test."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        inbox.port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def panel_app(make_app, password_hashes):
    """An app with one account per role, two more Panel members, and a chair."""

    def build(**config):
        app = make_app(WISDOM_PANEL_CHAIR=CHAIR, **config)
        with app.app_context():
            for role, (email, name, roles, _password) in PEOPLE.items():
                account = User(email=email, name=name, password_hash=password_hashes[role])
                account.roles = [UserRole(role=r) for r in roles]
                db.session.add(account)
            db.session.commit()
        add_panel(app)
        built = app.test_cli_runner().invoke(args=["search", "rebuild"])
        assert built.exit_code == 0, built.output
        return app

    return build


def post(client, url: str, data: dict, token_from: str = "/"):
    """POST a form with the session's CSRF token."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, token_from)})


def client_for(app, role: str):
    """A client signed in as a PEOPLE role or one of the extra Panel accounts."""
    client = app.test_client()
    if role in PANEL:
        email, _name, _roles, password = PANEL[role]
        return sign_in_as(client, email, password)
    assert sign_in(client, role).status_code == 302
    return client


def propose_new_module(client, title="Cooking on a budget") -> int:
    """Walk the step-by-step form for a new module; return the proposal's number."""
    response = post(client, "/proposals/new", {"kind": "new_module"})
    assert response.status_code == 302
    number = int(re.search(r"/proposals/(\d+)/title", response.headers["Location"]).group(1))
    base = f"/proposals/{number}"
    assert post(client, f"{base}/title", {"title": title, "next": "1"}).status_code == 302
    details = {"summary": "Learn to cook cheap, healthy meals.", "description": "One meal a week.",
               "pathways": "ete", "next": "1"}  # fmt: skip
    assert post(client, f"{base}/details", details).status_code == 302
    reason = {"reason": "I ran out of money every month. Call me on 07700 900123.", "next": "1"}
    assert post(client, f"{base}/reason", reason).status_code == 302
    response = post(client, f"{base}/credit", {"credit_choice": "initials", "next": "1"})
    assert response.headers["Location"].endswith(f"{base}/check"), client.get(
        response.headers["Location"]
    ).get_data(as_text=True)[-6000:]
    return number
