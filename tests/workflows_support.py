"""Helpers the proposal-pipeline tests share: a Panel of three, a module, and proposals in a state."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from email import message_from_bytes

from sqlalchemy import select

from wisdom.auth.models import User, UserRole
from wisdom.auth.passwords import hash_password
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
            user = User(email=email, name=name, password_hash=hash_password(password))
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
    from support import csrf_token

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
